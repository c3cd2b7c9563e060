"""What an SMS provider is: the interface every adapter implements, the messages the system
sends (each an approved template with named parameters), and the errors the registry raises.

Adapters (Alibaba Cloud SMS, Tencent Cloud SMS) map a `Template` to the template id and
signature their console approved; the parameters are the same for both."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class Template(StrEnum):
    """The messages the system sends, with the parameters each takes."""

    VERIFICATION_CODE = "VERIFICATION_CODE"  # code, minutes: sign up, sign in, reset, confirm
    CADRE_INVITATION = "CADRE_INVITATION"  # org, position, link (ACCT-5)
    NOTICE = "NOTICE"  # text: a reminder or a decision (MSG-1)


class SmsSender(Protocol):
    """Sends one SMS. Returns the provider's message id. Raises SmsRefused when the provider
    refuses the request (a bad number, its own flow control), TimeoutError when it does not
    answer in time."""

    def send(self, phone: str, template: Template, params: dict[str, str]) -> str: ...


class SmsRefused(RuntimeError):
    """The provider answered and refused (its code and message are in the text)."""


class SenderNotConfigured(RuntimeError):
    """No SMS provider is selected (settings: ZHTJ_SMS_PROVIDER), or the selected one is not
    registered in this process: a deployment error, never a user's."""
