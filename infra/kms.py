"""The system's KMS keys, created on the endpoint the local stack or a test points at (moto).
The cloud template declares the same keys and aliases.

- alias/zhtj-pii: SYMMETRIC_DEFAULT, wraps the data keys that seal ID numbers.
- alias/zhtj-blind-index: HMAC_256, computes the blind index of ID numbers (GenerateMac), so
  the index secret never leaves KMS.
- alias/zhtj-card-signing, alias/zhtj-token-signing: ECC_NIST_P256, sign member cards and
  access tokens (zhtj.table.signing).
"""

from __future__ import annotations

from typing import Any

import boto3

PII_KEY_ALIAS = "alias/zhtj-pii"
BLIND_INDEX_KEY_ALIAS = "alias/zhtj-blind-index"
CARD_SIGNING_KEY_ALIAS = "alias/zhtj-card-signing"
TOKEN_SIGNING_KEY_ALIAS = "alias/zhtj-token-signing"

_KEYS: dict[str, dict[str, str]] = {
    PII_KEY_ALIAS: {
        "KeySpec": "SYMMETRIC_DEFAULT",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "Description": "zhtj: wraps the data keys that seal ID numbers (envelope encryption)",
    },
    BLIND_INDEX_KEY_ALIAS: {
        "KeySpec": "HMAC_256",
        "KeyUsage": "GENERATE_VERIFY_MAC",
        "Description": "zhtj: blind index of ID numbers (GenerateMac HMAC_SHA_256)",
    },
    # CARD-2: signs the token on each member card's QR code; verified with its public key.
    CARD_SIGNING_KEY_ALIAS: {
        "KeySpec": "ECC_NIST_P256",
        "KeyUsage": "SIGN_VERIFY",
        "Description": "zhtj: signs membership cards (ECDSA P-256)",
    },
    # ACCT-3: signs access tokens (ES256); every function verifies with its cached public key.
    TOKEN_SIGNING_KEY_ALIAS: {
        "KeySpec": "ECC_NIST_P256",
        "KeyUsage": "SIGN_VERIFY",
        "Description": "zhtj: signs access tokens (ES256)",
    },
}


def _existing_aliases(kms: Any) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for page in kms.get_paginator("list_aliases").paginate():
        for alias in page["Aliases"]:
            if "TargetKeyId" in alias:
                aliases[alias["AliasName"]] = alias["TargetKeyId"]
    return aliases


def create_keys(session: boto3.Session) -> dict[str, str]:
    """Create both keys with their aliases (idempotent: an existing alias is kept).

    Takes a boto3 session; returns alias name -> key ARN.
    """
    kms = session.client("kms")
    existing = _existing_aliases(kms)
    arns: dict[str, str] = {}
    for alias, spec in _KEYS.items():
        if alias in existing:
            arns[alias] = kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
            continue
        metadata = kms.create_key(**spec, Tags=[{"TagKey": "app", "TagValue": "zhtj"}])["KeyMetadata"]
        kms.create_alias(AliasName=alias, TargetKeyId=metadata["KeyId"])
        if spec["KeySpec"] == "SYMMETRIC_DEFAULT":
            # KMS rotates only symmetric encryption keys; old key material stays usable for Decrypt.
            kms.enable_key_rotation(KeyId=metadata["KeyId"])
        arns[alias] = metadata["Arn"]
    return arns
