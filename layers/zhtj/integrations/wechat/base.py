"""What the official-account adapter is: the interface the real adapter (api.py) and the local
simulator (infra/local/wechat_outbox.py) implement, the values a template's fields are filled
from, and the errors.

The members' app is an H5 page opened inside WeChat under the league's official account, whose
appid is the one bound to the WeChat Pay merchant for JSAPI. One web authorization (snsapi_base)
gives the person's openid under that appid, which serves both a JSAPI payment (payer.openid) and
the account's subscribe notifications; the openid is kept on the person's account
(zhtj.accounts.wechat).

A notification kind (zhtj.messages.rules.Kind, by name: this package sits below messages) is sent
with the template the official account's console approved for it; the template's fields (thing1,
time2, …) are filled from named values: `title`, `text`, `at` (China time, "2026-12-05 18:00")
and the notification's own parameters (member, due, reason, …). WeChat limits a field by its type
(`field_value`)."""

from __future__ import annotations

import hashlib
import re
from typing import Protocol

# The longest value WeChat accepts in a field of each type (the part of the key before its
# number: thing1 -> thing). A longer value is refused by WeChat (47003), so it is cut here.
FIELD_LIMITS = {"thing": 20, "name": 10, "phrase": 5, "character_string": 32, "number": 32, "letter": 32}

_FIELD_TYPE = re.compile(r"([a-z_]+?)\d+")

# The web authorization WeChat documents (网页授权): snsapi_base asks the person nothing.
SCOPE = "snsapi_base"


def field_value(field: str, value: str) -> str:
    """`value` as WeChat takes it in `field` (thing1, time2, …): cut to the field type's limit
    (with … when cut); time, date and amount fields as given."""
    match = _FIELD_TYPE.fullmatch(field)
    limit = FIELD_LIMITS.get(match.group(1)) if match else None
    if limit is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"


def js_signature(ticket: str, nonce_str: str, timestamp: int, url: str) -> str:
    """The JS-SDK's signature of wx.config (JS-SDK 附录1): sha1 of jsapi_ticket, noncestr,
    timestamp and url in that (ASCII) order as key=value pairs joined by &, values as they are
    (no escaping), the url without its fragment."""
    page = url.split("#", 1)[0]
    text = f"jsapi_ticket={ticket}&noncestr={nonce_str}&timestamp={timestamp}&url={page}"
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


class OfficialAccount(Protocol):
    """The official account: where to send a browser for a code, the code's openid, and a
    subscribe notification to an openid.

    `authorize_url(redirect_uri, state)`: the address of WeChat's web authorization (snsapi_base)
    that comes back to `redirect_uri?code=…&state=…`. `openid_for(code)`: the openid of the WeChat
    user the code was given to (a code is good once, for 5 minutes); WechatRefused for a wrong,
    used or expired code. `send` returns WeChat's msgid; raises WechatRefused when WeChat answered
    and refused (the person did not subscribe, 43101; a bad openid or template), TimeoutError
    when it did not answer (or answered "system busy", -1): worth a retry. `kinds()`: the
    notification kinds it has a template for (others are not sent by WeChat).

    For the JS-SDK (wx.config, needed by the subscribe button <wx-open-subscribe>): `appid`, the
    `jsapi_ticket()` (kept like the access token; WechatRefused or TimeoutError as above) and the
    `template_ids()` of the kinds it has a template for (the button's `template`)."""

    @property
    def appid(self) -> str: ...

    def jsapi_ticket(self) -> str: ...

    def template_ids(self) -> list[str]: ...

    def authorize_url(self, redirect_uri: str, state: str) -> str: ...

    def openid_for(self, code: str) -> str: ...

    def kinds(self) -> frozenset[str]: ...

    def send(self, openid: str, kind: str, values: dict[str, str]) -> str: ...


class WechatRefused(RuntimeError):
    """WeChat answered with an errcode other than 0 (its code and message are kept)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def user_refused(self) -> bool:
        """43101: the person has not subscribed (or refused) this template: never retried."""
        return self.errcode == USER_REFUSED

    @property
    def bad_code(self) -> bool:
        """An authorization code WeChat does not take (wrong, used or expired): ask for a new one."""
        return self.errcode in BAD_CODES


USER_REFUSED = 43101
INVALID_CODE = 40029
# errcodes of sns/oauth2/access_token for a code that is wrong (40029), used (40163) or missing (41008).
BAD_CODES = frozenset({INVALID_CODE, 40163, 41008})


class WechatNotConfigured(RuntimeError):
    """The official account is off (ZHTJ_WECHAT_PROVIDER empty), the selected adapter is not
    registered here, or the application's credentials are refused: a deployment matter."""
