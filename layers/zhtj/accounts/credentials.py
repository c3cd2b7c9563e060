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
from zhtj.table import keys, limits, pii
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
    tries = account.account_id if account else _tries_subject(id_number)
    stored = _code_at(keys.account_pk(account.account_id)) if account else None
    presented = check_code(stored, reset_code, tries)
    assert account is not None and stored is not None  # check_code refused otherwise
    uow = UnitOfWork(actor_of(account.account_id))
    uow.delete(stored, condition=ResetCode.code_hash == presented, on_fail=RESET_CODE_WRONG)
    _reset(uow, account, new_password, "reset_code")


def check_code(stored: ResetCode | None, presented_code: str, tries: str) -> str:
    """The presented code's hash, if it is `stored`'s and live; else a try is counted against
    `tries` and RESET_CODE_WRONG raised (5 wrong in an hour: RESET_CODE_LOCKED)."""
    if limits.hits(WRONG_RESET_CODE, tries) >= WRONG_RESET_CODE.allowed:
        raise WRONG_RESET_CODE.refusal
    presented = _hash(presented_code.strip())
    live = stored is not None and (stored.expires_at is None or stored.expires_at > now())
    if not live or stored is None or not hmac.compare_digest(presented, stored.code_hash):
        limits.hit([(WRONG_RESET_CODE, tries)])
        raise RESET_CODE_WRONG
    return presented


def _tries_subject(id_number: str) -> str:
    return hashlib.sha256(normalize_id_number(id_number).encode()).hexdigest()[:32]


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


def _code_at(pk: str) -> ResetCode | None:
    try:
        return ResetCode.get(pk, keys.reset_code_sk(), consistent_read=True)
    except ResetCode.DoesNotExist:
        return None


def binding_code(id_number: str, reset_code: str) -> tuple[ResetCode, str]:
    """ACCT-4 for a member without an account: the live binding code of this ID number, and the
    presented code's hash. Raises RESET_CODE_WRONG (counted) otherwise."""
    stored = _code_at(keys.id_login_pk(pii.blind_index(id_number)))
    presented = check_code(stored, reset_code, _tries_subject(id_number))
    assert stored is not None  # check_code refused otherwise
    return stored, presented


def issue_code(actor: Actor, pk: str, org_id: str, subject: tuple[str, str], member_id: str | None = None) -> str:
    """ACCT-4: a one-time code at `pk` (a member's account's partition: a reset code; an ID
    number's login key: a binding code for `member_id`), issued by `actor` for the member's
    branch `org_id` (the caller authorized it). Replaces any earlier one. Returns the code,
    shown once; the audit record names who issued it, never the code."""
    code = f"{secrets.randbelow(10**8):08d}"
    item = ResetCode(
        pk,
        keys.reset_code_sk(),
        code_hash=_hash(code),
        issued_by=actor.account_id,
        org_id=org_id,
        member_id=member_id,
        expires_at=now() + RESET_CODE_LIFETIME,
    )
    uow = UnitOfWork(actor)
    uow.put(item)
    action = "account.binding_code_issued" if member_id else "account.reset_code_issued"
    uow.audit(action, subject[0], subject[1], org_id)
    uow.commit()
    return code
