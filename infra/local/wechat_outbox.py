"""The WeChat official account's simulator, for the local stack and the tests: the one
OfficialAccount stand-in. It sends nothing and records every subscribe notification in process
memory (openid, kind, the template's fields as the person would read them, when); it serves the
web authorization and answers the code exchange, so that the members' app (or a test) binds an
openid exactly as inside WeChat and reads what was "sent".

The web authorization: `authorize_url` points at `AUTHORIZE_PATH` on the API's own address
(zhtj.core.settings.public_api_url; the local stack serves it, infra/local/stack.py), with
WeChat's parameters in WeChat's order; `authorize(url)` is that page: straight back (302) to
redirect_uri?code=…&state=… (snsapi_base asks nothing), the code standing for the simulator's
WeChat user (`user`, one per phone: `openid_of_user`).

The code exchange: a code is good once (a code used again is refused as WeChat refuses a used
code, 40163); a code the page issued gives its user's openid; any other code gives the openid
`oSIM` + a digest of the code (the tests bind people with made-up codes); a code starting with
`bad` is refused (40029). `refuse(openid)` makes later notifications to that openid refused as
WeChat refuses a person who did not subscribe (43101).

The JS-SDK: its jsapi_ticket is `JSAPI_TICKET` and its template ids `sim-<kind>`.

`install()` registers it with zhtj.integrations.wechat.registry under NAME; the environment
selects it (ZHTJ_WECHAT_PROVIDER=outbox: tests/conftest.py, infra/local/stack.py). The local
stack serves the authorization page and what the outbox holds (`GET /dev/wechat-outbox?openid=`)
on the API's port, never a Chalice route. It is never part of the layer.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from zhtj.core.clock import now
from zhtj.core.settings import public_api_url
from zhtj.integrations.wechat import registry
from zhtj.integrations.wechat.base import INVALID_CODE, SCOPE, USER_REFUSED, WechatRefused, field_value
from zhtj.messages.rules import Kind

NAME = "outbox"
PATH = "/dev/wechat-outbox"
AUTHORIZE_PATH = "/dev/wechat-authorize"
APPID = "wxoutbox00000000"
USED_CODE = 40163
# The phone's WeChat user when the page is opened without saying whose (the local stack's browser).
LOCAL_USER = "local"
# Every kind has a simulated template with these fields (a real console's look alike).
FIELDS = {"thing1": "title", "thing2": "text", "time3": "at"}


@dataclass(frozen=True)
class SentWechat:
    msgid: str
    openid: str
    kind: str
    template_id: str
    data: dict[str, str]
    sent_at: datetime

    def as_json(self) -> dict[str, Any]:
        answer = asdict(self)
        answer["sent_at"] = self.sent_at.isoformat()
        return answer


class AuthorizeRefused(ValueError):
    """The authorization page was opened with parameters WeChat refuses (its page says so)."""


_lock = threading.Lock()
_sent: list[SentWechat] = []
_refused: set[str] = set()
_issued: dict[str, str] = {}  # code the page gave -> its user's openid
_used: set[str] = set()


def openid_of_code(code: str) -> str:
    return "oSIM" + hashlib.sha256(code.encode()).hexdigest()[:24]


def openid_of_user(user: str) -> str:
    """The openid of the simulator's WeChat user `user` (the same user, the same openid)."""
    return openid_of_code(f"user:{user}")


def authorize(url: str, user: str = LOCAL_USER) -> str:
    """The authorization page opened at `url` (inside WeChat, by `user`): where it sends the
    browser back to, with a fresh code and the state. AuthorizeRefused for a page WeChat would
    refuse (another appid, no redirect_uri, not snsapi_base)."""
    query = dict(parse_qsl(urlsplit(url).query))
    redirect_uri = query.get("redirect_uri", "")
    if (
        query.get("appid") != APPID
        or query.get("response_type") != "code"
        or query.get("scope") != SCOPE
        or not redirect_uri.startswith(("http://", "https://"))
    ):
        raise AuthorizeRefused("appid, redirect_uri, response_type or scope")
    code = secrets.token_hex(16)
    with _lock:
        _issued[code] = openid_of_user(user)
    separator = "&" if "?" in redirect_uri else "?"
    return f"{redirect_uri}{separator}{urlencode({'code': code, 'state': query.get('state', '')})}"


# The simulator's JS-SDK ticket (the page's wx.config is signed with it; WeChat is not there to check).
JSAPI_TICKET = "sim-jsapi-ticket"


class Outbox:
    """An OfficialAccount that records instead of sending."""

    @property
    def appid(self) -> str:
        return APPID

    def jsapi_ticket(self) -> str:
        return JSAPI_TICKET

    def template_ids(self) -> list[str]:
        return sorted(f"sim-{kind}" for kind in self.kinds())

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        query = {"appid": APPID, "redirect_uri": redirect_uri, "response_type": "code", "scope": SCOPE, "state": state}
        return f"{public_api_url()}{AUTHORIZE_PATH}?{urlencode(query)}#wechat_redirect"

    def openid_for(self, code: str) -> str:
        if code.startswith("bad"):
            raise WechatRefused(INVALID_CODE, "invalid code")
        with _lock:
            if code in _used:
                raise WechatRefused(USED_CODE, "code been used")
            _used.add(code)
            return _issued.pop(code, None) or openid_of_code(code)

    def kinds(self) -> frozenset[str]:
        return frozenset(k.value for k in Kind)

    def send(self, openid: str, kind: str, values: dict[str, str]) -> str:
        data = {f: field_value(f, values.get(name, "")) for f, name in FIELDS.items()}
        with _lock:
            if openid in _refused:
                raise WechatRefused(USER_REFUSED, "user refuse to accept the msg")
            msgid = f"wx-outbox-{len(_sent) + 1}"
            _sent.append(SentWechat(msgid, openid, kind, f"sim-{kind}", data, now()))
        return msgid


def messages(openid: str | None = None) -> list[SentWechat]:
    """What was sent (to `openid`), newest first."""
    with _lock:
        chosen = [m for m in _sent if openid is None or m.openid == openid]
    return chosen[::-1]


def refuse(openid: str) -> None:
    """Later notifications to `openid` are refused (43101: the person did not subscribe)."""
    with _lock:
        _refused.add(openid)


def clear() -> None:
    with _lock:
        _sent.clear()
        _refused.clear()
        _issued.clear()
        _used.clear()


def install() -> None:
    """Make the simulator selectable in this process (ZHTJ_WECHAT_PROVIDER=outbox selects it)."""
    registry.register(NAME, Outbox)
