"""Access tokens (ACCT-3): short-lived JWTs (ES256) signed by the token-signing KMS key
(zhtj.table.signing.TOKEN), verified with its public key, fetched once per process — so
verifying costs no KMS call — and then checked against their session (one GetItem), so that
signing out or changing the password ends them at once, everywhere.

Claims: `sub` the account, `sid` the session, `org` the organisation the account acts for
(absent: as a plain member), `mbr` the account's member record, `phn` its mobile number, `pcr`
true while an initial password waits to be changed (ACCT-6).
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from zhtj.core.clock import new_id
from zhtj.core.errors import AuthenticationError, ForbiddenError
from zhtj.core.settings import get_settings
from zhtj.signin.models import Session
from zhtj.table import keys, signing

ALGORITHM = "ES256"
ACCESS_LIFETIME = timedelta(minutes=15)

MISSING = AuthenticationError("UNAUTHENTICATED", "请先登录（缺少访问令牌）", "Authorization")
EXPIRED = AuthenticationError("TOKEN_EXPIRED", "登录已过期，请重新登录", "Authorization")
INVALID = AuthenticationError("TOKEN_INVALID", "访问令牌无效", "Authorization")
ENDED = AuthenticationError("SESSION_ENDED", "登录已失效（已退出或已修改密码），请重新登录", "Authorization")
CHANGE_PASSWORD_FIRST = ForbiddenError("PASSWORD_CHANGE_REQUIRED", "请先修改初始密码，再进行其他操作", "password")


@dataclass(frozen=True)
class Principal:
    """The caller, as proven by the token."""

    account_id: str
    acting_org_id: str | None
    session_id: str | None = None
    member_id: str | None = None
    phone: str | None = None
    password_change_required: bool = False


@dataclass(frozen=True)
class Subject:
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


def verify(authorization: str | None, before_password_change: bool = False) -> Principal:
    """Check a `Bearer <jwt>` header, then that its session is still open. Raises
    AuthenticationError on any defect. An account whose initial password waits to be changed
    (ACCT-6) is refused (ForbiddenError) unless the route is one of the few allowed
    `before_password_change` (reading itself, changing the password, signing out)."""
    if not authorization or not authorization.startswith("Bearer "):
        raise MISSING
    claims = decode(authorization.removeprefix("Bearer ").strip())
    account_id, session_id = str(claims["sub"]), str(claims["sid"])
    try:
        session = Session.get(keys.account_pk(account_id), keys.session_sk(session_id), consistent_read=True)
    except Session.DoesNotExist as error:
        raise ENDED from error
    if session.closed_at is not None:
        raise ENDED
    if claims.get("pcr") and not before_password_change:
        raise CHANGE_PASSWORD_FIRST
    return Principal(
        account_id=account_id,
        acting_org_id=claims.get("org"),
        session_id=session_id,
        member_id=claims.get("mbr"),
        phone=claims.get("phn"),
        password_change_required=bool(claims.get("pcr")),
    )
