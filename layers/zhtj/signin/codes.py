"""SMS codes (ACCT-1, ACCT-3, ACCT-4): sent to prove a phone for one purpose, valid five
minutes, used once, compared in constant time, void after five wrong tries.

Sending is limited per phone (1 a minute, 5 an hour, 10 a day: the providers' own flow control
for verification codes) and per caller address (SMS bombing of third parties), counted in the
table (zhtj.table.limits) before anything is sent. A code is sent whether or not the phone has
an account, so the answer never tells."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from enum import StrEnum

from zhtj.core.clock import now
from zhtj.core.errors import TooManyRequests, ValidationError
from zhtj.core.phones import masked
from zhtj.integrations.sms import registry as sms
from zhtj.integrations.sms.base import Template
from zhtj.signin.models import SmsCode
from zhtj.table import keys, limits
from zhtj.table.limits import Limit
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

CODE_LIFETIME = timedelta(minutes=5)
WRONG_TRIES = 5


class Purpose(StrEnum):
    SIGN_UP = "sign_up"
    SIGN_IN = "sign_in"
    RESET = "reset"
    CONFIRM = "confirm"  # a member confirms a step taken on their behalf (a transfer proposal)
    TRANSFER = "transfer"  # a member starts their own transfer (XFER-2; REFERENCE: confirmed by SMS)


def _busy(message: str, field: str = "phone") -> TooManyRequests:
    return TooManyRequests("SMS_TOO_FREQUENT", message, field)


PER_PHONE = (
    Limit("sms-phone-minute", timedelta(minutes=1), 1, _busy("验证码发送过于频繁，请1分钟后再试")),
    Limit("sms-phone-hour", timedelta(hours=1), 5, _busy("该手机号1小时内获取验证码次数已达上限，请稍后再试")),
    Limit("sms-phone-day", timedelta(days=1), 10, _busy("该手机号今日获取验证码次数已达上限，请明天再试")),
)
PER_CALLER = (
    Limit("sms-caller-minute", timedelta(minutes=1), 5, _busy("请求过于频繁，请稍后再试", "")),
    Limit("sms-caller-day", timedelta(days=1), 50, _busy("本网络今日获取验证码次数已达上限，请明天再试", "")),
)

CODE_WRONG = ValidationError("SMS_CODE_WRONG", "验证码错误或已过期，请重新获取", "code")


def _hash(phone: str, purpose: Purpose, code: str) -> str:
    return hashlib.sha256(f"{phone}|{purpose}|{code}".encode()).hexdigest()


def phone_subject(phone: str) -> str:
    """The audit subject of a phone: its hash (an audit key never holds the number)."""
    return hashlib.sha256(f"phone|{phone}".encode()).hexdigest()[:32]


def send(phone: str, purpose: Purpose, caller: str) -> None:
    """Send a fresh code to `phone` (already in E.164 form) for `purpose`, asked from address
    `caller`. Raises TooManyRequests past a limit; the limits count before the provider is called."""
    uow = UnitOfWork(SYSTEM_ACTOR)
    limits.add_hits(
        uow, [(limit, phone) for limit in PER_PHONE] + [(limit, caller or "unknown") for limit in PER_CALLER]
    )
    # AUDIT-1: every code sent, under its phone (hashed), never the code itself.
    uow.audit("sms_code.sent", "PHONE", phone_subject(phone), "", after={"phone": masked(phone), "purpose": purpose})
    uow.commit()
    code = f"{secrets.randbelow(1_000_000):06d}"
    item = SmsCode(
        keys.sms_code_pk(phone, purpose),
        keys.META,
        code_hash=_hash(phone, purpose, code),
        wrong_tries=0,
        expires_at=now() + CODE_LIFETIME,
    )
    item.save()
    minutes = str(int(CODE_LIFETIME.total_seconds() // 60))
    sms.sender().send(phone, Template.VERIFICATION_CODE, {"code": code, "minutes": minutes})


def use(uow: UnitOfWork, phone: str, purpose: Purpose, code: str, field: str = "code") -> None:
    """Spend the code in `uow` (deleted on condition it is still the same code, so it works
    once however many try it at once). A wrong code counts a try now, outside `uow`. Raises
    ValidationError SMS_CODE_WRONG, with the same answer for a wrong, spent, expired or never
    sent code."""
    wrong = ValidationError(CODE_WRONG.code, CODE_WRONG.message, field)
    try:
        item = SmsCode.get(keys.sms_code_pk(phone, purpose), keys.META, consistent_read=True)
    except SmsCode.DoesNotExist as error:
        raise wrong from error
    expired = item.expires_at is not None and item.expires_at <= now()
    if expired or item.wrong_tries >= WRONG_TRIES:
        raise wrong
    presented = _hash(phone, purpose, code.strip())
    if not hmac.compare_digest(presented, item.code_hash):
        tries = UnitOfWork(SYSTEM_ACTOR)
        tries.update(item, [SmsCode.wrong_tries.add(1)], condition=SmsCode.pk.exists(), on_fail=wrong, versioned=False)
        tries.commit()
        raise wrong
    uow.delete(item, condition=SmsCode.code_hash == presented, on_fail=wrong)
