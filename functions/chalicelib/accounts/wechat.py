"""Routes of the person's openid under the league's WeChat official account (WEB-1, MSG-1): the
members' app, entering inside WeChat, asks where to send the browser (WeChat's silent web
authorization), then hands back the code WeChat returned with; the openid is kept on the
caller's account, where a JSAPI payment and the WeChat notifications read it; and a page's
wx.config for the JS-SDK's subscribe button. Thin: parse, call
logic (zhtj.accounts.wechat), shape."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import api
from chalicelib.schemas import Body
from zhtj.accounts import wechat
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "账号"


class AuthorizeQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    redirect_uri: str = Field(min_length=1, max_length=500, description="授权后返回的团员端页面（本系统 /m/ 下）")


class AuthorizeOut(BaseModel):
    url: str = Field(description="微信网页授权地址（snsapi_base，静默授权）：在微信内打开")
    state: str = Field(description="返回时与 state 参数比对")


class JsConfigQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(
        min_length=1, max_length=1000, description="调用 JS-SDK 的团员端页面地址（# 及其后部分不参与签名）"
    )


class JsConfigOut(BaseModel):
    appid: str = Field(description="wx.config 的 appId（公众号）")
    timestamp: int = Field(description="wx.config 的 timestamp（秒）")
    nonce_str: str = Field(description="wx.config 的 nonceStr")
    signature: str = Field(description="wx.config 的 signature（jsapi_ticket 签名，sha1）")
    template_ids: list[str] = Field(description="订阅通知模板（wx-open-subscribe 的 template）")


class WechatOpenidIn(Body):
    code: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="微信网页授权返回的 code（5分钟内一次有效）",
    )


class WechatOpenidOut(BaseModel):
    bound: bool = Field(description="已绑定：微信内支付与微信通知都使用该微信")


@api(
    bp,
    "/wechat/authorize-url",
    "GET",
    summary="微信内打开团员端：取得网页授权地址（用于绑定微信）",
    query=AuthorizeQuery,
    response=AuthorizeOut,
    tag=TAG,
)
def authorize_url(principal: Principal, query: AuthorizeQuery) -> BaseModel:
    url, state = wechat.authorize(query.redirect_uri)
    return AuthorizeOut(url=url, state=state)


@api(
    bp,
    "/me/wechat-openid",
    "PUT",
    summary="绑定微信（网页授权 code 换取 openid：微信内支付与微信通知）",
    body=WechatOpenidIn,
    response=WechatOpenidOut,
    tag=TAG,
)
def put_wechat_openid(principal: Principal, body: WechatOpenidIn) -> BaseModel:
    wechat.bind(principal.account_id, body.code)
    return WechatOpenidOut(bound=True)


@api(
    bp,
    "/wechat/js-config",
    "GET",
    summary="微信内的团员端页面：JS-SDK 配置（wx.config 签名）与订阅通知模板",
    query=JsConfigQuery,
    response=JsConfigOut,
    tag=TAG,
)
def js_config(principal: Principal, query: JsConfigQuery) -> BaseModel:
    config = wechat.js_config(query.url)
    return JsConfigOut(
        appid=config.appid,
        timestamp=config.timestamp,
        nonce_str=config.nonce_str,
        signature=config.signature,
        template_ids=config.template_ids,
    )
