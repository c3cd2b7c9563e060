import { describe, expect, it } from "vitest";
import { actionName } from "./auditLabels";

describe("actionName", () => {
  it("names known actions in Chinese and shows others as recorded", () => {
    expect(actionName("org.create")).toBe("创建组织");
    expect(actionName("something.new")).toBe("something.new");
  });
});
