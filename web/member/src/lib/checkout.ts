// Paying on a phone: the channels for this browser, the page the provider sends it back to,
// and the order being paid (kept for the way back, which carries no order number).
import { ApiError, type BodyOf, type ResponseOf } from "@shared/api";
import { ensureWeChatBound, forgetBinding, insideWeChat, payInWeChat } from "./wechat";

export type Channel = NonNullable<BodyOf<"/members/{member_id}/dues/pay", "post">["channel"]>;
type Paid = ResponseOf<"/members/{member_id}/dues/pay", "post">;

/** Inside WeChat only WeChat Pay's JSAPI works; elsewhere WeChat Pay's H5 page or Alipay's. */
export function channels(userAgent?: string): { value: Channel; text: string }[] {
  return insideWeChat(userAgent)
    ? [{ value: "wechat_jsapi", text: "微信支付" }]
    : [
        { value: "wechat_h5", text: "微信支付" },
        { value: "alipay_wap", text: "支付宝" },
      ];
}

const PAYING = "zhtj.member.paying";

/** Where the provider's page returns to: this app's dues page (the API allows only /m/ pages). */
export function returnUrl(origin: string): string {
  return `${origin}/m/dues?back=1`;
}

export interface Payer {
  channel: Channel;
  return_url: string;
}

/** What the pay routes need: the channel and the page to come back to (inside WeChat the API
 * pays with the WeChat bound to the account). */
export function payer(channel: Channel): Payer {
  return { channel, return_url: returnUrl(location.origin) };
}

/** Ask for the payment (`send`) and leave for the provider. When the API answers
 * WECHAT_NOT_BOUND (no WeChat bound to the account, or bound in another visit's WeChat) the
 * browser goes through WeChat's authorization again and comes back to this page, where the
 * member pays again; if that cannot start the refusal is shown as it is. */
export async function checkout(channel: Channel, send: (body: Payer) => Promise<Paid>, bind: () => Promise<unknown> = ensureWeChatBound): Promise<void> {
  try {
    goPay(await send(payer(channel)));
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "WECHAT_NOT_BOUND")) throw error;
    forgetBinding();
    if ((await bind()) !== "leaving") throw error;
  }
}

/** Leave for the provider's page, remembering the order to look at on the way back. */
export function goPay(answer: Paid): void {
  sessionStorage.setItem(PAYING, answer.order.order_id);
  if (!answer.checkout) return;
  if (answer.checkout.channel === "wechat_jsapi") payInWeChat(answer.checkout, returnUrl(location.origin));
  else if (answer.checkout.pay_url) location.assign(answer.checkout.pay_url);
}

/** The order that was being paid, once (cleared as it is read). */
export function takePaying(): string | null {
  const orderId = sessionStorage.getItem(PAYING);
  sessionStorage.removeItem(PAYING);
  return orderId;
}
