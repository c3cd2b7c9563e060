import { describe, expect, it } from "vitest";
import { childLevel, childTypes } from "./orgLabels";

describe("childTypes (ORG-1, ORG-2)", () => {
  it("offers only what may stand below each type", () => {
    expect(childTypes("BRANCH")).toEqual([]);
    expect(childTypes("GENERAL_BRANCH")).toEqual(["BRANCH"]);
    expect(childTypes("BASIC_COMMITTEE")).not.toContain("WORKING_COMMITTEE");
    expect(childTypes("LEADING_ORGAN")).toContain("WORKING_COMMITTEE");
  });

  it("steps a leading organ down one level", () => {
    expect(childLevel("PROVINCE")).toBe("CITY");
    expect(childLevel("CITY")).toBe("COUNTY");
    expect(childLevel("COUNTY")).toBeNull();
  });
});
