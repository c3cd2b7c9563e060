"""The SMS outbox of the local stack and the tests: an SmsSender that sends nothing and records
every message in process memory (phone, template, parameters, the Chinese text a member would
read, when), so that a test or a person at `./dev up` reads the code that was "sent".

`install()` registers it with zhtj.integrations.sms.registry under NAME; the environment selects
it (ZHTJ_SMS_PROVIDER=outbox: tests/conftest.py, infra/local/stack.py). The local stack serves
what it holds at `GET /dev/sms-outbox?phone=` on the API's port (infra/local/stack.py), never
a Chalice route. It is never part of the layer, so the cloud cannot select it.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from zhtj.core.clock import now
from zhtj.integrations.sms import registry
from zhtj.integrations.sms.base import SmsRefused as SmsRefused
from zhtj.integrations.sms.base import Template, mainland_number, ordered_params

NAME = "outbox"
PATH = "/dev/sms-outbox"
SIGN = "【智慧团建】"

# What each approved template says (the consoles' text; parameters by name).
TEXTS: dict[Template, str] = {
    Template.VERIFICATION_CODE: "您的验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。",
    Template.CADRE_INVITATION: "{org}邀请您担任{position}，请点击 {link} 接受邀请。",
    Template.NOTICE: "{text}",
}


@dataclass(frozen=True)
class SentSms:
    message_id: str
    phone: str  # the 11-digit mainland number, as the providers deliver to it
    template: Template
    params: dict[str, str]
    text: str
    sent_at: datetime

    def as_json(self) -> dict[str, Any]:
        answer = asdict(self)
        answer["template"] = self.template.value
        answer["sent_at"] = self.sent_at.isoformat()
        return answer


_lock = threading.Lock()
_sent: list[SentSms] = []


def render(template: Template, params: dict[str, str]) -> str:
    """The message as a member reads it: the signature and the template's text."""
    ordered_params(template, params)  # refuses what a provider's template would refuse
    return SIGN + TEXTS[template].format(**params)


class Outbox:
    """An SmsSender that records instead of sending."""

    def send(self, phone: str, template: Template, params: dict[str, str]) -> str:
        number = mainland_number(phone)
        text = render(template, params)
        with _lock:
            message_id = f"outbox-{len(_sent) + 1}"
            _sent.append(SentSms(message_id, number, template, dict(params), text, now()))
        return message_id


def messages(phone: str | None = None) -> list[SentSms]:
    """What was sent (to `phone`, in any form mainland_number accepts), newest first."""
    number = mainland_number(phone) if phone else None
    with _lock:
        chosen = [sms for sms in _sent if number is None or sms.phone == number]
    return chosen[::-1]


def clear() -> None:
    with _lock:
        _sent.clear()


def install() -> None:
    """Make the outbox selectable in this process (ZHTJ_SMS_PROVIDER=outbox selects it)."""
    registry.register(NAME, Outbox)
