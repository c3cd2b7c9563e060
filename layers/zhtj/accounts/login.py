"""Signing up, in and out (ACCT-1, ACCT-3, ACCT-6): one service for members and cadres, in
the API, for both partitions (Cognito user pools do not exist in the China regions).

Sign-up proves the phone with an SMS code and sets the password. Sign-in takes the phone or,
once a member, the ID number, with the password, or the phone with an SMS code. Five wrong
passwords for one login lock password sign-in for 15 minutes. Every answer to a wrong login is
the same, in content and in time (a login with no account is hashed against a dummy hash and
counted like any other), so no answer tells whether a phone or ID number has an account.
Every sign-in, failure, lock and sign-out is audited, without codes or passwords.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import msgspec

from zhtj.accounts.models import Account, IdLogin, PhoneLogin
from zhtj.core.clock import new_id, now
from zhtj.core.errors import AuthenticationError, ConflictError, TooManyRequests, ValidationError
from zhtj.core.identity import normalize_id_number
from zhtj.core.phones import mobile
from zhtj.signin import codes, passwords, sessions
from zhtj.signin.codes import Purpose
from zhtj.signin.sessions import Tokens
from zhtj.signin.tokens import Principal, Subject
from zhtj.table import keys, limits, pii
from zhtj.table.limits import Limit
from zhtj.table.unit_of_work import Actor, UnitOfWork

LOCK_AFTER = 5
LOCKED = TooManyRequests("SIGNIN_LOCKED", "密码连续输错5次，请15分钟后再试，或用短信验证码登录", "password")
WRONG_PASSWORD = Limit("signin-wrong", timedelta(minutes=15), LOCK_AFTER, LOCKED)
SIGN_IN_FAILED = AuthenticationError("SIGNIN_FAILED", "账号或密码错误", "password")
PHONE_TAKEN = ConflictError("PHONE_REGISTERED", "该手机号已注册，请直接登录", "phone")
NO_ACCOUNT = AuthenticationError("NO_ACCOUNT", "该手机号尚未注册，请先注册", "phone")


class SignedIn(msgspec.Struct, frozen=True):
    account: Account
    tokens: Tokens


def subject_of(account: Account) -> Subject:
    return Subject(
        account_id=account.account_id,
        member_id=account.member_id,
        phone=account.phone,
        password_change_required=bool(account.must_change_password),
    )


def actor_of(account_id: str) -> Actor:
    return Actor(account_id=account_id, org_id=None)


def find_account(account_id: str) -> Account | None:
    try:
        return Account.get(keys.account_pk(account_id), keys.META, consistent_read=True)
    except Account.DoesNotExist:
        return None


# A login with no account still reads an account (this one, never written), so that both take
# the same requests and time.
_NOBODY = "u-nobody"


def account_by_phone(phone: str) -> Account | None:
    try:
        login = PhoneLogin.get(keys.phone_login_pk(phone), keys.META, consistent_read=True)
    except PhoneLogin.DoesNotExist:
        return find_account(_NOBODY)
    return find_account(login.account_id)


def account_by_id_number(id_number: str) -> Account | None:
    try:
        login = IdLogin.get(keys.id_login_pk(pii.blind_index(id_number)), keys.META, consistent_read=True)
    except IdLogin.DoesNotExist:
        return find_account(_NOBODY)
    return find_account(login.account_id)


def new_account(uow: UnitOfWork, name: str, phone: str, password: str, must_change: bool = False) -> Account:
    """An account signing in with `phone` and `password`, added to `uow` with its phone login
    (on condition no account holds the phone: raises PHONE_REGISTERED on commit)."""
    account_id = new_id("u")
    account = Account(
        keys.account_pk(account_id),
        keys.META,
        account_id=account_id,
        name=name,
        phone=phone,
        password_hash=passwords.hash_password(password),
        must_change_password=must_change,
        created_at=now(),
    )
    uow.put(account, condition=Account.pk.does_not_exist())
    uow.put(
        PhoneLogin(keys.phone_login_pk(phone), keys.META, account_id=account_id),
        condition=PhoneLogin.pk.does_not_exist(),
        on_fail=PHONE_TAKEN,
    )
    return account


def send_code(phone: str, purpose: str, caller: str) -> None:
    """ACCT-1/3/4: an SMS code for `purpose`, whether or not the phone has an account."""
    try:
        chosen = Purpose(purpose)
    except ValueError as error:
        raise ValidationError(
            "PURPOSE_UNKNOWN", "验证码用途只能是注册、登录、重置密码、确认或转接", "purpose"
        ) from error
    codes.send(mobile(phone), chosen, caller)


def sign_up(phone: str, code: str, password: str) -> SignedIn:
    """ACCT-1: a person signs up with a mobile phone (the SMS code proves it) and a password."""
    number = mobile(phone)
    passwords.check_new(password)
    uow = UnitOfWork(actor_of("anonymous"))
    codes.use(uow, number, Purpose.SIGN_UP, code)
    account = new_account(uow, "", number, password)
    uow.actor = actor_of(account.account_id)
    tokens = sessions.open_session(uow, subject_of(account), None)
    uow.audit("account.sign_up", "ACCOUNT", account.account_id, "")
    uow.commit()
    return SignedIn(account, tokens)


def _login_account(login: str) -> tuple[Account | None, str]:
    """The account a login names (a phone, or an ID number), and the subject wrong passwords
    are counted against: the account, or for a login with none, a hash of the login."""
    text = login.strip()
    if len(text) >= 15 and text[:-1].isdigit():
        number = normalize_id_number(text)
        account, shown = account_by_id_number(number), f"id:{number}"
    else:
        number = mobile(text, "login")
        account, shown = account_by_phone(number), f"phone:{number}"
    subject = account.account_id if account else hashlib.sha256(shown.encode()).hexdigest()[:32]
    return account, subject


def sign_in_with_password(login: str, password: str) -> SignedIn:
    """ACCT-3: the phone or ID number with the password."""
    try:
        account, subject = _login_account(login)
    except ValidationError as error:
        raise ValidationError(error.code, error.message, "login") from error
    wrong_so_far = limits.hits(WRONG_PASSWORD, subject)
    if wrong_so_far >= LOCK_AFTER:
        passwords.verify_nothing(password)
        raise LOCKED
    # With no account, verify() spends a dummy hash's time: the answer's timing is the same.
    matches = passwords.verify(account.password_hash if account else None, password)
    if account is None or not matches:
        _count_wrong(account, subject)
        raise SIGN_IN_FAILED
    if wrong_so_far:
        limits.clear(WRONG_PASSWORD, subject)
    return _open(account, "account.sign_in", {"method": "password"})


def _count_wrong(account: Account | None, subject: str) -> None:
    uow = UnitOfWork(actor_of(account.account_id if account else "anonymous"))
    limits.add_hits(uow, [(WRONG_PASSWORD, subject)])
    if account is not None:
        uow.audit("account.sign_in_failed", "ACCOUNT", account.account_id, "")
    uow.commit()
    if account is not None and limits.hits(WRONG_PASSWORD, subject) >= LOCK_AFTER:
        lock = UnitOfWork(actor_of(account.account_id))
        lock.audit("account.locked", "ACCOUNT", account.account_id, "", after={"minutes": 15})
        lock.commit()


def sign_in_with_code(phone: str, code: str) -> SignedIn:
    """ACCT-3: the phone with an SMS code."""
    number = mobile(phone)
    uow = UnitOfWork(actor_of("anonymous"))
    codes.use(uow, number, Purpose.SIGN_IN, code)
    account = account_by_phone(number)
    if account is None:
        uow.commit()  # the code is spent all the same
        raise NO_ACCOUNT
    return _open(account, "account.sign_in", {"method": "sms"}, uow)


def _open(account: Account, action: str, detail: dict[str, str], uow: UnitOfWork | None = None) -> SignedIn:
    uow = uow or UnitOfWork(actor_of(account.account_id))
    uow.actor = actor_of(account.account_id)
    tokens = sessions.open_session(uow, subject_of(account), None)
    uow.audit(action, "ACCOUNT", account.account_id, "", after={**detail, "session_id": tokens.session_id})
    uow.commit()
    return SignedIn(account, tokens)


def refresh(refresh_token: str) -> SignedIn:
    """ACCT-3: a new access token and the next refresh token of the same session; a spent
    refresh token presented again ends the session."""
    item = sessions.spend(refresh_token)
    account = find_account(item.account_id)
    session = sessions.get(item.account_id, item.session_id)
    if account is None or session is None or session.closed_at is not None:
        raise sessions.REFRESH_INVALID
    uow = UnitOfWork(actor_of(account.account_id))
    tokens = sessions.rotate(uow, item, subject_of(account), session.acting_org_id)
    uow.commit()
    return SignedIn(account, tokens)


def sign_out(principal: Principal) -> None:
    """ACCT-3: end this session everywhere it is used (its access and refresh tokens)."""
    if principal.session_id is None:
        return
    uow = UnitOfWork(actor_of(principal.account_id))
    sessions.close_in(uow, principal.account_id, principal.session_id, "sign_out")
    uow.audit("account.sign_out", "ACCOUNT", principal.account_id, "", after={"session_id": principal.session_id})
    uow.commit()
