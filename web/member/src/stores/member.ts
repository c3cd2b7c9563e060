// The signed-in member's record (GET /members/{id}) and their open edit request, shared by
// the home page and the edit page.
import { defineStore } from "pinia";
import { ref } from "vue";
import { unwrap, type ResponseOf } from "@shared/api";
import { api } from "../api";

export type MemberDetail = ResponseOf<"/members/{member_id}", "get">;
export type EditRequest = ResponseOf<"/members/{member_id}/edit-requests", "get">["items"][number];

export const useMember = defineStore("member", () => {
  const member = ref<MemberDetail | null>(null);
  /** The latest edit request (the open one while it waits for review). */
  const latestEdit = ref<EditRequest | null>(null);

  async function load(memberId: string): Promise<MemberDetail> {
    const path = { member_id: memberId };
    const [record, edits] = await Promise.all([
      unwrap(api.GET("/members/{member_id}", { params: { path } })),
      unwrap(api.GET("/members/{member_id}/edit-requests", { params: { path, query: { limit: 5 } } })),
    ]);
    member.value = record;
    const sorted = [...edits.items].sort((a, b) => b.requested_at.localeCompare(a.requested_at));
    latestEdit.value = sorted.find((each) => each.request_id === record.open_edit_id) ?? sorted[0] ?? null;
    return record;
  }

  /** The fields waiting for the branch's review, with the value asked for. */
  function pending(): Record<string, unknown> {
    const open = latestEdit.value;
    return open && member.value?.open_edit_id === open.request_id ? (open.changes as Record<string, unknown>) : {};
  }

  return { member, latestEdit, load, pending };
});
