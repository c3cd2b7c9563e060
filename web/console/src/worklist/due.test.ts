import { describe, expect, it } from "vitest";
import { describeDue } from "./due";

describe("describeDue (MSG-4)", () => {
  it("counts working days and marks the last day urgent", () => {
    expect(describeDue(3, "WORKDAYS")).toEqual({ text: "剩 3 个工作日", urgent: false, overdue: false });
    expect(describeDue(1, "WORKDAYS").urgent).toBe(true);
    expect(describeDue(0, "WORKDAYS")).toEqual({ text: "今日到期", urgent: true, overdue: false });
  });

  it("counts hours for transfer steps, urgent within a day", () => {
    expect(describeDue(48, "HOURS")).toEqual({ text: "剩 48 小时", urgent: false, overdue: false });
    expect(describeDue(20, "HOURS").urgent).toBe(true);
  });

  it("says 已逾期 once past, and nothing when there is no deadline", () => {
    expect(describeDue(-2, "WORKDAYS")).toEqual({ text: "已逾期 2 个工作日", urgent: true, overdue: true });
    expect(describeDue(-5, "HOURS").text).toBe("已逾期 5 小时");
    expect(describeDue(null, null)).toEqual({ text: "无期限", urgent: false, overdue: false });
  });
});
