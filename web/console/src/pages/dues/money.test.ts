import { describe, expect, it } from "vitest";
import { chinaMonth, paymentLinks, yuan } from "./money";

describe("money", () => {
  it("shows fen as yuan", () => {
    expect(yuan(1234)).toBe("12.34 元");
    expect(yuan(0)).toBe("0.00 元");
    expect(yuan(null)).toBe("—");
  });

  it("counts months in China's time", () => {
    expect(chinaMonth(new Date("2026-11-30T17:00:00Z"))).toBe("2026-12");
    expect(chinaMonth(new Date("2026-11-30T15:00:00Z"))).toBe("2026-11");
  });

  it("finds the links a provider's request carries", () => {
    expect(paymentLinks({ code_url: "weixin://x", h5_url: "https://pay.example/a", amount: 3 })).toEqual(["https://pay.example/a"]);
  });
});
