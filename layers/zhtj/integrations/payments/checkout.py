"""The payer's step on a phone (手机支付): what the members' app opens to pay an order.

Three mobile channels, each built as the provider documents it:

- `wechat_jsapi` (inside WeChat, JSAPI 支付): POST /v3/pay/transactions/jsapi (the order body with
  payer.openid), signed; the signed answer's `prepay_id` becomes the parameters of
  WeixinJSBridge.invoke("getBrandWCPayRequest") / wx.chooseWXPay: appId, timeStamp, nonceStr,
  package="prepay_id=…", signType="RSA", paySign = RSA-SHA256 (merchant key, base64) over
  "appId\\ntimeStamp\\nnonceStr\\npackage\\n".
- `wechat_h5` (any other mobile browser, H5 支付): POST /v3/pay/transactions/h5 with
  scene_info {payer_client_ip, h5_info {type: "Wap"}}; the answer's h5_url, with
  `redirect_url` (URL-encoded) appended as WeChat asks, is where the browser goes.
- `alipay_wap` (手机网站支付): alipay.trade.wap.pay, no server call: the signed parameters as
  the query of a GET to the gateway (the browser goes there), with return_url (back to the
  app), notify_url, and biz_content {out_trade_no, total_amount, subject, product_code
  QUICK_WAP_WAY, time_expire, quit_url}.

`stand_in` (a local page standing in for WeixinJSBridge, zhtj.core.settings) gives a JSAPI
checkout a `pay_url` too; the cloud sets none. The channel's provider must be the order's.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import msgspec

from zhtj.core.clock import now as clock_now
from zhtj.integrations.payments import keys
from zhtj.integrations.payments.alipay import Alipay, china_time
from zhtj.integrations.payments.base import PaymentError
from zhtj.integrations.payments.config import provider
from zhtj.integrations.payments.money import fen_to_yuan
from zhtj.integrations.payments.wechat import WeChatPay

CHANNELS = {"wechat_jsapi": "wechatpay", "wechat_h5": "wechatpay", "alipay_wap": "alipay"}
JSAPI_PATH = "/v3/pay/transactions/jsapi"
H5_PATH = "/v3/pay/transactions/h5"
WAP_METHOD = "alipay.trade.wap.pay"
WAP_PRODUCT_CODE = "QUICK_WAP_WAY"


class Order(msgspec.Struct, frozen=True):
    """What the provider is told about the order."""

    out_trade_no: str
    amount_fen: int
    description: str
    notify_url: str
    expires_at: datetime


class Payer(msgspec.Struct, frozen=True):
    """Who pays, and where: WeChat's openid (JSAPI), the phone's address (H5), the app's page
    to come back to (H5, wap, the JSAPI stand-in)."""

    return_url: str
    openid: str | None = None
    client_ip: str = ""


class Checkout(msgspec.Struct, frozen=True):
    channel: str
    provider: str
    request: dict[str, Any]  # the order-creation body sent (WeChat) or the signed parameters (Alipay)
    pay_url: str | None = None  # where the browser goes (H5, wap, the local JSAPI stand-in)
    jsapi: dict[str, str] = msgspec.field(default_factory=dict)  # getBrandWCPayRequest's parameters


def jsapi_message(app_id: str, timestamp: str, nonce: str, package: str) -> bytes:
    """What a JSAPI paySign covers."""
    return f"{app_id}\n{timestamp}\n{nonce}\n{package}\n".encode()


def jsapi_parameters(
    pay: WeChatPay, prepay_id: str, timestamp: str | None = None, nonce: str | None = None
) -> dict[str, str]:
    """The parameters of WeixinJSBridge getBrandWCPayRequest / wx.chooseWXPay for a prepay_id."""
    stamp = timestamp or str(int(clock_now().timestamp()))
    nonce_str = nonce or secrets.token_hex(16)
    package = f"prepay_id={prepay_id}"
    signature = keys.sign(pay.config.merchant_private_key, jsapi_message(pay.config.appid, stamp, nonce_str, package))
    return {
        "appId": pay.config.appid,
        "timeStamp": stamp,
        "nonceStr": nonce_str,
        "package": package,
        "signType": "RSA",
        "paySign": signature,
    }


def _wechat_body(pay: WeChatPay, order: Order) -> dict[str, Any]:
    return pay.order_request(
        order.out_trade_no, order.amount_fen, order.description, order.notify_url, order.expires_at
    )


def wechat_jsapi(pay: WeChatPay, order: Order, payer: Payer, stand_in: str | None = None) -> Checkout:
    if not payer.openid:
        raise ValueError("JSAPI needs the payer's openid")
    body = {**_wechat_body(pay, order), "payer": {"openid": payer.openid}}
    answer = pay.post(JSAPI_PATH, body, "微信支付JSAPI下单")
    prepay_id = str(answer.get("prepay_id") or "") if isinstance(answer, dict) else ""
    if not prepay_id:
        raise PaymentError("微信支付JSAPI下单应答缺少 prepay_id", code="ORDER_FAILED")
    parameters = jsapi_parameters(pay, prepay_id)
    pay_url = None
    if stand_in:
        query = urlencode({"package": parameters["package"], "return_url": payer.return_url})
        pay_url = f"{stand_in}?{query}"
    return Checkout("wechat_jsapi", pay.name, body, pay_url, parameters)


def wechat_h5(pay: WeChatPay, order: Order, payer: Payer) -> Checkout:
    scene = {"payer_client_ip": payer.client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}}
    body = {**_wechat_body(pay, order), "scene_info": scene}
    answer = pay.post(H5_PATH, body, "微信支付H5下单")
    h5_url = str(answer.get("h5_url") or "") if isinstance(answer, dict) else ""
    if not h5_url:
        raise PaymentError("微信支付H5下单应答缺少 h5_url", code="ORDER_FAILED")
    separator = "&" if "?" in h5_url else "?"
    return Checkout("wechat_h5", pay.name, body, f"{h5_url}{separator}redirect_url={quote(payer.return_url, safe='')}")


def alipay_wap(pay: Alipay, order: Order, payer: Payer) -> Checkout:
    biz = {
        "out_trade_no": order.out_trade_no,
        "total_amount": fen_to_yuan(order.amount_fen),
        "subject": order.description,
        "product_code": WAP_PRODUCT_CODE,
        "time_expire": china_time(order.expires_at),
        "quit_url": payer.return_url,
    }
    params = pay.signed(WAP_METHOD, biz, notify_url=order.notify_url, return_url=payer.return_url)
    return Checkout("alipay_wap", pay.name, params, f"{pay.config.gateway}?{urlencode(params)}")


def start(channel: str, order: Order, payer: Payer, stand_in: str | None = None) -> Checkout:
    """The channel's checkout for an order, through the configured provider. Raises
    PaymentError (the gateway refused or is unreachable), ValueError (an unknown channel)."""
    name = CHANNELS.get(channel)
    if name is None:
        raise ValueError(f"unknown payment channel {channel!r}")
    chosen = provider(name)
    if isinstance(chosen, WeChatPay):
        if channel == "wechat_jsapi":
            return wechat_jsapi(chosen, order, payer, stand_in)
        return wechat_h5(chosen, order, payer)
    if isinstance(chosen, Alipay):
        return alipay_wap(chosen, order, payer)
    raise ValueError(f"provider {name!r} has no mobile checkout")
