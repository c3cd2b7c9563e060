// Paying on a phone: the channel for this browser, the page the provider sends it back to,
// and the order being paid (kept for the way back, which carries no order number).
import type { BodyOf } from "@shared/api";

export type Channel = NonNullable<BodyOf<"/members/{member_id}/dues/pay", "post">["channel"]>;

export const CHANNELS: { value: Channel; text: string }[] = [
  { value: "wechat_h5", text: "微信支付" },
  { value: "alipay_wap", text: "支付宝" },
];

const PAYING = "zhtj.member.paying";

/** Where the provider's page returns to: this app's dues page (the API allows only /m/ pages). */
export function returnUrl(origin: string): string {
  return `${origin}/m/dues?back=1`;
}

/** Leave for the provider's page, remembering the order to look at on the way back. */
export function goPay(orderId: string, payUrl: string): void {
  sessionStorage.setItem(PAYING, orderId);
  location.assign(payUrl);
}

/** The order that was being paid, once (cleared as it is read). */
export function takePaying(): string | null {
  const orderId = sessionStorage.getItem(PAYING);
  sessionStorage.removeItem(PAYING);
  return orderId;
}
