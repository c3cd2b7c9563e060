"""The asymmetric ECC_NIST_P256 KMS keys: the card-signing key (CARD-2) and the token-signing
key (ACCT-3: access tokens). KMS signs; anyone with the public key verifies, so verification
costs no KMS call once the key is cached (once per process).

Each key's id comes from its environment variable (key ARN, alias name or alias ARN); by
default the alias infra/kms.py and the cloud template create. In the local stack and the tests
the keys live in moto's KMS, which implements Sign and GetPublicKey for ECC keys.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from zhtj.core.settings import SIGNING_KEY_ENV, TOKEN_KEY_ENV, kms_key_id
from zhtj.table.clients import aws

ALGORITHM = "ECDSA_SHA_256"


@lru_cache(maxsize=1)
def _kms() -> Any:
    return aws("kms")


class SigningKey:
    """One KMS signing key, named by an environment variable or its default alias."""

    def __init__(self, env_name: str, default_alias: str) -> None:
        self.env_name, self.default_alias = env_name, default_alias
        self._public: ec.EllipticCurvePublicKey | None = None

    def key_id(self) -> str:
        return kms_key_id(self.env_name, self.default_alias)

    def sign(self, message: bytes) -> bytes:
        """A DER ECDSA signature of `message` (RAW: KMS hashes it; messages are far below 4 KB)."""
        response = _kms().sign(KeyId=self.key_id(), Message=message, MessageType="RAW", SigningAlgorithm=ALGORITHM)
        return bytes(response["Signature"])

    def public_key(self) -> ec.EllipticCurvePublicKey:
        """The verifying key, fetched once per process (GetPublicKey)."""
        if self._public is None:
            der = _kms().get_public_key(KeyId=self.key_id())["PublicKey"]
            key = load_der_public_key(bytes(der))
            if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
                raise RuntimeError(f"{self.default_alias} is not an ECC_NIST_P256 key")
            self._public = key
        return self._public

    def forget(self) -> None:
        self._public = None


CARD = SigningKey(SIGNING_KEY_ENV, "alias/zhtj-card-signing")
TOKEN = SigningKey(TOKEN_KEY_ENV, "alias/zhtj-token-signing")


def sign(message: bytes) -> bytes:
    """The card-signing key's signature (CARD-2)."""
    return CARD.sign(message)


def public_key() -> ec.EllipticCurvePublicKey:
    """The card-signing key's public key (CARD-2)."""
    return CARD.public_key()


def reset_clients() -> None:
    _kms.cache_clear()
    for key in (CARD, TOKEN):
        key.forget()
