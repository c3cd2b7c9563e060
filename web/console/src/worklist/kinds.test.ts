import { describe, expect, it } from "vitest";
import { countOf, screenOf, type WorkCounts, type WorkItem } from "./kinds";

const item = (over: Partial<WorkItem>): WorkItem => ({
  kind: "REGISTRATION",
  id: "t1",
  name: "欧阳晓琳",
  member_id: "m1",
  registration_id: null,
  transfer_id: null,
  request_id: null,
  created_at: "2026-12-01T00:00:00Z",
  deadline: null,
  unit: null,
  due_in: null,
  escalated: false,
  stage: null,
  ...over,
});

describe("the work list's kinds (MSG-4)", () => {
  it("opens each item on the screen that decides it", () => {
    expect(screenOf(item({ kind: "REGISTRATION", registration_id: "r9" }))).toEqual({ name: "review-registration", params: { id: "r9" } });
    expect(screenOf(item({ kind: "OVERDUE_REVIEW", registration_id: "r8" }))).toEqual({ name: "review-registration", params: { id: "r8" } });
    expect(screenOf(item({ kind: "EDIT" }))).toEqual({ name: "review-edit", params: { memberId: "m1" } });
    expect(screenOf(item({ kind: "EXIT" }))).toEqual({ name: "review-exit", params: { memberId: "m1" } });
    expect(screenOf(item({ kind: "DELETION", id: "d1" }))).toEqual({ name: "review-list", params: { kind: "deletions" }, query: { focus: "d1" } });
    expect(screenOf(item({ kind: "TRANSFER", transfer_id: "x1" }))).toEqual({ path: "/transfers", query: { focus: "x1" } });
    expect(screenOf(item({ kind: "PARTY" }))).toEqual({ name: "party" });
  });

  it("reads a kind's count from its field, and the total for 全部", () => {
    const counts: WorkCounts = { registration: 2, overdue_review: 0, edit: 1, join_month: 0, transfer: 3, award_declaration: 0, exit: 0, deletion: 1, party: 0, total: 7 };
    expect(countOf(counts, "REGISTRATION")).toBe(2);
    expect(countOf(counts, "AWARD_DECLARATION")).toBe(0);
    expect(countOf(counts, "ALL")).toBe(7);
    expect(countOf(null, "EDIT")).toBe(0);
  });
});
