"""What an SMS provider is: the interface every adapter implements, the messages the system
sends (each an approved template with named parameters), and the errors the registry raises.

Adapters (Alibaba Cloud SMS, Tencent Cloud SMS) map a `Template` to the template id and
signature their console approved; the parameters are the same for both."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Protocol


class Template(StrEnum):
    """The messages the system sends, with the parameters each takes."""

    VERIFICATION_CODE = "VERIFICATION_CODE"  # code, minutes: sign up, sign in, reset, confirm
    CADRE_INVITATION = "CADRE_INVITATION"  # org, position, link (ACCT-5)
    NOTICE = "NOTICE"  # text: a reminder or a decision (MSG-1)


# The order of each template's parameters: Tencent Cloud takes a list in the template's order
# ({1}, {2}, ...), Alibaba Cloud a JSON object by name. Both consoles' templates follow it.
PARAMETERS: dict[Template, tuple[str, ...]] = {
    Template.VERIFICATION_CODE: ("code", "minutes"),
    Template.CADRE_INVITATION: ("org", "position", "link"),
    Template.NOTICE: ("text",),
}

_MAINLAND_MOBILE = re.compile(r"(?:\+86|0086|86)?(1\d{10})")


def mainland_number(phone: str) -> str:
    """The 11-digit mainland mobile number of `phone` (E.164 +86..., 86..., 0086... or the bare
    number); SmsRefused for anything else (the system sends to mainland mobiles only)."""
    match = _MAINLAND_MOBILE.fullmatch(phone.replace(" ", "").replace("-", ""))
    if match is None:
        raise SmsRefused(f"INVALID_PHONE: {phone!r} 不是中国大陆手机号码")
    return match.group(1)


def ordered_params(template: Template, params: dict[str, str]) -> list[str]:
    """The parameters in the template's order; ValueError when one is missing or unknown."""
    names = PARAMETERS[template]
    if set(params) != set(names):
        raise ValueError(f"{template} takes {', '.join(names)}; got {', '.join(sorted(params)) or 'none'}")
    return [str(params[name]) for name in names]


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
