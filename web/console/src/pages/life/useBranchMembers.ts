// A branch's members in full (GET /orgs/{id}/members, 100 a page, every page): the attendees of
// a meeting and the members a branch may propose are all of them, not a page. Only members in
// good standing (NORMAL) are offered: the API refuses the others.
import { shallowRef, type Ref } from "vue";
import { unwrap, type ResponseOf } from "@shared/api";
import { useRequest, type Request } from "@shared/useRequest";
import { api } from "../../api";

export type BranchMember = ResponseOf<"/orgs/{org_id}/members", "get">["items"][number];

export function useBranchMembers(branchId: () => string): { members: Ref<BranchMember[]>; load: Request<[], void> } {
  const members = shallowRef<BranchMember[]>([]);
  const load = useRequest(async () => {
    const all: BranchMember[] = [];
    let cursor: string | null = null;
    do {
      const page: ResponseOf<"/orgs/{org_id}/members", "get"> = await unwrap(
        api.GET("/orgs/{org_id}/members", { params: { path: { org_id: branchId() }, query: { cursor, limit: 100 } } }),
      );
      all.push(...page.items);
      cursor = page.next_cursor ?? null;
    } while (cursor);
    members.value = all.filter((member) => member.state === "NORMAL");
  });
  return { members, load };
}
