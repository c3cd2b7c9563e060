"""The signed token a card's QR code carries (CARD-2): a stranger holding a printed card can
ask whether it is genuine and current.

    <payload>.<signature>        both unpadded base64url
    payload   = "1|<member id>|<card number>|<content version>|<issued, epoch seconds>"
    signature = ECDSA P-256 / SHA-256 over the payload bytes, as r || s (64 bytes, low s)

Raw r || s instead of DER keeps the token short enough for a small QR code. Every byte is
significant: decoding refuses non-canonical base64 (a changed padding bit would otherwise
decode to the same bytes) and a high s (the other valid signature of the same payload), so
no two strings verify for one issued card. Pure: the signing itself is done by the caller
(KMS, zhtj.table.signing); verification needs only the public key.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

FORMAT = "1"
# The order of the P-256 group: s above half of it is the malleable twin of a valid signature.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_COMPONENT = 32
_B64 = re.compile(r"^[A-Za-z0-9_-]+$")
_FIELD = re.compile(r"^[0-9A-Za-z-]{1,40}$")


class InvalidToken(Exception):
    """Not a token this system issued, or altered since."""


class CardClaims(msgspec.Struct, frozen=True):
    member_id: str
    card_number: str
    content_version: int
    issued_at: datetime

    def payload(self) -> bytes:
        for value in (self.member_id, self.card_number):
            if not _FIELD.match(value):
                raise ValueError(f"not a token field: {value!r}")
        seconds = int(self.issued_at.timestamp())
        return f"{FORMAT}|{self.member_id}|{self.card_number}|{self.content_version}|{seconds}".encode()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    """Strict: only the canonical encoding of some bytes is accepted."""
    if not _B64.match(text):
        raise InvalidToken("alphabet")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise InvalidToken("base64") from error
    if _b64encode(data) != text:
        raise InvalidToken("non-canonical base64")
    return data


def raw_signature(der: bytes) -> bytes:
    """KMS answers DER; the token holds r || s with s normalised low (both are valid)."""
    r, s = decode_dss_signature(der)
    if s > P256_ORDER // 2:
        s = P256_ORDER - s
    return r.to_bytes(_COMPONENT, "big") + s.to_bytes(_COMPONENT, "big")


def encode(claims: CardClaims, signature_der: bytes) -> str:
    return f"{_b64encode(claims.payload())}.{_b64encode(raw_signature(signature_der))}"


def decode(token: str, public_key: ec.EllipticCurvePublicKey) -> CardClaims:
    """The claims of a token whose signature verifies under `public_key`; raises InvalidToken."""
    if len(token) > 400 or token.count(".") != 1:
        raise InvalidToken("shape")
    payload_text, signature_text = token.split(".")
    payload, signature = _b64decode(payload_text), _b64decode(signature_text)
    if len(signature) != 2 * _COMPONENT:
        raise InvalidToken("signature length")
    r, s = int.from_bytes(signature[:_COMPONENT], "big"), int.from_bytes(signature[_COMPONENT:], "big")
    if not (0 < r < P256_ORDER and 0 < s <= P256_ORDER // 2):
        raise InvalidToken("signature range")
    try:
        public_key.verify(encode_dss_signature(r, s), payload, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise InvalidToken("signature") from error
    return _parse(payload)


def _parse(payload: bytes) -> CardClaims:
    try:
        fields = payload.decode("ascii").split("|")
    except UnicodeDecodeError as error:
        raise InvalidToken("payload") from error
    if len(fields) != 5 or fields[0] != FORMAT:
        raise InvalidToken("payload")
    _, member_id, card_number, version, seconds = fields
    if not (_FIELD.match(member_id) and _FIELD.match(card_number) and version.isdigit() and seconds.isdigit()):
        raise InvalidToken("payload")
    return CardClaims(member_id, card_number, int(version), datetime.fromtimestamp(int(seconds), UTC))
