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


# Providers' settings (identity, payments). Read on every call, not once: the tests and the local
# stack select a provider, and its timing, per run.
IDENTITY_PROVIDER_ENV = "ZHTJ_IDENTITY_PROVIDER"
RECHECK_DELAY_ENV = "ZHTJ_RECHECK_DELAY_SECONDS"
DEFAULT_RECHECK_DELAY_SECONDS = 12 * 3600
# The cloud pins each payment provider's gateway (template parameters); unset, the gateway comes
# with the provider's secret (the local stack points it at the simulator).
PAYMENT_GATEWAY_ENV = {"wechatpay": "ZHTJ_WECHATPAY_GATEWAY", "alipay": "ZHTJ_ALIPAY_GATEWAY"}


def identity_provider() -> str:
    """The name of the real-name provider (zhtj.integrations.identity.registry); "" when none."""
    return os.environ.get(IDENTITY_PROVIDER_ENV, "").strip()


def recheck_delay_seconds() -> int:
    """REG-5: how long after a failed first check the automatic re-check runs."""
    return int(os.environ.get(RECHECK_DELAY_ENV) or DEFAULT_RECHECK_DELAY_SECONDS)


def payment_gateway(provider: str) -> str | None:
    """The gateway the deployment pins for a payment provider, or None (the secret's then)."""
    return os.environ.get(PAYMENT_GATEWAY_ENV[provider]) or None
