import { describe, expect, it } from "vitest";
import { dateTime, month, monthSpan, yuan } from "./format";

describe("what the app shows", () => {
  it("writes fen as yuan with two decimals", () => {
    expect(yuan(0)).toBe("0.00 元");
    expect(yuan(1205)).toBe("12.05 元");
    expect(yuan(-50)).toBe("-0.50 元");
  });

  it("writes instants in Beijing time and months in Chinese", () => {
    expect(dateTime("2026-12-04T16:30:00Z")).toBe("2026年12月5日 00:30");
    expect(month("2026-03")).toBe("2026年3月");
    expect(monthSpan(["2026-02", "2026-01", "2026-03"])).toBe("2026年1月—2026年3月（3个月）");
    expect(monthSpan([])).toBe("无");
  });
});
