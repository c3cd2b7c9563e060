import { describe, expect, it } from "vitest";
import { ETHNICITY, POLITICAL_STATUS } from "./codes";

describe("national code lists", () => {
  it("number the names as the standards do", () => {
    expect(ETHNICITY["01"]).toBe("汉族");
    expect(ETHNICITY["15"]).toBe("土家族");
    expect(ETHNICITY["56"]).toBe("基诺族");
    expect(POLITICAL_STATUS["03"]).toBe("共青团员");
    expect(POLITICAL_STATUS["13"]).toBe("群众");
  });
});
