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


# Capabilities' settings (registration, imports, cards)
# Read at each call, not cached: the local stack sets them once it knows its address.

IMPORT_CHUNK_ROWS_ENV = "ZHTJ_IMPORT_CHUNK_ROWS"
DEFAULT_IMPORT_CHUNK_ROWS = 200
PUBLIC_URL_ENV = "ZHTJ_PUBLIC_API_URL"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def import_chunk_rows() -> int:
    """Rows per import message (zhtj.imports.worker bounds it)."""
    return int(os.environ.get(IMPORT_CHUNK_ROWS_ENV, str(DEFAULT_IMPORT_CHUNK_ROWS)))


def public_api_url() -> str:
    """The API's public address, without a trailing slash: what a card's QR code points to."""
    return os.environ.get(PUBLIC_URL_ENV, DEFAULT_PUBLIC_URL).rstrip("/")
