// Paying on a phone: the channels for this browser, the page the provider sends it back to,
// and the order being paid (kept for the way back, which carries no order number).
import type { BodyOf, ResponseOf } from "@shared/api";
import { ensureOpenid, insideWeChat, payInWeChat } from "./wechat";

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

/** What the pay routes need besides the channel: the openid inside WeChat (null: the browser
 * is on its way to WeChat's authorization and comes back to this page). */
export async function payer(channel: Channel): Promise<{ channel: Channel; openid?: string; return_url: string } | null> {
  if (channel !== "wechat_jsapi") return { channel, return_url: returnUrl(location.origin) };
  const openid = await ensureOpenid();
  return openid ? { channel, openid, return_url: returnUrl(location.origin) } : null;
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
