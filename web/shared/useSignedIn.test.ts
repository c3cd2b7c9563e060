import { beforeEach, describe, expect, it, vi } from "vitest";
import { createApi } from "./api/client";
import { SessionStore } from "./api/session";
import { useSignedIn, type Me } from "./useSignedIn";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const ME = { account: { account_id: "a1", member_id: "m1", must_change_password: false }, grants: [], acting_org_id: null } as unknown as Me;
const TOKENS = { access_token: "access", refresh_token: "refresh-token" };

describe("useSignedIn", () => {
  let session: SessionStore;
  beforeEach(() => {
    localStorage.clear();
    session = new SessionStore("test");
  });

  it("keeps a new session's tokens, reads who it is, then runs the app's own step", async () => {
    // Given an API answering GET /me
    const seen: string[] = [];
    const fetch = vi.fn(async (request: Request) => {
      seen.push(`${request.method} ${new URL(request.url).pathname} ${request.headers.get("Authorization") ?? ""}`);
      return json(200, ME);
    });
    const after = vi.fn(async (_me: Me) => undefined);
    const auth = useSignedIn(createApi({ session, fetch, baseUrl: "http://api" }), session, after);
    expect(auth.signedIn.value).toBe(false);
    // When a sign-in answers tokens
    await auth.start(TOKENS);
    // Then the tokens are kept, /me is read with them, and the app's step saw the account
    expect(session.tokens).toEqual(TOKENS);
    expect(auth.signedIn.value).toBe(true);
    expect(seen).toEqual(["GET /me Bearer access"]);
    expect(auth.me.value).toEqual(ME);
    expect(after).toHaveBeenCalledWith(ME);
  });

  it("reads nothing without a session", async () => {
    // Given no tokens
    const fetch = vi.fn(async () => json(200, ME));
    const auth = useSignedIn(createApi({ session, fetch, baseUrl: "http://api" }), session);
    // When the store loads, Then it answers no one and asks the API nothing
    expect(await auth.load()).toBeNull();
    expect(fetch).not.toHaveBeenCalled();
  });

  it("signs out here even when the server cannot be reached, and forgets who it was", async () => {
    // Given a signed-in store and an API that fails on sign-out
    const fetch = vi.fn(async (request: Request) => {
      if (request.url.endsWith("/auth/sign-out")) throw new TypeError("Failed to fetch");
      return json(200, ME);
    });
    const auth = useSignedIn(createApi({ session, fetch, baseUrl: "http://api" }), session);
    await auth.start(TOKENS);
    // When the person signs out
    await auth.signOut();
    // Then the tokens and the account are gone all the same
    expect(session.tokens).toBeNull();
    expect(auth.signedIn.value).toBe(false);
    expect(auth.me.value).toBeNull();
  });
});
