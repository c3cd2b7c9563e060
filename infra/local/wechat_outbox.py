"""The WeChat simulator of the local stack and the tests: a WechatSender that sends nothing and
records every subscribe message in process memory (openid, kind, the template's fields as the
person would read them, when), and answers the OAuth code exchange, so that a test or a person at
`./dev up` binds an openid and reads what was "sent".

The code exchange: any code gives the openid `oSIM` + a digest of the code (the same code, the
same person); a code starting with `bad` is refused as WeChat refuses an invalid or used code
(40029). `refuse(openid)` makes later messages to that openid refused as WeChat refuses a person
who did not subscribe (43101).

`install()` registers it with zhtj.integrations.wechat.registry under NAME; the environment
selects it (ZHTJ_WECHAT_PROVIDER=outbox: tests/conftest.py, infra/local/stack.py). The local
stack serves what it holds at `GET /dev/wechat-outbox?openid=` on the API's port
(infra/local/stack.py), never a Chalice route. It is never part of the layer.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from zhtj.core.clock import now
from zhtj.integrations.wechat import registry
from zhtj.integrations.wechat.base import INVALID_CODE, USER_REFUSED, WechatRefused, field_value
from zhtj.messages.rules import Kind

NAME = "outbox"
PATH = "/dev/wechat-outbox"
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


_lock = threading.Lock()
_sent: list[SentWechat] = []
_refused: set[str] = set()


def openid_of_code(code: str) -> str:
    return "oSIM" + hashlib.sha256(code.encode()).hexdigest()[:24]


class Outbox:
    """A WechatSender that records instead of sending."""

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

    def openid_for(self, code: str) -> str:
        if code.startswith("bad"):
            raise WechatRefused(INVALID_CODE, "invalid code")
        return openid_of_code(code)


def messages(openid: str | None = None) -> list[SentWechat]:
    """What was sent (to `openid`), newest first."""
    with _lock:
        chosen = [m for m in _sent if openid is None or m.openid == openid]
    return chosen[::-1]


def refuse(openid: str) -> None:
    """Later messages to `openid` are refused (43101: the person did not subscribe)."""
    with _lock:
        _refused.add(openid)


def clear() -> None:
    with _lock:
        _sent.clear()
        _refused.clear()


def install() -> None:
    """Make the simulator selectable in this process (ZHTJ_WECHAT_PROVIDER=outbox selects it)."""
    registry.register(NAME, Outbox)
