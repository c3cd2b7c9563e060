"""Changing and resetting a password (ACCT-4, ACCT-6): with the old password, with an SMS
code to the bound phone, or with the one-time reset code the member's branch issued (valid
two days, as in the national system) and the member's ID number. Any change ends the
account's other sessions; a reset ends them all. Audited, without codes or passwords."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from zhtj.accounts.login import account_by_id_number, account_by_phone, actor_of, find_account
from zhtj.accounts.models import Account, ResetCode
from zhtj.core.clock import now
from zhtj.core.errors import AuthenticationError, TooManyRequests, ValidationError
from zhtj.core.identity import normalize_id_number
from zhtj.core.phones import mobile
from zhtj.signin import codes, passwords, sessions
from zhtj.signin.codes import Purpose
from zhtj.signin.tokens import Principal
from zhtj.table import keys, limits
from zhtj.table.limits import Limit
from zhtj.table.unit_of_work import Actor, UnitOfWork

RESET_CODE_LIFETIME = timedelta(days=2)
OLD_PASSWORD_WRONG = AuthenticationError("OLD_PASSWORD_WRONG", "原密码不正确", "old_password")
SAME_PASSWORD = ValidationError("PASSWORD_UNCHANGED", "新密码不能与原密码相同", "new_password")
WRONG_RESET_CODE = Limit(
    "reset-code-wrong",
    timedelta(hours=1),
    5,
    TooManyRequests("RESET_CODE_LOCKED", "重置码连续输错5次，请1小时后再试", "reset_code"),
)
RESET_CODE_WRONG = ValidationError("RESET_CODE_WRONG", "身份证号或重置码不正确，或重置码已过期", "reset_code")


def _set_password(uow: UnitOfWork, account: Account, new_password: str) -> None:
    uow.update(
        account,
        [
            Account.password_hash.set(passwords.hash_password(new_password)),
            Account.must_change_password.set(False),
            Account.password_changed_at.set(now()),
        ],
    )


def change_password(principal: Principal, old_password: str, new_password: str) -> Account:
    """PUT /me/password: also the first sign-in's change of an initial password (ACCT-6). Ends
    the account's other sessions; this one goes on (its next token drops the change flag)."""
    passwords.check_new(new_password, "new_password")
    account = find_account(principal.account_id)
    if account is None or not passwords.verify(account.password_hash, old_password):
        raise OLD_PASSWORD_WRONG
    if old_password == new_password:
        raise SAME_PASSWORD
    uow = UnitOfWork(actor_of(account.account_id))
    _set_password(uow, account, new_password)
    ended = sessions.close_others(uow, account.account_id, principal.session_id, "password_changed")
    uow.audit("account.password_change", "ACCOUNT", account.account_id, "", after={"sessions_ended": ended})
    uow.commit()
    account.must_change_password = False
    return account


def reset_with_sms(phone: str, code: str, new_password: str) -> None:
    """ACCT-4: a forgotten password, reset with an SMS code to the bound phone."""
    number = mobile(phone)
    passwords.check_new(new_password, "new_password")
    uow = UnitOfWork(actor_of("anonymous"))
    codes.use(uow, number, Purpose.RESET, code)
    account = account_by_phone(number)
    if account is None:
        uow.commit()  # the code is spent; the answer is the code's (never whether an account exists)
        raise ValidationError(codes.CODE_WRONG.code, codes.CODE_WRONG.message, "code")
    _reset(uow, account, new_password, "sms")


def reset_with_code(id_number: str, reset_code: str, new_password: str) -> None:
    """ACCT-4: a member who lost the phone resets with the ID number and the code the branch
    issued. The code works once, for that member's account only."""
    passwords.check_new(new_password, "new_password")
    account = account_by_id_number(id_number)
    tries = account.account_id if account else hashlib.sha256(normalize_id_number(id_number).encode()).hexdigest()[:32]
    if limits.hits(WRONG_RESET_CODE, tries) >= WRONG_RESET_CODE.allowed:
        raise WRONG_RESET_CODE.refusal
    stored = _reset_code(account.account_id) if account else None
    presented = _hash(reset_code.strip())
    if account is None or stored is None or not hmac.compare_digest(presented, stored.code_hash):
        limits.hit([(WRONG_RESET_CODE, tries)])
        raise RESET_CODE_WRONG
    if stored.expires_at is not None and stored.expires_at <= now():
        raise RESET_CODE_WRONG
    uow = UnitOfWork(actor_of(account.account_id))
    uow.delete(stored, condition=ResetCode.code_hash == presented, on_fail=RESET_CODE_WRONG)
    _reset(uow, account, new_password, "reset_code")


def _reset(uow: UnitOfWork, account: Account, new_password: str, method: str) -> None:
    uow.actor = actor_of(account.account_id)
    _set_password(uow, account, new_password)
    ended = sessions.close_others(uow, account.account_id, None, "password_reset")
    uow.audit(
        "account.password_reset", "ACCOUNT", account.account_id, "", after={"method": method, "sessions_ended": ended}
    )
    uow.commit()


def _hash(code: str) -> str:
    return hashlib.sha256(f"reset|{code}".encode()).hexdigest()


def _reset_code(account_id: str) -> ResetCode | None:
    try:
        return ResetCode.get(keys.account_pk(account_id), keys.reset_code_sk(), consistent_read=True)
    except ResetCode.DoesNotExist:
        return None


def issue_reset_code(actor: Actor, account_id: str, org_id: str, subject: tuple[str, str]) -> str:
    """ACCT-4: a one-time reset code for `account_id`, issued by `actor` for the member's branch
    `org_id` (the caller authorized it). Replaces any earlier code. Returns the code, shown once;
    the audit record names who issued it, never the code. `subject` is the audited (kind, id)."""
    code = f"{secrets.randbelow(10**8):08d}"
    item = ResetCode(
        keys.account_pk(account_id),
        keys.reset_code_sk(),
        code_hash=_hash(code),
        issued_by=actor.account_id,
        org_id=org_id,
        expires_at=now() + RESET_CODE_LIFETIME,
    )
    uow = UnitOfWork(actor)
    uow.put(item)
    uow.audit("account.reset_code_issued", subject[0], subject[1], org_id, after={"account_id": account_id})
    uow.commit()
    return code
