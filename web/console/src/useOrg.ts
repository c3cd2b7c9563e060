// An organisation read by id (GET /orgs/{id}), read again whenever the id changes: what the pages
// that behave by the type of organisation they work for (a branch, or a committee above
// branches) start from. No id: no organisation (nothing is asked).
import { shallowRef, watch, type Ref } from "vue";
import { unwrap } from "@shared/api";
import { useRequest, type Request } from "@shared/useRequest";
import { api } from "./api";
import type { Org } from "./pages/orgs/types";

export function useOrg(id: () => string | null | undefined): { org: Ref<Org | null>; load: Request<[], void> } {
  const org = shallowRef<Org | null>(null);
  const load = useRequest(async () => {
    const orgId = id();
    org.value = orgId ? await unwrap(api.GET("/orgs/{org_id}", { params: { path: { org_id: orgId } } })) : null;
  });
  watch(id, () => void load.run(), { immediate: true });
  return { org, load };
}
