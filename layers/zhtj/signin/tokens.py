"""Access tokens (ACCT-3): short-lived JWTs (ES256) signed by the token-signing KMS key
(zhtj.table.signing.TOKEN), verified with its public key, fetched once per process — so
verifying costs no KMS call — and then checked against their session (one GetItem, or a key
in the BatchGetItem of a use case that reads its own items anyway: `Claimed`), so that signing
out or changing the password ends them at once, everywhere.

Claims: `sub` the account, `sid` the session, `org` the organisation the account acts for
(absent: as a plain member), `mbr` the account's member record, `phn` its mobile number, `pcr`
true while an initial password waits to be changed (ACCT-6).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from zhtj.core.clock import new_id
from zhtj.core.errors import AuthenticationError, ForbiddenError
from zhtj.core.settings import get_settings
from zhtj.signin.models import Session
from zhtj.table import keys, signing
from zhtj.table.base import Item, Key

ALGORITHM = "ES256"
ACCESS_LIFETIME = timedelta(minutes=15)

MISSING = AuthenticationError("UNAUTHENTICATED", "请先登录（缺少访问令牌）", "Authorization")
EXPIRED = AuthenticationError("TOKEN_EXPIRED", "登录已过期，请重新登录", "Authorization")
INVALID = AuthenticationError("TOKEN_INVALID", "访问令牌无效", "Authorization")
ENDED = AuthenticationError("SESSION_ENDED", "登录已失效（已退出或已修改密码），请重新登录", "Authorization")
CHANGE_PASSWORD_FIRST = ForbiddenError("PASSWORD_CHANGE_REQUIRED", "请先修改初始密码，再进行其他操作", "password")


class Principal(msgspec.Struct, frozen=True):
    """The caller, as proven by the token."""

    account_id: str
    acting_org_id: str | None
    session_id: str | None = None
    member_id: str | None = None
    phone: str | None = None
    password_change_required: bool = False


class Subject(msgspec.Struct, frozen=True):
    """What an access token says of its account (the accounts capability reads it)."""

    account_id: str
    member_id: str | None
    phone: str | None
    password_change_required: bool


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json_b64(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def issue(subject: Subject, session_id: str, acting_org_id: str | None) -> str:
    """An access token for `subject` in session `session_id`, acting for `acting_org_id`."""
    settings = get_settings()
    issued = int(time.time())  # wall time: what every verifier compares `exp` with
    claims: dict[str, Any] = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": subject.account_id,
        "sid": session_id,
        "iat": issued,
        "exp": issued + int(ACCESS_LIFETIME.total_seconds()),
        "jti": new_id("t"),
    }
    optional = {"org": acting_org_id, "mbr": subject.member_id, "phn": subject.phone}
    claims.update({name: value for name, value in optional.items() if value})
    if subject.password_change_required:
        claims["pcr"] = True
    header = {"alg": ALGORITHM, "typ": "JWT"}
    signing_input = f"{_json_b64(header)}.{_json_b64(claims)}"
    r, s = decode_dss_signature(signing.TOKEN.sign(signing_input.encode()))
    return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def decode(token: str) -> dict[str, Any]:
    """The claims of a token whose signature, expiry, issuer and audience hold. Raises
    AuthenticationError. Does not look at the session (see `verify`)."""
    # Imported here, not at the top: for cold-start cost only (every function imports this module
    # for `Principal`; only the API decodes tokens). Not to dodge a cycle.
    import jwt

    settings = get_settings()
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            signing.TOKEN.public_key(),
            algorithms=[ALGORITHM],
            audience=settings.token_audience,
            issuer=settings.token_issuer,
            options={"require": ["exp", "iss", "aud", "sub", "sid"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise EXPIRED from error
    except jwt.InvalidTokenError as error:
        raise INVALID from error
    return claims


class Claimed(msgspec.Struct, frozen=True):
    """A bearer token whose signature, expiry, issuer and audience hold, its session not yet
    read: what a route hands to logic that reads the session in its own batch (one BatchGetItem
    with the items it needs anyway, `session_keys`), and only `opened` turns into a Principal.
    `account_id` and `acting_org_id` are the token's claims, for building keys only."""

    account_id: str
    acting_org_id: str | None
    _principal: Principal
    _before_password_change: bool


# Who calls a logic function that reads the session itself: a token's claims (from a route), or
# a Principal already verified (another logic function, a test's world).
Caller = Principal | Claimed


def claimed(authorization: str | None, before_password_change: bool = False) -> Claimed:
    """Check a `Bearer <jwt>` header's token, not yet its session (`opened` does, on the batch
    that read it). Raises AuthenticationError."""
    if not authorization or not authorization.startswith("Bearer "):
        raise MISSING
    claims = decode(authorization.removeprefix("Bearer ").strip())
    account_id, session_id = str(claims["sub"]), str(claims["sid"])
    principal = Principal(
        account_id=account_id,
        acting_org_id=claims.get("org"),
        session_id=session_id,
        member_id=claims.get("mbr"),
        phone=claims.get("phn"),
        password_change_required=bool(claims.get("pcr")),
    )
    return Claimed(account_id, principal.acting_org_id, principal, before_password_change)


def _session_key(principal: Principal) -> Key:
    return keys.account_pk(principal.account_id), keys.session_sk(principal.session_id or "")


def session_keys(caller: Caller) -> list[Key]:
    """What `opened` needs read, for the caller's batch: the session of a token's claims;
    nothing for a Principal already verified."""
    return [_session_key(caller._principal)] if isinstance(caller, Claimed) else []


def opened(caller: Caller, found: Mapping[Key, Item]) -> Principal:
    """The Principal of a token whose session the caller's batch read (`session_keys`), once
    that session is found open (and ACCT-6 allows the route); a Principal as it is. Raises
    AuthenticationError, ForbiddenError."""
    if isinstance(caller, Principal):
        return caller
    session = found.get(_session_key(caller._principal))
    return _open(caller, session if isinstance(session, Session) else None)


def _open(claimed: Claimed, session: Session | None) -> Principal:
    if session is None or session.closed_at is not None:
        raise ENDED
    if claimed._principal.password_change_required and not claimed._before_password_change:
        raise CHANGE_PASSWORD_FIRST
    return claimed._principal


def verify(authorization: str | None, before_password_change: bool = False) -> Principal:
    """Check a `Bearer <jwt>` header, then that its session is still open (one GetItem). Raises
    AuthenticationError on any defect. An account whose initial password waits to be changed
    (ACCT-6) is refused (ForbiddenError) unless the route is one of the few allowed
    `before_password_change` (reading itself, changing the password, signing out)."""
    token = claimed(authorization, before_password_change)
    try:
        session: Session | None = Session.get(*_session_key(token._principal), consistent_read=True)
    except Session.DoesNotExist:
        session = None
    return _open(token, session)
