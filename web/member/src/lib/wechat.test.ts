import { describe, expect, it } from "vitest";
import { insideWeChat } from "./wechat";

describe("paying inside WeChat", () => {
  it("knows WeChat's browser by its user agent", () => {
    expect(insideWeChat("Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.50")).toBe(true);
    expect(insideWeChat("Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36")).toBe(false);
  });
});
