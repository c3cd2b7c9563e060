"""A rate shared by every process: at most `limit` takes per window (a second by default), all
concurrent workers together. An outside provider's limit (REG-5's real-name checks: 20 a
second) is kept by taking a turn here before each call.

One item per budget and window (pk RATE#<budget>#<window start>, sk META): a take is one
UpdateItem that ADDs 1 on condition that the window's count is below the limit, so concurrent
takers never overshoot; a refused take costs a write unit and changes nothing. The item
expires by TTL a day later. Windows follow the clock (zhtj.core.clock.now) in epoch seconds.
"""

from __future__ import annotations

import time
from datetime import timedelta

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import UpdateError

from zhtj.core.clock import now
from zhtj.table import keys
from zhtj.table.base import Item

KEEP = timedelta(days=1)


class RateWindow(Item, discriminator="RateWindow"):
    """One window of a rate budget: pk RATE#<budget>#<window start, epoch seconds>, sk META;
    `used` takes so far. Gone by TTL a day later."""

    used = NumberAttribute(default=0)


def take(budget: str, limit: int, window_seconds: int = 1) -> bool:
    """Take one turn in the current window of `budget`; False when its `limit` is spent, or when
    the window closed while the turn was being taken (a stale turn would land in the next
    window's second at the provider: the caller takes one there instead)."""
    at = now()
    start = int(at.timestamp()) // window_seconds * window_seconds
    window = RateWindow(keys.rate_window_pk(budget, start), keys.META)
    try:
        window.update(
            actions=[
                RateWindow.kind.set(RateWindow),  # the first take of the window creates the item
                RateWindow.used.add(1),
                RateWindow.expires_at.set(at + KEEP),
            ],
            condition=RateWindow.used.does_not_exist() | (RateWindow.used < limit),
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return now().timestamp() < start + window_seconds


def seconds_to_next_window(window_seconds: int = 1) -> float:
    at = now().timestamp()
    return window_seconds - at % window_seconds


def take_or_wait(budget: str, limit: int, max_wait_seconds: float, window_seconds: int = 1) -> bool:
    """Take a turn, waiting for the next windows while the current one is spent, at most
    `max_wait_seconds` in all; False when no turn came in that time (the caller retries later)."""
    deadline = time.monotonic() + max_wait_seconds
    while True:
        window = _window_start(window_seconds)
        if take(budget, limit, window_seconds):
            return True
        if _window_start(window_seconds) != window:
            continue  # the window closed meanwhile: the new one has just begun, try it at once
        pause = seconds_to_next_window(window_seconds)
        if time.monotonic() + pause > deadline:
            return False
        time.sleep(pause)


def _window_start(window_seconds: int) -> int:
    return int(now().timestamp()) // window_seconds * window_seconds
