import { describe, expect, it } from "vitest";
import { chinaToday, lastTwoQuarters, MAX_PHOTO_BYTES, photoProblem, quarterName, quarterOf } from "./lifeLabels";

describe("quarters", () => {
  it("names a quarter in Chinese and leaves anything else", () => {
    expect(quarterName("2026Q3")).toBe("2026年第三季度");
    expect(quarterName("2026Q3_LECTURE")).toBe("2026Q3_LECTURE");
  });
  it("finds the quarter of a day and the one before, across a year", () => {
    expect(quarterOf("2026-08-15")).toBe("2026Q3");
    expect(quarterOf("2026-12-31")).toBe("2026Q4");
    expect(lastTwoQuarters("2026-02-01")).toEqual(["2026Q1", "2025Q4"]);
    expect(lastTwoQuarters("2026-07-01")).toEqual(["2026Q3", "2026Q2"]);
  });
  it("reads today in China, not in the browser's zone", () => {
    expect(chinaToday(new Date("2026-03-31T17:00:00Z"))).toBe("2026-04-01");
  });
});

describe("photoProblem", () => {
  it("takes a JPEG or PNG of at most 5 MB while fewer than nine are chosen", () => {
    expect(photoProblem({ name: "a.jpg", type: "image/jpeg", size: MAX_PHOTO_BYTES }, 8)).toBe("");
    expect(photoProblem({ name: "a.png", type: "image/png", size: 10 }, 0)).toBe("");
  });
  it("refuses a tenth, another format, and a file over 5 MB", () => {
    expect(photoProblem({ name: "a.jpg", type: "image/jpeg", size: 10 }, 9)).toContain("最多上传9张");
    expect(photoProblem({ name: "a.gif", type: "image/gif", size: 10 }, 0)).toContain("不是JPEG或PNG");
    expect(photoProblem({ name: "a.jpg", type: "image/jpeg", size: MAX_PHOTO_BYTES + 1 }, 0)).toContain("超过5MB");
  });
});
