import { describe, expect, it } from "vitest";
import { bars, describeBars } from "./statsLabels";

describe("bars", () => {
  it("names the keys in Chinese, largest first, zeros and non-numbers left out", () => {
    expect(bars({ BRANCH: 12, LEADING_ORGAN: 3, GENERAL_BRANCH: 0, total: "x" })).toEqual([
      { name: "团支部", value: 12 },
      { name: "团的领导机关", value: 3 },
    ]);
  });

  it("says the chart in words", () => {
    expect(describeBars("组织类型", [{ name: "团支部", value: 12 }])).toBe("组织类型：团支部 12");
    expect(describeBars("组织类型", [])).toBe("组织类型：暂无数据");
  });
});
