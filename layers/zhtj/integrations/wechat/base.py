"""What a WeChat subscribe-message sender is: the interface the real adapter (api.py) and the
local simulator (infra/local/wechat_outbox.py) implement, the values a template's fields are
filled from, and the errors.

A notification kind (zhtj.messages.rules.Kind, by name: this package sits below messages) is sent
with the template the WeChat console approved for it; the template's fields (thing1, time2, …)
are filled from named values: `title`, `text`, `at` (China time, "2026-12-05 18:00") and the
notification's own parameters (member, due, reason, …). WeChat limits a field by its type
(`field_value`)."""

from __future__ import annotations

import re
from typing import Protocol

# The longest value WeChat accepts in a field of each type (the part of the key before its
# number: thing1 -> thing). A longer value is refused by WeChat (47003), so it is cut here.
FIELD_LIMITS = {"thing": 20, "name": 10, "phrase": 5, "character_string": 32, "number": 32, "letter": 32}

_FIELD_TYPE = re.compile(r"([a-z_]+?)\d+")


def field_value(field: str, value: str) -> str:
    """`value` as WeChat takes it in `field` (thing1, time2, …): cut to the field type's limit
    (with … when cut); time, date and amount fields as given."""
    match = _FIELD_TYPE.fullmatch(field)
    limit = FIELD_LIMITS.get(match.group(1)) if match else None
    if limit is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"


class WechatSender(Protocol):
    """Sends one subscribe message and exchanges an OAuth code for an openid.

    `send` returns WeChat's msgid; raises WechatRefused when WeChat answered and refused (the
    person did not subscribe, 43101; a bad openid or template), TimeoutError when it did not
    answer (or answered "system busy", -1): worth a retry. `kinds()`: the notification kinds it
    has a template for (others are not sent by WeChat)."""

    def kinds(self) -> frozenset[str]: ...

    def send(self, openid: str, kind: str, values: dict[str, str]) -> str: ...

    def openid_for(self, code: str) -> str: ...


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


USER_REFUSED = 43101
INVALID_CODE = 40029


class WechatNotConfigured(RuntimeError):
    """The WeChat channel is off (ZHTJ_WECHAT_PROVIDER empty), the selected adapter is not
    registered here, or the application's credentials are refused: a deployment matter."""
