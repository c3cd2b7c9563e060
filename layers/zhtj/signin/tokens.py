"""Bearer tokens. Claims follow a Cognito ID token, so one verifier serves both issuers:
the local dev issuer (a key generated when the local stack starts) and, in the cloud, the
Cognito user pool (its JWKS).

Claims used: `cognito:username` = the account id; `custom:acting_org` = the organisation
the account acts for (absent: acting as a plain member).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from zhtj.core.clock import new_id, now
from zhtj.core.errors import AuthenticationError
from zhtj.core.settings import get_settings

ALGORITHM_DEV = "ES256"
TOKEN_LIFETIME = timedelta(hours=8)

DEV_ISSUER_DISABLED = AuthenticationError("DEV_ISSUER_DISABLED", "本环境不签发开发令牌", None)

ACCOUNT_CLAIM = "cognito:username"
ACTING_ORG_CLAIM = "custom:acting_org"


@dataclass(frozen=True)
class Principal:
    """The caller, as proven by the token."""

    account_id: str
    acting_org_id: str | None


def generate_dev_key() -> str:
    """A fresh P-256 private key in PEM, for the local dev issuer."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@lru_cache(maxsize=4)
def _dev_public_key(private_pem: str) -> Any:
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return private.public_key()


@lru_cache(maxsize=2)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True)


def issue_dev_token(account_id: str, acting_org_id: str | None, lifetime: timedelta = TOKEN_LIFETIME) -> str:
    """Mint a token with the local dev key. Raises AuthenticationError where no dev key is set
    (the cloud has none: Cognito issues its tokens)."""
    settings = get_settings()
    if not settings.dev_signing_key:
        raise DEV_ISSUER_DISABLED
    issued = now()
    claims: dict[str, Any] = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": account_id,
        ACCOUNT_CLAIM: account_id,
        "token_use": "id",
        "iat": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
        "jti": new_id("t"),
    }
    if acting_org_id:
        claims[ACTING_ORG_CLAIM] = acting_org_id
    return jwt.encode(claims, settings.dev_signing_key, algorithm=ALGORITHM_DEV)


def verify(authorization: str | None) -> Principal:
    """Check a `Bearer <jwt>` header: signature, expiry, issuer and audience. Raises
    AuthenticationError on any defect."""
    if not authorization or not authorization.startswith("Bearer "):
        raise AuthenticationError("UNAUTHENTICATED", "请先登录（缺少访问令牌）", "Authorization")
    token = authorization.removeprefix("Bearer ").strip()
    settings = get_settings()
    try:
        if settings.jwks_url:
            key: Any = _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token).key
            algorithms = ["RS256"]
        elif settings.dev_signing_key:
            key, algorithms = _dev_public_key(settings.dev_signing_key), [ALGORITHM_DEV]
        else:
            raise AuthenticationError("NO_ISSUER", "系统未配置令牌签发方", None)
        claims = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=settings.token_audience,
            issuer=settings.token_issuer,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise AuthenticationError("TOKEN_EXPIRED", "登录已过期，请重新登录", "Authorization") from error
    except (jwt.InvalidTokenError, jwt.PyJWKClientError) as error:
        raise AuthenticationError("TOKEN_INVALID", "访问令牌无效", "Authorization") from error
    account_id = claims.get(ACCOUNT_CLAIM) or claims["sub"]
    return Principal(account_id=str(account_id), acting_org_id=claims.get(ACTING_ORG_CLAIM))
