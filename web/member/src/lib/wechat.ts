// The members' app inside WeChat: the person's WeChat (their openid under the league's official
// account) is bound to their account once, when the app is entered signed in — WeChat's silent
// web authorization (GET /wechat/authorize-url → WeChat → back here with ?code&state → PUT
// /me/wechat-openid). JSAPI payments and WeChat notifications read the bound openid on the API's
// side. A session flag keeps it to once per visit, and the way back never goes to WeChat again
// on its own (no loop): a refused code waits for the next visit or the next payment.
import { ApiError, unwrap, type ResponseOf } from "@shared/api";
import { api } from "../api";

type Checkout = NonNullable<ResponseOf<"/members/{member_id}/dues/pay", "post">["checkout"]>;

/** outside: not WeChat's browser; bound: done this visit; off: the API has no official account;
 * leaving: on the way to WeChat's authorization; failed: try again later (next visit or payment). */
export type Binding = "outside" | "bound" | "off" | "leaving" | "failed";

export const BOUND = "zhtj.member.wechatBound";
export const STATE = "zhtj.member.wechatState";
const QUERY = ["code", "state"] as const;

/** What binding needs from the world (the API and the browser); the app uses `browserDoor`. */
export interface Door {
  authorizeUrl(redirectUri: string): Promise<{ url: string; state: string }>;
  bind(code: string): Promise<unknown>;
  /** Leave for WeChat's page. */
  go(url: string): void;
  /** Take ?code&state off the address bar (the page stays). */
  clean(url: string): void | Promise<unknown>;
}

export const browserDoor: Door = {
  authorizeUrl: (redirectUri) => unwrap(api.GET("/wechat/authorize-url", { params: { query: { redirect_uri: redirectUri } } })),
  bind: (code) => unwrap(api.PUT("/me/wechat-openid", { body: { code } })),
  go: (url) => location.assign(url),
  clean: (url) => history.replaceState(history.state, "", url),
};

interface Bridge {
  invoke(name: string, parameters: unknown, done: (result: { err_msg?: string }) => void): void;
}

export function insideWeChat(userAgent = navigator.userAgent): boolean {
  return /MicroMessenger/i.test(userAgent);
}

function refusedAs(error: unknown, code: string): boolean {
  return error instanceof ApiError && error.code === code;
}

// WeChat's authorization address ends in this fragment, and a browser keeps a fragment across
// the redirect back: it is WeChat's, never the app's.
const WECHAT_FRAGMENT = "#wechat_redirect";

/** The page's own fragment (WeChat's dropped). */
export function ownHash(hash: string): string {
  return hash === WECHAT_FRAGMENT ? "" : hash;
}

/** `href` without WeChat's ?code&state and fragment (the address to come back to, or to show). */
export function withoutCode(href: string): string {
  const url = new URL(href);
  for (const key of QUERY) url.searchParams.delete(key);
  url.hash = ownHash(url.hash);
  return url.toString();
}

/** Forget this visit's binding: the next `ensureWeChatBound` goes through WeChat again (the API
 * answered WECHAT_NOT_BOUND). */
export function forgetBinding(): void {
  sessionStorage.removeItem(BOUND);
}

/** Bind the person's WeChat unless done this visit (see the top of this file). Never throws. */
export async function ensureWeChatBound(door: Door = browserDoor, href = location.href, userAgent = navigator.userAgent): Promise<Binding> {
  if (!insideWeChat(userAgent)) return "outside";
  const kept = sessionStorage.getItem(BOUND);
  if (kept === "bound" || kept === "off") return kept;
  const here = new URL(href);
  const expected = sessionStorage.getItem(STATE);
  sessionStorage.removeItem(STATE);
  if (expected !== null) return comeBack(door, here, expected);
  try {
    const { url, state } = await door.authorizeUrl(withoutCode(href));
    sessionStorage.setItem(STATE, state);
    door.go(url);
    return "leaving";
  } catch (error) {
    return settle(error);
  }
}

/** Back from WeChat's authorization: the code WeChat gave (with our state) is handed to the API
 * once; whatever happens the browser stays here. */
async function comeBack(door: Door, here: URL, expected: string): Promise<Binding> {
  const code = here.searchParams.get("code");
  const matches = code !== null && here.searchParams.get("state") === expected;
  if (here.searchParams.has("code") || here.searchParams.has("state") || here.hash !== ownHash(here.hash)) {
    const clean = new URL(withoutCode(here.href));
    await door.clean(clean.pathname + clean.search + clean.hash);
  }
  if (!matches) return "failed";
  try {
    await door.bind(code);
    sessionStorage.setItem(BOUND, "bound");
    return "bound";
  } catch (error) {
    return settle(error);
  }
}

function settle(error: unknown): Binding {
  if (refusedAs(error, "WECHAT_CHANNEL_OFF")) {
    sessionStorage.setItem(BOUND, "off");
    return "off";
  }
  return "failed";
}

/** Hand the JSAPI parameters to WeChat's own cashier; then to `back` whatever the outcome (the
 * page asks the API how the order ended). Outside WeChat's browser: the stand-in page. */
export function payInWeChat(checkout: Checkout, back: string): void {
  const bridge = (window as unknown as { WeixinJSBridge?: Bridge }).WeixinJSBridge;
  if (bridge && checkout.jsapi) {
    bridge.invoke("getBrandWCPayRequest", checkout.jsapi, () => location.assign(back));
    return;
  }
  if (checkout.pay_url) location.assign(checkout.pay_url);
}
