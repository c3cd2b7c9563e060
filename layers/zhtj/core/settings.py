"""Runtime settings, read once from the environment.

Names of the table and queues are fixed by the manifest (chalicefile.json); only what
differs between the cloud and the local stack comes from the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

CURSOR_SECRET_ENV = "ZHTJ_CURSOR_SECRET"
DEFAULT_CURSOR_SECRET = "zhtj/cursor-key"


@dataclass(frozen=True)
class Settings:
    table_name: str
    region: str
    token_issuer: str
    token_audience: str
    # Local stack: PEM private key of the dev issuer (tokens minted by /dev/token).
    dev_signing_key: str | None
    # Cloud: the Cognito user pool's JWKS address.
    jwks_url: str | None
    stage: str
    # The Secrets Manager secret page cursors are sealed with (zhtj.dal.paging).
    cursor_secret: str


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings(
        table_name=os.environ.get("ZHTJ_TABLE", "zhtj"),
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION", "cn-north-1"),
        token_issuer=os.environ.get("ZHTJ_TOKEN_ISSUER", "zhtj-local"),
        token_audience=os.environ.get("ZHTJ_TOKEN_AUDIENCE", "zhtj"),
        dev_signing_key=os.environ.get("ZHTJ_DEV_SIGNING_KEY") or None,
        jwks_url=os.environ.get("ZHTJ_JWKS_URL") or None,
        stage=os.environ.get("ZHTJ_STAGE", "local"),
        cursor_secret=os.environ.get(CURSOR_SECRET_ENV) or DEFAULT_CURSOR_SECRET,
    )


# Dues and payments' settings (read on each call: the local stack sets its public address
# after the process has started).
PAYMENT_SECRET_ENV = {"wechatpay": "ZHTJ_WECHATPAY_SECRET", "alipay": "ZHTJ_ALIPAY_SECRET"}
DEFAULT_PAYMENT_SECRET = {"wechatpay": "zhtj/payments/wechatpay", "alipay": "zhtj/payments/alipay"}
PUBLIC_API_URL_ENV = "ZHTJ_PUBLIC_API_URL"


def payment_secret_name(provider_name: str) -> str:
    """The Secrets Manager secret holding a payment provider's merchant keys and gateway."""
    return os.environ.get(PAYMENT_SECRET_ENV[provider_name]) or DEFAULT_PAYMENT_SECRET[provider_name]


def dues_public_api_url() -> str:
    """The API's public address, where the payment providers send their notifications."""
    return os.environ.get(PUBLIC_API_URL_ENV, "http://localhost:8000")


def lambda_function_name() -> str:
    """The running Lambda function's name (set by AWS; "test-func" elsewhere, as powertools has it)."""
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "test-func")
