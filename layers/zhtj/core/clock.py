"""Time and identifiers. Everything that stamps a time or mints an id goes through here."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, date, datetime, timedelta, timezone

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def now() -> datetime:
    return datetime.now(UTC)


# China Standard Time: dates, months, working days and ages are counted in it. China has kept
# UTC+8 without daylight saving since 1991, so a fixed offset is exact and spares the Lambda
# runtime a tz database.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def today_in_china() -> date:
    """Today's date in China (deadlines, months and ages are counted in China dates)."""
    return now().astimezone(CHINA_TZ).date()


def _base32(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A time-ordered id: prefix + 10 chars of milliseconds + 6 random chars (base32)."""
    return prefix + _base32((int(time.time() * 1000) << 30) | secrets.randbits(30), 16)


def time_part(milliseconds: int) -> str:
    """The 10 characters with which new_id encodes a moment (for ids derived from a key)."""
    return _base32(milliseconds, 10)
