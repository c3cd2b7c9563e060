"""Shapes of dues orders and their payment (pydantic): the order, "pay now" and its checkout on
a phone (WEB-1: WeChat Pay JSAPI or H5, Alipay's mobile website), an organisation's order."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from chalicelib.schemas import Body
from zhtj.dues import orders as dues_orders
from zhtj.dues.models import DuesOrder
from zhtj.integrations.payments.checkout import Checkout, Payer


class OrderLineOut(BaseModel):
    member_id: str
    months: list[str]
    amount_fen: int


class OrderOut(BaseModel):
    order_id: str
    provider: str
    state: str
    payer_kind: str
    payer_id: str
    payer_name: str | None = Field(default=None, description="帮TA交：代交的同支部团员")
    amount_fen: int
    extra_fen: int
    lines: list[OrderLineOut]
    created_at: datetime
    pay_by: datetime
    paid_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None


class JsapiOut(BaseModel):
    """WeixinJSBridge.invoke("getBrandWCPayRequest", …) / wx.chooseWXPay 的参数（微信支付 v3 JSAPI调起支付）。"""

    appId: str
    timeStamp: str
    nonceStr: str
    package: str = Field(description="prepay_id=…")
    signType: Literal["RSA"]
    paySign: str


class CheckoutOut(BaseModel):
    channel: str
    pay_url: str | None = Field(
        description="浏览器前往的支付页面：微信H5（h5_url，已附 redirect_url）、支付宝手机网站（网关 GET 地址）；"
        "本地另为微信内支付的模拟收银台"
    )
    jsapi: JsapiOut | None = Field(description="微信内支付（JSAPI）调起参数")


class PayOut(BaseModel):
    order: OrderOut
    provider_request: dict[str, Any] = Field(
        description="支付渠道下单请求（微信Native/JSAPI/H5 v3 请求体，支付宝已签名参数）"
    )
    checkout: CheckoutOut | None = Field(default=None, description="手机支付（channel 指定时）")


CHANNEL = Field(
    default=None,
    description="手机支付方式：wechat_jsapi（微信内，使用本账号已绑定的微信）、wechat_h5（其他手机浏览器）、"
    "alipay_wap（支付宝手机网站）",
)
RETURN_URL = Field(default=None, max_length=500, description="支付后返回的团员端页面（本系统 /m/ 下）")


class PayIn(Body):
    provider: str | None = Field(default=None, pattern="^(wechatpay|alipay)$", description="扫码支付的渠道")
    channel: Literal["wechat_jsapi", "wechat_h5", "alipay_wap"] | None = CHANNEL
    return_url: str | None = RETURN_URL
    extra_fen: int = Field(default=0, ge=0, le=dues_orders.MAX_EXTRA_FEN, description="自愿多缴（分）")

    def payer(self, client_ip: str) -> Payer:
        return Payer(return_url=self.return_url or "", client_ip=client_ip)


class CheckoutIn(Body):
    channel: Literal["wechat_jsapi", "wechat_h5", "alipay_wap"]
    return_url: str = Field(max_length=500, description="支付后返回的团员端页面（本系统 /m/ 下）")


class OrgPayIn(Body):
    provider: str = Field(pattern="^(wechatpay|alipay)$")
    member_ids: list[str] = Field(min_length=1, max_length=dues_orders.MAX_ORG_ORDER_MEMBERS)


def order_out(order: DuesOrder) -> OrderOut:
    return OrderOut(
        order_id=order.order_id,
        provider=order.provider,
        state=order.state,
        payer_kind=order.payer_kind,
        payer_id=order.payer_id,
        payer_name=order.payer_name,
        amount_fen=int(order.amount_fen),
        extra_fen=int(order.extra_fen or 0),
        lines=[
            OrderLineOut(member_id=x.member_id, months=x.months, amount_fen=x.amount_fen)
            for x in dues_orders.lines_of(order)
        ],
        created_at=order.created_at,
        pay_by=order.pay_by,
        paid_at=order.paid_at,
        closed_at=order.closed_at,
        close_reason=order.close_reason,
    )


def paid(order: DuesOrder, checkout: Checkout) -> PayOut:
    """An order and its checkout on the phone."""
    jsapi = JsapiOut.model_validate(checkout.jsapi) if checkout.jsapi else None
    return PayOut(
        order=order_out(order),
        provider_request=checkout.request,
        checkout=CheckoutOut(channel=checkout.channel, pay_url=checkout.pay_url, jsapi=jsapi),
    )
