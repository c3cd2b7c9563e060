"""Sessions for tests, opened through the sign-in service's own logic (no HTTP route mints
tokens): a session of an account, acting for an organisation or as itself, and a fresh
applicant (an account that signed up, with a phone, not yet a member)."""

from __future__ import annotations

import itertools

from zhtj.accounts import login
from zhtj.accounts.models import Account, PhoneLogin
from zhtj.core.clock import new_id, now
from zhtj.core.errors import ConflictError
from zhtj.signin import sessions
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import Actor, UnitOfWork

_phones = itertools.count(1)


def session_token(account_id: str, acting_org_id: str | None = None) -> str:
    """An access token of a new session of `account_id` (as the sign-in service opens one)."""
    account = Account.get(keys.account_pk(account_id), keys.META, consistent_read=True)
    for _ in range(20):  # the fault tests inject conflicts into every transaction: sign in again
        uow = UnitOfWork(Actor(account_id=account_id, org_id=None))
        opened = sessions.open_session(uow, login.subject_of(account), acting_org_id)
        try:
            uow.commit()
        except ConflictError:
            continue
        return opened.access_token
    raise AssertionError("no session could be opened")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def new_applicant(phone: str | None = None, name: str = "") -> tuple[str, str]:
    """An account as sign-up makes one (its phone proven), with no password to hash (tests sign
    in through the session helper). Returns (account id, phone)."""
    number = phone or f"+86139{next(_phones) % 100_000_000:08d}"
    account_id = new_id("u")
    Account(
        keys.account_pk(account_id), keys.META, account_id=account_id, name=name, phone=number, created_at=now()
    ).save()
    PhoneLogin(keys.phone_login_pk(number), keys.META, account_id=account_id).save()
    return account_id, number


def applicant_headers(phone: str | None = None) -> dict[str, str]:
    """Headers of a fresh applicant's own session."""
    account_id, _ = new_applicant(phone)
    return bearer(session_token(account_id))


def applicant_principal() -> Principal:
    """A fresh applicant as the logic layer sees them (their own session, no organisation)."""
    account_id, phone = new_applicant()
    return Principal(account_id, None, session_id=None, phone=phone)
