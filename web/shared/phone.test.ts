import { describe, expect, it } from "vitest";
import { looksLikePhone, normalisePhone } from "./phone";

describe("phones", () => {
  it("takes mainland mobiles with or without +86 and spaces", () => {
    expect(looksLikePhone("138 0013 8000")).toBe(true);
    expect(looksLikePhone("+8613800138000")).toBe(true);
    expect(normalisePhone("138-0013-8000")).toBe("13800138000");
  });
  it("refuses landlines and short numbers", () => {
    expect(looksLikePhone("020-12345678")).toBe(false);
    expect(looksLikePhone("1380013800")).toBe(false);
  });
});
