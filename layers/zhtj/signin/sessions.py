"""Sessions and refresh tokens (ACCT-3): opening a session (an access token and a refresh
token), rotating the refresh token, closing one session or all of an account's.

A refresh token is 32 random bytes, stored only as its SHA-256. Refreshing spends it and
issues the next in the same transaction; a spent token presented again means it was stolen or
replayed, and closes the whole session (every token of the family)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import msgspec

from zhtj.core.clock import new_id, now
from zhtj.core.errors import AuthenticationError
from zhtj.signin import tokens
from zhtj.signin.models import RefreshToken, Session
from zhtj.signin.tokens import Subject
from zhtj.table import keys
from zhtj.table.unit_of_work import Actor, UnitOfWork

REFRESH_LIFETIME = timedelta(days=30)

REFRESH_INVALID = AuthenticationError("REFRESH_INVALID", "登录已失效，请重新登录", "refresh_token")
REFRESH_REUSED = AuthenticationError(
    "REFRESH_REUSED", "该登录凭证已被使用过，为安全起见本次登录已失效，请重新登录", "refresh_token"
)


class Tokens(msgspec.Struct, frozen=True):
    access_token: str
    refresh_token: str
    expires_in: int  # seconds the access token lives
    session_id: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_refresh(uow: UnitOfWork, account_id: str, session_id: str) -> str:
    token = secrets.token_urlsafe(32)
    item = RefreshToken(
        keys.refresh_token_pk(_hash(token)),
        keys.META,
        account_id=account_id,
        session_id=session_id,
        expires_at=now() + REFRESH_LIFETIME,
    )
    uow.put(item, condition=RefreshToken.pk.does_not_exist())
    return token


def open_session(uow: UnitOfWork, subject: Subject, acting_org_id: str | None) -> Tokens:
    """Add a new session of `subject` to `uow` (the caller audits and commits). Returns its
    tokens; they work once the unit of work is committed."""
    session_id = new_id("s")
    session = Session(
        keys.account_pk(subject.account_id),
        keys.session_sk(session_id),
        session_id=session_id,
        account_id=subject.account_id,
        acting_org_id=acting_org_id,
        opened_at=now(),
        expires_at=now() + REFRESH_LIFETIME,
    )
    uow.put(session, condition=Session.pk.does_not_exist())
    refresh = _new_refresh(uow, subject.account_id, session_id)
    access = tokens.issue(subject, session_id, acting_org_id)
    return Tokens(access, refresh, int(tokens.ACCESS_LIFETIME.total_seconds()), session_id)


def spend(refresh_token: str) -> RefreshToken:
    """The refresh token presented, if it is live. A spent one closes its session and raises
    REFRESH_REUSED; an unknown or expired one raises REFRESH_INVALID."""
    try:
        item = RefreshToken.get(keys.refresh_token_pk(_hash(refresh_token)), keys.META, consistent_read=True)
    except RefreshToken.DoesNotExist as error:
        raise REFRESH_INVALID from error
    if item.expires_at is not None and item.expires_at <= now():
        raise REFRESH_INVALID
    if item.spent:
        close(item.account_id, item.session_id, "refresh_reused")
        raise REFRESH_REUSED
    return item


def rotate(uow: UnitOfWork, item: RefreshToken, subject: Subject, acting_org_id: str | None) -> Tokens:
    """Spend `item` and issue its successor in `uow`, on condition that it is still unspent and
    its session open (a concurrent refresh with the same token loses and is treated as reuse
    by the next attempt)."""
    uow.update(item, [RefreshToken.spent.set(True)], condition=RefreshToken.spent == False, on_fail=REFRESH_REUSED)  # noqa: E712
    uow.check(
        Session,
        keys.account_pk(item.account_id),
        keys.session_sk(item.session_id),
        Session.pk.exists() & Session.closed_at.does_not_exist(),
        on_fail=tokens.ENDED,
    )
    refresh = _new_refresh(uow, item.account_id, item.session_id)
    access = tokens.issue(subject, item.session_id, acting_org_id)
    return Tokens(access, refresh, int(tokens.ACCESS_LIFETIME.total_seconds()), item.session_id)


def get(account_id: str, session_id: str) -> Session | None:
    try:
        return Session.get(keys.account_pk(account_id), keys.session_sk(session_id), consistent_read=True)
    except Session.DoesNotExist:
        return None


def close(account_id: str, session_id: str, because: str) -> None:
    """Close one session (its access and refresh tokens stop working). Idempotent."""
    uow = UnitOfWork(Actor(account_id=account_id, org_id=None))
    close_in(uow, account_id, session_id, because)
    uow.commit()


def close_in(uow: UnitOfWork, account_id: str, session_id: str, because: str) -> None:
    session = Session(keys.account_pk(account_id), keys.session_sk(session_id))
    uow.update(
        session,
        [Session.closed_at.set(now()), Session.closed_because.set(because)],
        condition=Session.pk.exists() & Session.closed_at.does_not_exist(),
        on_fail=tokens.ENDED,
        versioned=False,
    )


def close_others(uow: UnitOfWork, account_id: str, keep: str | None, because: str) -> int:
    """Close, in `uow`, every open session of the account but `keep` (a password change or
    reset ends the other sessions). Returns how many."""
    closed = 0
    for session in Session.query(keys.account_pk(account_id), Session.sk.startswith("SESSION#"), consistent_read=True):
        if isinstance(session, Session) and session.closed_at is None and session.session_id != keep:
            close_in(uow, account_id, session.session_id, because)
            closed += 1
    return closed


def set_acting_org(uow: UnitOfWork, account_id: str, session_id: str, acting_org_id: str | None) -> None:
    """Record which organisation the session acts for (a refresh keeps it)."""
    session = Session(keys.account_pk(account_id), keys.session_sk(session_id))
    action = Session.acting_org_id.set(acting_org_id) if acting_org_id else Session.acting_org_id.remove()
    uow.update(
        session,
        [action],
        condition=Session.pk.exists() & Session.closed_at.does_not_exist(),
        on_fail=tokens.ENDED,
        versioned=False,
    )
