import { describe, expect, it } from "vitest";
import { chinaDate, chinaYear, excellentCap, excellentCount, hours, inForce, recentYears, tenthsOf } from "./records";

describe("member records", () => {
  it("caps 优秀 at 30 % rounded down, as the API counts it", () => {
    expect(excellentCap(10)).toBe(3);
    expect(excellentCap(3)).toBe(0);
    expect(excellentCap(20)).toBe(6);
    expect(excellentCap(19)).toBe(5);
    expect(excellentCount({ a: "优秀", b: "合格", c: "优秀" })).toBe(2);
  });

  it("reads and shows hours in tenths", () => {
    expect(tenthsOf("3.5")).toBe(35);
    expect(tenthsOf(" 2 ")).toBe(20);
    expect(tenthsOf("0.1")).toBe(1);
    expect(tenthsOf("2.25")).toBeNull();
    expect(tenthsOf("两小时")).toBeNull();
    expect(tenthsOf("")).toBeNull();
    expect(hours(35)).toBe("3.5 小时");
    expect(hours(20)).toBe("2 小时");
  });

  it("knows a punishment in force", () => {
    expect(inForce({ award_kind: "PUNISHMENT", in_force: true })).toBe(true);
    expect(inForce({ award_kind: "PUNISHMENT", in_force: false })).toBe(false);
    expect(inForce({ award_kind: "REWARD", in_force: null })).toBe(false);
  });

  it("counts years and dates in China's time", () => {
    expect(chinaYear(new Date("2026-12-31T17:00:00Z"))).toBe(2027);
    expect(chinaDate(new Date("2026-12-04T16:30:00Z"))).toBe("2026-12-05");
    expect(recentYears(3, new Date("2026-06-01T00:00:00Z"))).toEqual([2026, 2025, 2024]);
  });
});
