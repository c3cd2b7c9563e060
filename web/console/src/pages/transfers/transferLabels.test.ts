import { describe, expect, it } from "vitest";
import { clock, percent } from "./transferLabels";

describe("clock (XFER-2's 72 hours a step)", () => {
  const now = new Date("2026-12-05T08:00:00Z");

  it("counts the hours left, urgent within a day", () => {
    expect(clock("2026-12-07T08:00:00Z", false, now)).toEqual({ text: "剩余 48 小时", tone: "ok" });
    expect(clock("2026-12-05T20:30:00Z", false, now)).toEqual({ text: "剩余 12 小时", tone: "urgent" });
    expect(clock("2026-12-05T08:30:00Z", false, now)).toEqual({ text: "不足1小时", tone: "urgent" });
  });

  it("says how late a step past its deadline is", () => {
    expect(clock("2026-12-05T05:00:00Z", false, now)).toEqual({ text: "已逾期 3 小时", tone: "late" });
    expect(clock(null, true, now)).toEqual({ text: "已逾期", tone: "late" });
  });

  it("shows rates as percentages, none as a dash", () => {
    expect(percent(0.9234)).toBe("92.3%");
    expect(percent(null)).toBe("—");
  });
});
