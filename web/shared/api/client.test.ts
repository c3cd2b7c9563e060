import { beforeEach, describe, expect, it, vi } from "vitest";
import { createApi, unwrap } from "./client";
import { ApiError } from "./errors";
import { SessionStore } from "./session";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

describe("the API client", () => {
  let session: SessionStore;
  beforeEach(() => {
    localStorage.clear();
    session = new SessionStore("test");
  });

  it("throws the API's Chinese message and field as an ApiError", async () => {
    const fetch = vi.fn(async () => json(400, { code: "PHONE_FORMAT", message: "手机号码格式不正确", field: "phone" }));
    const api = createApi({ session, fetch });
    const failure = unwrap(api.POST("/auth/sms-codes", { body: { phone: "1", purpose: "sign_up" } }));
    await expect(failure).rejects.toMatchObject({ code: "PHONE_FORMAT", field: "phone", message: "手机号码格式不正确" });
  });

  it("turns a network failure into a retryable Chinese error", async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    });
    const api = createApi({ session, fetch });
    const caught = await unwrap(api.GET("/me")).catch((error: unknown) => error);
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).retryable).toBe(true);
    expect((caught as ApiError).message).toContain("网络");
  });

  it("refreshes once for concurrent 401s and retries with the new token", async () => {
    session.set({ access_token: "old", refresh_token: "refresh-old-token" });
    const seen: string[] = [];
    const fetch = vi.fn(async (request: Request) => {
      if (request.url.endsWith("/auth/refresh")) {
        seen.push("refresh");
        return json(200, { access_token: "new", refresh_token: "refresh-new-token" });
      }
      const auth = request.headers.get("Authorization");
      seen.push(auth ?? "");
      return auth === "Bearer new" ? json(200, { ok: true }) : json(401, { code: "UNAUTHORIZED", message: "请先登录" });
    });
    const api = createApi({ session, fetch });
    await Promise.all([unwrap(api.GET("/me")), unwrap(api.GET("/me"))]);
    expect(seen.filter((s) => s === "refresh")).toHaveLength(1);
    expect(session.tokens?.access_token).toBe("new");
  });

  it("signs out when the refresh is refused", async () => {
    session.set({ access_token: "old", refresh_token: "refresh-old-token" });
    const signedOut = vi.fn();
    const fetch = vi.fn(async () => json(401, { code: "UNAUTHORIZED", message: "请先登录" }));
    const api = createApi({ session, fetch, onSignedOut: signedOut });
    await expect(unwrap(api.GET("/me"))).rejects.toBeInstanceOf(ApiError);
    expect(signedOut).toHaveBeenCalledOnce();
    expect(session.tokens).toBeNull();
  });
});
