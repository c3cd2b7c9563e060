"""A person's WeChat openid under the league's official account (WEB-1, MSG-1), kept on their
account: the members' app, opened inside WeChat, sends the browser through WeChat's web
authorization (snsapi_base, silent) once and hands the code back (and signs wx.config for the
JS-SDK's subscribe button, `js_config`); the official account's adapter
(zhtj.integrations.wechat) exchanges it for the openid. Both its uses read it from the account:
a JSAPI payment's payer (zhtj.dues.orders) and the subscribe notifications
(zhtj.messages.delivery). The binding is audited without the openid itself."""

from __future__ import annotations

import secrets

import msgspec

from zhtj.accounts.models import Account
from zhtj.core import clock
from zhtj.core.app_pages import is_app_page
from zhtj.core.errors import ConflictError, ValidationError
from zhtj.core.observability import logger
from zhtj.integrations.wechat import registry
from zhtj.integrations.wechat.base import OfficialAccount, WechatNotConfigured, WechatRefused, js_signature
from zhtj.table import keys
from zhtj.table.unit_of_work import Actor, UnitOfWork

NOT_CONFIGURED = ConflictError("WECHAT_CHANNEL_OFF", "本系统未接入微信公众号", None)
PAGE_REFUSED = ValidationError("JS_CONFIG_URL_NOT_ALLOWED", "只能为本系统团员端的页面签名", "url")
REDIRECT_REFUSED = ValidationError(
    "RETURN_URL_NOT_ALLOWED", "微信授权后的返回地址必须是本系统团员端的页面", "redirect_uri"
)
BAD_CODE = ValidationError("WECHAT_CODE_INVALID", "微信授权码无效或已使用，请重新进入团员端", "code")
UNAVAILABLE = ConflictError("WECHAT_UNAVAILABLE", "微信服务暂时无法访问，请稍后重试", None)
NO_ACCOUNT = ConflictError("ACCOUNT_GONE", "账号不存在", None)
STATE_BYTES = 12


def _official_account() -> OfficialAccount:
    if not registry.enabled():
        raise NOT_CONFIGURED
    try:
        return registry.official_account()
    except WechatNotConfigured as error:
        logger.error("WeChat not configured", extra={"reason": str(error)})
        raise NOT_CONFIGURED from error


def authorize(redirect_uri: str) -> tuple[str, str]:
    """Where the members' app sends the browser for WeChat's code, and the `state` it keeps to
    compare with the one WeChat brings back. `redirect_uri` is one of the app's pages
    (zhtj.core.app_pages). Raises ValidationError RETURN_URL_NOT_ALLOWED, ConflictError
    WECHAT_CHANNEL_OFF."""
    if not is_app_page(redirect_uri):
        raise REDIRECT_REFUSED
    state = secrets.token_urlsafe(STATE_BYTES)
    return _official_account().authorize_url(redirect_uri, state), state


def bind(account_id: str, code: str) -> None:
    """Exchange `code` (once) for the person's openid and keep it on the account, replacing any
    earlier one (the same person in another WeChat). Raises ConflictError WECHAT_CHANNEL_OFF or
    WECHAT_UNAVAILABLE (WeChat did not answer: try again), ValidationError WECHAT_CODE_INVALID
    (a code WeChat refuses: wrong, used or expired)."""
    adapter = _official_account()
    try:
        openid = adapter.openid_for(code)
    except WechatNotConfigured as error:
        logger.error("WeChat refused the official account's credentials", extra={"reason": str(error)})
        raise NOT_CONFIGURED from error
    except WechatRefused as error:
        logger.info("WeChat code refused", extra={"errcode": error.errcode})
        raise BAD_CODE from error
    except TimeoutError as error:
        raise UNAVAILABLE from error
    uow = UnitOfWork(Actor(account_id=account_id, org_id=None))
    uow.update(
        Account(keys.account_pk(account_id), keys.META),
        [Account.wechat_openid.set(openid)],
        condition=Account.pk.exists(),
        on_fail=NO_ACCOUNT,
        versioned=False,
    )
    uow.audit("account.wechat_bind", "ACCOUNT", account_id, "", after={"wechat": True, "at": clock.now().isoformat()})
    uow.commit()


def openid_of(account_id: str) -> str | None:
    """The openid bound to the account (`bind`), if any."""
    try:
        return Account.get(keys.account_pk(account_id), keys.META).wechat_openid
    except Account.DoesNotExist:
        return None


class JsConfig(msgspec.Struct, frozen=True):
    """What the page passes to wx.config (appId, timestamp, nonceStr, signature) and the
    subscribe button's template ids."""

    appid: str
    timestamp: int
    nonce_str: str
    signature: str
    template_ids: list[str]


def js_config(url: str) -> JsConfig:
    """wx.config's signature for the app page at `url` (its fragment dropped, as WeChat signs it)
    with the official account's jsapi_ticket, for the subscribe button (<wx-open-subscribe>) of
    the kinds that have a template. Raises ValidationError JS_CONFIG_URL_NOT_ALLOWED (not a page
    of the members' app), ConflictError WECHAT_CHANNEL_OFF or WECHAT_UNAVAILABLE."""
    page = url.split("#", 1)[0]
    if not is_app_page(page):
        raise PAGE_REFUSED
    adapter = _official_account()
    try:
        ticket = adapter.jsapi_ticket()
    except WechatNotConfigured as error:
        logger.error("WeChat refused the official account's credentials", extra={"reason": str(error)})
        raise NOT_CONFIGURED from error
    except (WechatRefused, TimeoutError) as error:
        logger.warning("WeChat gave no jsapi_ticket", extra={"reason": str(error)})
        raise UNAVAILABLE from error
    timestamp = int(clock.now().timestamp())
    nonce = secrets.token_urlsafe(STATE_BYTES)
    signature = js_signature(ticket, nonce, timestamp, page)
    return JsConfig(adapter.appid, timestamp, nonce, signature, adapter.template_ids())
