"""Resident ID numbers (身份证号) at rest: sealed for storage, blind-indexed for look-up.

- `seal` / `unseal`: envelope encryption. Each process asks KMS once for a data key
  (GenerateDataKey on the PII key), keeps its plaintext in memory only, and stores the
  KMS-wrapped copy inside every value it seals; opening a value unwraps that copy with KMS
  Decrypt (cached per wrapped key). AES-256-GCM with a random 96-bit nonce; the associated
  data is the canonical JSON of the caller's context, so a value moved to another record
  does not open.
- `blind_index`: HMAC-SHA256 of the normalised ID number, computed by KMS GenerateMac with an
  HMAC_256 key: the secret never leaves KMS, and every process gets the same value (REG-4
  looks registrations up by it). `facts_index`: an HMAC of name and phone keyed by the ID
  number's whole KMS HMAC, of which the blind index shows only part (REG-5 keys the real-name
  provider's verdicts by it: the same facts are checked once).

Key ids come from ZHTJ_PII_KEY_ID and ZHTJ_BLIND_INDEX_KEY_ID (key ARN, alias name or alias
ARN); by default the aliases infra/kms.py creates. Nothing above the data layer touches boto3.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any

import msgspec
from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from zhtj.core.identity import normalize_id_number
from zhtj.core.settings import BLIND_INDEX_KEY_ENV as BLIND_INDEX_KEY_ENV
from zhtj.core.settings import PII_KEY_ENV as PII_KEY_ENV
from zhtj.core.settings import kms_key_id
from zhtj.table.clients import aws

DEFAULT_PII_KEY = "alias/zhtj-pii"
DEFAULT_BLIND_INDEX_KEY = "alias/zhtj-blind-index"

VERSION = "v1"
# Bound to every wrapped data key: the key policy can require it (kms:EncryptionContext:purpose),
# and a blob KMS wrapped for any other purpose does not unwrap here.
DATA_KEY_CONTEXT = {"app": "zhtj", "purpose": "pii-data-key"}
_NONCE_BYTES = 12
_TAG_BYTES = 16
# Random 96-bit nonces are safe up to 2**32 messages per key (NIST SP 800-38D); a long-lived
# process takes a fresh data key long before that.
_MAX_SEALS_PER_DATA_KEY = 2**24
_UNWRAPPED_CACHE_SIZE = 256
_INDEX_CACHE_SIZE = 4096
# Domain separation: should the HMAC key ever index another field, equal inputs of different
# fields still get different indexes.
_INDEX_DOMAIN = b"zhtj:id_number:"
# 160 bits: collisions stay negligible (~2**-100 for 10**9 people) and base32 needs no padding.
_INDEX_BYTES = 20
_PART = r"[A-Za-z0-9_-]+"
_SEALED = re.compile(rf"{VERSION}\.({_PART})\.({_PART})\.({_PART})")


class UnsealError(Exception):
    """A sealed value is malformed, was tampered with, or belongs to another context."""


class _DataKey(msgspec.Struct):
    cipher: AESGCM
    wrapped: bytes
    seals: int = 0


_lock = threading.Lock()
_current: _DataKey | None = None
_unwrapped: OrderedDict[bytes, AESGCM] = OrderedDict()


@lru_cache(maxsize=1)
def _kms() -> Any:
    # Standard retries absorb KMS throttling (a shared per-account quota) at registration peaks.
    return aws("kms", retries={"mode": "standard", "max_attempts": 5})


def _pii_key_id() -> str:
    return kms_key_id(PII_KEY_ENV, DEFAULT_PII_KEY)


def _blind_index_key_id() -> str:
    return kms_key_id(BLIND_INDEX_KEY_ENV, DEFAULT_BLIND_INDEX_KEY)


def _aad(context: dict[str, str]) -> bytes:
    if not context or not all(isinstance(k, str) and isinstance(v, str) for k, v in context.items()):
        # An empty context would let a sealed value open on any record.
        raise ValueError("a sealing context must be a non-empty dict of strings")
    return json.dumps(context, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _remember(wrapped: bytes, cipher: AESGCM) -> None:
    with _lock:
        _unwrapped[wrapped] = cipher
        _unwrapped.move_to_end(wrapped)
        while len(_unwrapped) > _UNWRAPPED_CACHE_SIZE:
            _unwrapped.popitem(last=False)


def _data_key() -> _DataKey:
    global _current
    with _lock:
        current = _current
        if current is None or current.seals >= _MAX_SEALS_PER_DATA_KEY:
            response = _kms().generate_data_key(
                KeyId=_pii_key_id(), KeySpec="AES_256", EncryptionContext=DATA_KEY_CONTEXT
            )
            current = _DataKey(AESGCM(bytes(response["Plaintext"])), bytes(response["CiphertextBlob"]))
            _current = current
        current.seals += 1
    # Values this process sealed open without a Decrypt call.
    _remember(current.wrapped, current.cipher)
    return current


def _cipher_for(wrapped: bytes) -> AESGCM:
    with _lock:
        cipher = _unwrapped.get(wrapped)
        if cipher is not None:
            _unwrapped.move_to_end(wrapped)
            return cipher
    # Outside the lock: a slow KMS call must not block sealing; a duplicate unwrap is harmless.
    try:
        response = _kms().decrypt(CiphertextBlob=wrapped, EncryptionContext=DATA_KEY_CONTEXT, KeyId=_pii_key_id())
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("InvalidCiphertextException", "IncorrectKeyException"):
            raise UnsealError("the sealed value's data key does not unwrap") from error
        raise
    cipher = AESGCM(bytes(response["Plaintext"]))
    _remember(wrapped, cipher)
    return cipher


def seal(plaintext: str, context: dict[str, str]) -> str:
    """Take a text and the context it belongs to; return it sealed ("v1.<key>.<nonce>.<data>").

    Raises ValueError for an empty context; KMS errors (botocore ClientError) propagate.
    """
    aad = _aad(context)
    key = _data_key()
    nonce = os.urandom(_NONCE_BYTES)
    ciphertext = key.cipher.encrypt(nonce, plaintext.encode("utf-8"), aad)
    return ".".join((VERSION, _b64(key.wrapped), _b64(nonce), _b64(ciphertext)))


def unseal(sealed: str, context: dict[str, str]) -> str:
    """Take a sealed value and the context it was sealed with; return the plaintext.

    Raises UnsealError if the value is malformed, tampered with or sealed for another
    context; ValueError for an empty context; other KMS errors propagate.
    """
    aad = _aad(context)
    match = _SEALED.fullmatch(sealed)
    if match is None:
        raise UnsealError(f"not a {VERSION} sealed value")
    try:
        wrapped, nonce, ciphertext = (_unb64(part) for part in match.groups())
    except (binascii.Error, ValueError):
        raise UnsealError("the sealed value is not valid base64url") from None
    if len(nonce) != _NONCE_BYTES or len(ciphertext) < _TAG_BYTES:
        raise UnsealError("the sealed value has the wrong shape")
    cipher = _cipher_for(wrapped)
    try:
        plaintext = cipher.decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        raise UnsealError("the sealed value was tampered with or belongs to another context") from None
    return plaintext.decode("utf-8")


@lru_cache(maxsize=_INDEX_CACHE_SIZE)
def _id_mac(id18: str) -> bytes:
    """KMS's HMAC of a normalised ID number, whole (32 bytes): the blind index shows its first
    _INDEX_BYTES; the rest never leaves the process."""
    response = _kms().generate_mac(
        KeyId=_blind_index_key_id(), MacAlgorithm="HMAC_SHA_256", Message=_INDEX_DOMAIN + id18.encode("ascii")
    )
    return bytes(response["Mac"])


@lru_cache(maxsize=_INDEX_CACHE_SIZE)
def _normal(id_number: str) -> str:
    """normalize_id_number, once per form seen (a row's number is indexed, then keys its facts)."""
    return normalize_id_number(id_number)


def _index_of(id18: str) -> str:
    return base64.b32encode(_id_mac(id18)[:_INDEX_BYTES]).decode("ascii")


def blind_index(id_number: str) -> str:
    """Take an ID number (any form normalize_id_number accepts); return its blind index.

    32 characters of base32 (A-Z, 2-7), equal for equal people whatever the form typed (the
    15-digit legacy form indexes like its 18-character form), in every process.
    Raises ValidationError as normalize_id_number does; KMS errors propagate.
    """
    return _index_of(_normal(id_number))


_FACTS_DOMAIN = b"zhtj:real-name-facts:"


def facts_index(name: str, id_number: str, phone: str | None) -> str:
    """A keyed hash of a person's name, ID number and phone (REG-5's verdict key), equal for
    equal facts whatever the ID number's form: HMAC-SHA256 over name and phone, in their own
    domain, keyed by the ID number's whole KMS HMAC (`_id_mac`). The blind index shows only
    part of that key: the rest (96 bits) is known to KMS's key alone, so the facts index, like
    the blind index, tells nothing without KMS, and equals no ID number's index. It costs no
    KMS call beyond the ID number's own (an import checks and indexes a row with one)."""
    canonical = json.dumps([name.strip(), phone or ""], ensure_ascii=False)
    key = _id_mac(_normal(id_number))
    digest = hmac.new(key, _FACTS_DOMAIN + canonical.encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").rstrip("=")


def reset_clients() -> None:
    """Forget the cached client, data keys and indexes (tests switch endpoints between runs)."""
    global _current
    _kms.cache_clear()
    _id_mac.cache_clear()
    _normal.cache_clear()
    with _lock:
        _current = None
        _unwrapped.clear()
