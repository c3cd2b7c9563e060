// The work list's kinds (MSG-4): their Chinese names, and which screen opens an item.
import type { RouteLocationRaw } from "vue-router";
import type { components } from "@shared/api";

export type WorkKind = components["schemas"]["WorkKind"];
export type WorkItem = components["schemas"]["WorkItemOut"];
export type WorkCounts = components["schemas"]["WorkCounts"];

export const KINDS: { kind: WorkKind; label: string }[] = [
  { kind: "REGISTRATION", label: "报到审核" },
  { kind: "OVERDUE_REVIEW", label: "逾期报到" },
  { kind: "EDIT", label: "信息修改" },
  { kind: "TRANSFER", label: "组织关系转接" },
  { kind: "AWARD_DECLARATION", label: "奖励申报" },
  { kind: "EXIT", label: "离团" },
  { kind: "DELETION", label: "删除团员" },
  { kind: "JOIN_MONTH", label: "入团年月更正" },
  { kind: "PARTY", label: "推优入党" },
];

export function kindLabel(kind: WorkKind): string {
  return KINDS.find((entry) => entry.kind === kind)?.label ?? kind;
}

/** How many of a kind are open, by the counts' field of that kind (REGISTRATION -> registration). */
export function countOf(counts: WorkCounts | null, kind: WorkKind | "ALL"): number {
  if (!counts) return 0;
  if (kind === "ALL") return counts.total;
  return counts[kind.toLowerCase() as Exclude<keyof WorkCounts, "total">];
}

/** The screen where an item is decided. */
export function screenOf(item: WorkItem): RouteLocationRaw {
  const member = item.member_id ?? "";
  switch (item.kind) {
    case "REGISTRATION":
    case "OVERDUE_REVIEW":
      return { name: "review-registration", params: { id: item.registration_id ?? item.id } };
    case "EDIT":
      return { name: "review-edit", params: { memberId: member } };
    case "AWARD_DECLARATION":
      return { name: "review-list", params: { kind: "awards" }, query: { focus: item.id } };
    case "EXIT":
      return { name: "review-exit", params: { memberId: member } };
    case "DELETION":
      return { name: "review-list", params: { kind: "deletions" }, query: { focus: item.id } };
    case "JOIN_MONTH":
      return { name: "review-list", params: { kind: "join-month" }, query: { focus: item.id } };
    case "TRANSFER":
      return { path: "/transfers", query: { focus: item.transfer_id ?? item.id } };
    case "PARTY":
      return { name: "party" };
    default:
      return { name: "member", params: { id: member } };
  }
}
