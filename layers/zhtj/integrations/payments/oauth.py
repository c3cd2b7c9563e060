"""WeChat web authorization (网页授权, scope snsapi_base): the payer's openid, which a JSAPI
payment needs (checkout.py), as WeChat documents it.

1. The app sends the browser (inside WeChat) to
   https://open.weixin.qq.com/connect/oauth2/authorize?appid=…&redirect_uri=<encoded>&response_type=code&scope=snsapi_base&state=…#wechat_redirect
   (the parameters in that order); WeChat sends it back to redirect_uri?code=…&state=….
2. The server exchanges the code (once, within 5 minutes) with the official account's AppSecret:
   GET https://api.weixin.qq.com/sns/oauth2/access_token?appid=…&secret=…&code=…&grant_type=authorization_code
   → {"access_token", "expires_in", "refresh_token", "openid", "scope"} or {"errcode", "errmsg"}.

Against WeChat Pay's own gateways (the cloud pins them) both addresses are WeChat's; any other
gateway (the local simulator) serves both paths itself.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from zhtj.integrations.payments.base import PaymentError
from zhtj.integrations.payments.transport import HttpRequest
from zhtj.integrations.payments.wechat import GATEWAY, WeChatPay

AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
TOKEN_URL = "https://api.weixin.qq.com/sns/oauth2/access_token"
AUTHORIZE_PATH = "/connect/oauth2/authorize"
TOKEN_PATH = "/sns/oauth2/access_token"
OFFICIAL_GATEWAYS = (GATEWAY, "https://api2.mch.weixin.qq.com")
SCOPE = "snsapi_base"
# errcodes WeChat answers for a code that is wrong, used or expired: ask for a new one.
BAD_CODE = {40029, 40163, 41008}


def _endpoints(pay: WeChatPay) -> tuple[str, str]:
    gateway = pay.config.gateway.rstrip("/")
    if gateway in OFFICIAL_GATEWAYS:
        return AUTHORIZE_URL, TOKEN_URL
    return gateway + AUTHORIZE_PATH, gateway + TOKEN_PATH


def authorize_url(pay: WeChatPay, redirect_uri: str, state: str) -> str:
    """Where the app sends the browser for the code (snsapi_base: silent, no consent page)."""
    query = urlencode(
        {
            "appid": pay.config.appid,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": SCOPE,
            "state": state,
        }
    )
    return f"{_endpoints(pay)[0]}?{query}#wechat_redirect"


def openid(pay: WeChatPay, code: str) -> str:
    """The openid of the WeChat user who was given `code`. Raises PaymentError: code
    OAUTH_CODE_INVALID (a wrong, used or expired code), or the call failed (retryable)."""
    if not pay.config.app_secret:
        raise PaymentError("未配置公众号 AppSecret，无法取得 openid", code="OAUTH_NOT_CONFIGURED")
    query = urlencode(
        {"appid": pay.config.appid, "secret": pay.config.app_secret, "code": code, "grant_type": "authorization_code"}
    )
    answer = pay.call(HttpRequest("GET", f"{_endpoints(pay)[1]}?{query}", {"Accept": "application/json"}))
    if answer.status != 200:
        raise PaymentError(f"微信网页授权失败：HTTP {answer.status}", code="OAUTH_FAILED", retryable=True)
    try:
        document = json.loads(answer.body)
    except ValueError as error:
        raise PaymentError("微信网页授权应答不是 JSON", code="OAUTH_FAILED", retryable=True) from error
    if not isinstance(document, dict):
        raise PaymentError("微信网页授权应答格式错误", code="OAUTH_FAILED", retryable=True)
    if document.get("errcode"):
        bad = document["errcode"] in BAD_CODE
        raise PaymentError(
            f"微信网页授权失败：{document.get('errcode')} {document.get('errmsg', '')}",
            code="OAUTH_CODE_INVALID" if bad else "OAUTH_FAILED",
            retryable=not bad,
        )
    found = str(document.get("openid") or "")
    if not found:
        raise PaymentError("微信网页授权应答缺少 openid", code="OAUTH_FAILED", retryable=True)
    return found
