"""The card-signing key (CARD-2): an asymmetric ECC_NIST_P256 KMS key. KMS signs; anyone with
the public key verifies, so verification costs no KMS call once the key is cached.

The key id comes from ZHTJ_SIGNING_KEY_ID (key ARN, alias name or alias ARN); by default
the alias infra/kms.py and the cloud template create. In the local stack and the tests the
key lives in moto's KMS, which implements Sign and GetPublicKey for ECC keys.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from zhtj.core.settings import SIGNING_KEY_ENV as SIGNING_KEY_ENV
from zhtj.core.settings import get_settings, kms_key_id

DEFAULT_SIGNING_KEY = "alias/zhtj-card-signing"
ALGORITHM = "ECDSA_SHA_256"


def key_id() -> str:
    return kms_key_id(SIGNING_KEY_ENV, DEFAULT_SIGNING_KEY)


@lru_cache(maxsize=1)
def _kms() -> Any:
    return boto3.client("kms", region_name=get_settings().region)


def sign(message: bytes) -> bytes:
    """A DER ECDSA signature of `message` (RAW: KMS hashes it; tokens are far below 4 KB)."""
    response = _kms().sign(KeyId=key_id(), Message=message, MessageType="RAW", SigningAlgorithm=ALGORITHM)
    return bytes(response["Signature"])


@lru_cache(maxsize=1)
def public_key() -> ec.EllipticCurvePublicKey:
    """The verifying key, fetched once per process (GetPublicKey)."""
    der = _kms().get_public_key(KeyId=key_id())["PublicKey"]
    key = load_der_public_key(bytes(der))
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise RuntimeError("the card-signing key is not an ECC_NIST_P256 key")
    return key


def reset_clients() -> None:
    _kms.cache_clear()
    public_key.cache_clear()
