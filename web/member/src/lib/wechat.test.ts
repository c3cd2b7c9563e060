import { beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "@shared/api";
import { BOUND, ensureWeChatBound, forgetBinding, insideWeChat, STATE, withoutCode, type Door } from "./wechat";

const WECHAT = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.50";
const CHROME = "Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36";
const PAGE = "https://zhtj.example.cn/m/dues";

function door(overrides: Partial<Door> = {}) {
  return {
    authorizeUrl: vi.fn(async () => ({ url: "https://open.weixin.qq.com/connect/oauth2/authorize?state=s1", state: "s1" })),
    bind: vi.fn(async () => ({ bound: true })),
    go: vi.fn(),
    clean: vi.fn(),
    ...overrides,
  };
}

const refused = (code: string) => new ApiError(409, { code, message: "本系统未接入微信公众号" });

beforeEach(() => sessionStorage.clear());

describe("binding the person's WeChat", () => {
  it("knows WeChat's browser by its user agent", () => {
    expect(insideWeChat(WECHAT)).toBe(true);
    expect(insideWeChat(CHROME)).toBe(false);
  });

  it("does nothing outside WeChat", async () => {
    // Given a phone's ordinary browser
    const d = door();
    // When the app is entered
    const result = await ensureWeChatBound(d, PAGE, CHROME);
    // Then WeChat is not asked
    expect(result).toBe("outside");
    expect(d.authorizeUrl).not.toHaveBeenCalled();
  });

  it("goes to WeChat's authorization with this page (without an old code) to come back to", async () => {
    // Given WeChat's browser and nothing bound this visit
    const d = door();
    // When the app is entered
    const result = await ensureWeChatBound(d, `${PAGE}?member=7&code=old&state=x`, WECHAT);
    // Then the browser leaves for WeChat, the state kept for the way back
    expect(result).toBe("leaving");
    expect(d.authorizeUrl).toHaveBeenCalledWith(`${PAGE}?member=7`);
    expect(d.go).toHaveBeenCalledWith("https://open.weixin.qq.com/connect/oauth2/authorize?state=s1");
    expect(sessionStorage.getItem(STATE)).toBe("s1");
  });

  it("hands the code back once, cleans the address and remembers the binding", async () => {
    // Given the browser back from WeChat with a code and the state it was sent with
    sessionStorage.setItem(STATE, "s1");
    const d = door();
    // When the app is entered
    const result = await ensureWeChatBound(d, `${PAGE}?member=7&code=abc&state=s1#top`, WECHAT);
    // Then the code is bound, the URL loses code and state, and the visit does not ask again
    expect(result).toBe("bound");
    expect(d.bind).toHaveBeenCalledWith("abc");
    expect(d.clean).toHaveBeenCalledWith("/m/dues?member=7#top");
    expect(sessionStorage.getItem(BOUND)).toBe("bound");
    expect(sessionStorage.getItem(STATE)).toBeNull();
    expect(await ensureWeChatBound(d, PAGE, WECHAT)).toBe("bound");
    expect(d.authorizeUrl).not.toHaveBeenCalled();
    expect(d.bind).toHaveBeenCalledTimes(1);
  });

  it("does not bind a code that came back with another state, and does not go again", async () => {
    // Given a code with a state this app did not send
    sessionStorage.setItem(STATE, "s1");
    const d = door();
    // When the app is entered
    const result = await ensureWeChatBound(d, `${PAGE}?code=abc&state=forged#wechat_redirect`, WECHAT);
    // Then nothing is bound and the browser stays (no loop)
    expect(result).toBe("failed");
    expect(d.bind).not.toHaveBeenCalled();
    expect(d.go).not.toHaveBeenCalled();
    expect(d.clean).toHaveBeenCalledWith("/m/dues");
  });

  it("stays on the page when the API refuses the code (the next visit or payment tries again)", async () => {
    // Given WeChat's code refused by the API
    sessionStorage.setItem(STATE, "s1");
    const d = door({ bind: vi.fn(async () => Promise.reject(new ApiError(400, { code: "WECHAT_CODE_INVALID", message: "微信授权码无效", field: "code" }))) });
    // When the app is entered with it
    const result = await ensureWeChatBound(d, `${PAGE}?code=abc&state=s1`, WECHAT);
    // Then the browser stays and nothing is remembered
    expect(result).toBe("failed");
    expect(d.go).not.toHaveBeenCalled();
    expect(sessionStorage.getItem(BOUND)).toBeNull();
  });

  it("without an official account (WECHAT_CHANNEL_OFF) never goes to WeChat this visit", async () => {
    // Given an API with no official account
    const d = door({ authorizeUrl: vi.fn(async () => Promise.reject(refused("WECHAT_CHANNEL_OFF"))) });
    // When the app is entered twice
    expect(await ensureWeChatBound(d, PAGE, WECHAT)).toBe("off");
    expect(await ensureWeChatBound(d, PAGE, WECHAT)).toBe("off");
    // Then the API was asked once and the browser never left
    expect(d.authorizeUrl).toHaveBeenCalledTimes(1);
    expect(d.go).not.toHaveBeenCalled();
  });

  it("goes through WeChat again once the binding is forgotten (the API answered WECHAT_NOT_BOUND)", async () => {
    // Given a binding remembered this visit
    sessionStorage.setItem(BOUND, "bound");
    const d = door();
    // When it is forgotten and the binding asked again
    forgetBinding();
    // Then the browser leaves for WeChat
    expect(await ensureWeChatBound(d, PAGE, WECHAT)).toBe("leaving");
  });

  it("keeps the rest of the address when it drops code and state", () => {
    expect(withoutCode("https://a.cn/m/dues?back=1&code=c&state=s#x")).toBe("https://a.cn/m/dues?back=1#x");
    expect(withoutCode("https://a.cn/m/dues?code=c&state=s#wechat_redirect")).toBe("https://a.cn/m/dues");
  });
});
