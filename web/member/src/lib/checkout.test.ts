import { beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "@shared/api";
import { checkout, payer } from "./checkout";
import { BOUND } from "./wechat";

const notBound = new ApiError(409, { code: "WECHAT_NOT_BOUND", message: "请先在微信内打开团员端绑定微信", field: "channel" });

beforeEach(() => sessionStorage.clear());

describe("paying inside WeChat", () => {
  it("asks the API with just the channel and the page to come back to", () => {
    expect(payer("wechat_jsapi")).toEqual({ channel: "wechat_jsapi", return_url: `${location.origin}/m/dues?back=1` });
  });

  it("binds WeChat again when the API answers WECHAT_NOT_BOUND", async () => {
    // Given a binding remembered this visit that the API does not have
    sessionStorage.setItem(BOUND, "bound");
    const bind = vi.fn(async () => "leaving");
    // When the member pays
    await checkout("wechat_jsapi", () => Promise.reject(notBound), bind);
    // Then the remembered binding is forgotten and the browser goes to bind again (no error shown)
    expect(sessionStorage.getItem(BOUND)).toBeNull();
    expect(bind).toHaveBeenCalledTimes(1);
  });

  it("shows the refusal when binding cannot start, and any other refusal as it is", async () => {
    // Given binding that cannot start (no official account)
    const off = vi.fn(async () => "off");
    // When the member pays, Then the API's refusal is what the page shows
    await expect(checkout("wechat_jsapi", () => Promise.reject(notBound), off)).rejects.toBe(notBound);
    const other = new ApiError(409, { code: "WECHAT_CHANNEL_OFF", message: "本系统未接入微信公众号" });
    await expect(checkout("wechat_jsapi", () => Promise.reject(other), off)).rejects.toBe(other);
    expect(off).toHaveBeenCalledTimes(1);
  });
});
