"""Rates kept in the table, shared by every process: counters of fixed windows, each an item
that one UpdateItem ADDs to on condition that the window's count is below its limit (so that
concurrent callers never overshoot), gone by TTL after the window.

- Limits per subject (ACCT-3: SMS codes per phone and per caller, wrong passwords per login):
  a `Limit` names a window length, how many hits it allows and its refusal; `hit` counts one
  hit against several limits at once, all or nothing (one transaction), and raises the first
  refused limit's error; `hits` reads a window's count.
- Budgets (REG-5: the real-name provider's 20 checks a second, all workers together): `take`
  takes one turn in the current second, `take_or_wait` waits for the next seconds a while,
  `take_many` takes a batch's turns in one request.

One item per counter and window: pk RATE#<counter>#<window start, epoch seconds>, sk META.
Windows follow the clock (zhtj.core.clock.now).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import msgspec
from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import UpdateError

from zhtj.core.clock import now
from zhtj.core.errors import DomainError
from zhtj.table import keys
from zhtj.table.base import Item
from zhtj.table.unit_of_work import SYSTEM_ACTOR, Actor, UnitOfWork

KEEP = timedelta(days=1)  # how long a budget's window is kept


class RateWindow(Item, discriminator="RateWindow"):
    """One window of a rate: pk RATE#<counter>#<window start, epoch seconds>, sk META; `used`
    so far. Gone by TTL (a budget's a day later, a limit's when its window ends)."""

    used = NumberAttribute(default=0)


class Limit(msgspec.Struct, frozen=True):
    """At most `allowed` hits per subject in each `window`; `refusal` once reached."""

    name: str
    window: timedelta
    allowed: int
    refusal: DomainError

    def _start(self, at: datetime) -> int:
        seconds = int(self.window.total_seconds())
        return int(at.timestamp()) // seconds * seconds

    def counter(self, subject: str, at: datetime) -> RateWindow:
        return RateWindow(keys.rate_window_pk(f"{self.name}#{subject}", self._start(at)), keys.META)

    def expiry(self, at: datetime) -> datetime:
        return datetime.fromtimestamp(self._start(at), at.tzinfo) + self.window


def add_hits(uow: UnitOfWork, checks: list[tuple[Limit, str]]) -> None:
    """Count one hit of each (limit, subject) in `uow`, each on condition its limit is not
    reached (the transaction then fails with that limit's refusal)."""
    at = now()
    for limit, subject in checks:
        uow.update(
            limit.counter(subject, at),
            [
                RateWindow.kind.set(RateWindow),  # the first hit creates the item
                RateWindow.used.add(1),
                RateWindow.expires_at.set(limit.expiry(at)),
            ],
            condition=RateWindow.used.does_not_exist() | (RateWindow.used < limit.allowed),
            on_fail=limit.refusal,
            versioned=False,
        )


def hit(checks: list[tuple[Limit, str]], actor: Actor = SYSTEM_ACTOR) -> None:
    """Count one hit against every (limit, subject), all or nothing. Raises the refusal of a
    limit already reached."""
    uow = UnitOfWork(actor)
    add_hits(uow, checks)
    uow.commit()


def hits(limit: Limit, subject: str) -> int:
    """Hits counted so far in the current window."""
    counter = limit.counter(subject, now())
    try:
        return int(RateWindow.get(counter.pk, counter.sk, consistent_read=True).used)
    except RateWindow.DoesNotExist:
        return 0


def clear(limit: Limit, subject: str) -> None:
    """Forget the current window's hits (a right password after wrong ones)."""
    limit.counter(subject, now()).delete()


# --- Budgets ---


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


def take_many(budget: str, wanted: int, limit: int, window_seconds: int = 1) -> int:
    """Take up to `wanted` turns at once in the current window of `budget` (a batch's checks):
    one UpdateItem that ADDs `wanted` and returns the new count, so that the turns are numbered
    and only those up to `limit` are given: how many. The count may pass the limit (a refused
    single `take` then, as it should); the turns given never do, whoever takes at the same time.
    0 when the window closed while they were being taken (as `take`)."""
    if wanted <= 0:
        return 0
    at = now()
    start = int(at.timestamp()) // window_seconds * window_seconds
    window = RateWindow(keys.rate_window_pk(budget, start), keys.META)
    window.update(
        actions=[
            RateWindow.kind.set(RateWindow),
            RateWindow.used.add(wanted),
            RateWindow.expires_at.set(at + KEEP),
        ]
    )
    if now().timestamp() >= start + window_seconds:
        return 0
    before = int(window.used) - wanted
    return max(0, min(wanted, limit - before))


def seconds_to_next_window(window_seconds: int = 1) -> float:
    at = now().timestamp()
    return window_seconds - at % window_seconds


def take_or_wait(budget: str, limit: int, max_wait_seconds: float, window_seconds: int = 1) -> bool:
    """Take a turn, waiting for the next windows while the current one is spent, at most
    `max_wait_seconds` in all; False when no turn came in that time (the caller retries later)."""
    deadline = time.monotonic() + max_wait_seconds
    while True:
        window = window_start(window_seconds)
        if take(budget, limit, window_seconds):
            return True
        if window_start(window_seconds) != window:
            continue  # the window closed meanwhile: the new one has just begun, try it at once
        pause = seconds_to_next_window(window_seconds)
        if time.monotonic() + pause > deadline:
            return False
        time.sleep(pause)


def window_start(window_seconds: int = 1) -> int:
    """The current window's first second (epoch seconds)."""
    return int(now().timestamp()) // window_seconds * window_seconds
