"""RSA and AES-GCM primitives the two protocols share, all from the `cryptography` package.

Nothing here invents crypto: these are thin, typed wrappers so that wechat.py, alipay.py and
the simulator sign and verify with exactly the same calls (PKCS#1 v1.5 with SHA-256).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def generate_private_key_pem() -> str:
    """A fresh RSA 2048 key as PKCS#8 PEM (the form both providers hand out)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def public_key_pem(private_pem: str) -> str:
    """The SubjectPublicKeyInfo PEM of a private key."""
    public = load_private_key(private_pem).public_key()
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(
        "ascii"
    )


@lru_cache(maxsize=64)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


@lru_cache(maxsize=64)
def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """A public key PEM, or a certificate PEM (WeChat platform certificates) whose key is used."""
    data = pem.strip().encode("ascii")
    key = (
        x509.load_pem_x509_certificate(data).public_key()
        if b"BEGIN CERTIFICATE" in data
        else serialization.load_pem_public_key(data)
    )
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def sign(private_pem: str, message: bytes) -> str:
    """RSA PKCS#1 v1.5 SHA-256 signature, base64 (RSA2 / WECHATPAY2-SHA256-RSA2048)."""
    signature = load_private_key(private_pem).sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def verify(public_pem: str, message: bytes, signature_b64: str) -> bool:
    """True when `signature_b64` is a valid signature of `message`; never raises on bad input."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        load_public_key(public_pem).verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def aes_gcm_decrypt(key: bytes, nonce: bytes, ciphertext_b64: str, associated_data: bytes) -> bytes | None:
    """AEAD_AES_256_GCM with the tag appended to the ciphertext; None when it does not authenticate."""
    try:
        data = base64.b64decode(ciphertext_b64, validate=True)
        return AESGCM(key).decrypt(nonce, data, associated_data)
    except (binascii.Error, ValueError, InvalidTag):
        return None


def aes_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, associated_data: bytes) -> str:
    """The provider side of aes_gcm_decrypt (used by the simulator)."""
    return base64.b64encode(AESGCM(key).encrypt(nonce, plaintext, associated_data)).decode("ascii")


def same(a: str, b: str) -> bool:
    """Constant-time equality of two identifiers (WEBHOOKS.md: constant-time comparisons)."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
