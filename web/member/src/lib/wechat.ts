// Paying inside WeChat (WeChat Pay JSAPI): the payer's openid from WeChat's web authorization
// (GET /wechat/authorize-url → WeChat → back with ?code&state → POST /wechat/openid), then the
// signed parameters handed to WeixinJSBridge; locally the simulator's stand-in page (pay_url).
import { unwrap, type ResponseOf } from "@shared/api";
import { api } from "../api";

type Checkout = NonNullable<ResponseOf<"/members/{member_id}/dues/pay", "post">["checkout"]>;

const OPENID = "zhtj.member.openid";
const STATE = "zhtj.member.wechatState";

interface Bridge {
  invoke(name: string, parameters: unknown, done: (result: { err_msg?: string }) => void): void;
}

export function insideWeChat(userAgent = navigator.userAgent): boolean {
  return /MicroMessenger/i.test(userAgent);
}

/** The openid of this WeChat user, or null when the browser is on its way to WeChat for it.
 * Back from WeChat (?code&state on this page) the code is exchanged once and the URL cleaned. */
export async function ensureOpenid(): Promise<string | null> {
  const kept = sessionStorage.getItem(OPENID);
  if (kept) return kept;
  const here = new URL(location.href);
  const code = here.searchParams.get("code");
  if (code && here.searchParams.get("state") === sessionStorage.getItem(STATE)) {
    const { openid } = await unwrap(api.POST("/wechat/openid", { body: { code } }));
    sessionStorage.setItem(OPENID, openid);
    sessionStorage.removeItem(STATE);
    here.searchParams.delete("code");
    here.searchParams.delete("state");
    history.replaceState(history.state, "", here.pathname + here.search);
    return openid;
  }
  here.searchParams.delete("code");
  here.searchParams.delete("state");
  const redirect = `${here.origin}${here.pathname}${here.search}`;
  const { url, state } = await unwrap(api.GET("/wechat/authorize-url", { params: { query: { redirect_uri: redirect } } }));
  sessionStorage.setItem(STATE, state);
  location.assign(url);
  return null;
}

/** Back from WeChat's authorization with a code on this page (the payment to continue). */
export function returningFromWeChat(): boolean {
  return new URL(location.href).searchParams.has("code") && sessionStorage.getItem(STATE) !== null;
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
