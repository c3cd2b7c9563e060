"""Time and identifiers. Everything that stamps a time or mints an id goes through here."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def now() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    """A time-ordered id: prefix + 10 chars of milliseconds + 6 random chars (base32)."""
    value = (int(time.time() * 1000) << 30) | secrets.randbits(30)
    chars = []
    for _ in range(16):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return prefix + "".join(reversed(chars))
