"""Routes of the payer's openid inside WeChat (WEB-1): a JSAPI payment needs it, and only WeChat's
web authorization gives it — the app is sent to WeChat for a code, then the server exchanges
the code with the official account's AppSecret. Thin: parse, call logic (zhtj.dues.orders), shape."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import api
from chalicelib.schemas import Body
from zhtj.dues import orders as dues_orders
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "团费"


class AuthorizeQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    redirect_uri: str = Field(min_length=1, max_length=500, description="授权后返回的团员端页面（本系统 /m/ 下）")


class AuthorizeOut(BaseModel):
    url: str = Field(description="微信网页授权地址（snsapi_base，静默授权）：在微信内打开")
    state: str = Field(description="返回时与 state 参数比对")


class OpenidIn(Body):
    code: str = Field(
        min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$", description="微信返回的 code（5分钟内一次有效）"
    )


class OpenidOut(BaseModel):
    openid: str


@api(
    bp,
    "/wechat/authorize-url",
    "GET",
    summary="微信内支付：取得网页授权地址（用于获取 openid）",
    query=AuthorizeQuery,
    response=AuthorizeOut,
    tag=TAG,
)
def authorize_url(principal: Principal, query: AuthorizeQuery) -> BaseModel:
    url, state = dues_orders.wechat_authorize(query.redirect_uri)
    return AuthorizeOut(url=url, state=state)


@api(
    bp,
    "/wechat/openid",
    "POST",
    summary="微信内支付：用网页授权的 code 换取 openid",
    body=OpenidIn,
    response=OpenidOut,
    tag=TAG,
)
def openid(principal: Principal, body: OpenidIn) -> BaseModel:
    return OpenidOut(openid=dues_orders.wechat_openid(body.code))
