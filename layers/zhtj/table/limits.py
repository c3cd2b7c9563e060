"""Rate limits kept in the table: fixed windows counted with ADD on condition that the limit is
not reached, gone by TTL after the window (ACCT-3: SMS codes per phone and per caller, wrong
passwords per login).

A `Limit` names a window length and how many hits it allows. `hit` counts one hit against
several limits at once, all or nothing (one transaction), and raises the first refused limit's
error; `reached` reads whether a limit is full without counting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.attributes import NumberAttribute

from zhtj.core.clock import now
from zhtj.core.errors import DomainError
from zhtj.table import keys
from zhtj.table.base import Item
from zhtj.table.unit_of_work import SYSTEM_ACTOR, Actor, UnitOfWork


class LimitCounter(Item, discriminator="LimitCounter"):
    """Hits of one subject in one window of a limit: pk LIMIT#<name>#<subject>#<window start>,
    sk META; expires (TTL) when the window ends."""

    hits = NumberAttribute(default=0)


@dataclass(frozen=True)
class Limit:
    name: str
    window: timedelta
    allowed: int
    refusal: DomainError

    def _start(self, at: datetime) -> int:
        seconds = int(self.window.total_seconds())
        return int(at.timestamp()) // seconds * seconds

    def counter(self, subject: str, at: datetime) -> LimitCounter:
        start = self._start(at)
        return LimitCounter(keys.limit_pk(self.name, subject, start), keys.META)

    def expiry(self, at: datetime) -> datetime:
        return datetime.fromtimestamp(self._start(at), at.tzinfo) + self.window


def add_hits(uow: UnitOfWork, checks: list[tuple[Limit, str]]) -> None:
    """Count one hit of each (limit, subject) in `uow`, each on condition its limit is not
    reached (the transaction then fails with that limit's refusal)."""
    at = now()
    for limit, subject in checks:
        counter = limit.counter(subject, at)
        uow.update(
            counter,
            [
                LimitCounter.kind.set(LimitCounter),  # the first hit creates the item
                LimitCounter.hits.add(1),
                LimitCounter.expires_at.set(limit.expiry(at)),
            ],
            condition=LimitCounter.hits.does_not_exist() | (LimitCounter.hits < limit.allowed),
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
        return int(LimitCounter.get(counter.pk, counter.sk, consistent_read=True).hits)
    except LimitCounter.DoesNotExist:
        return 0


def clear(limit: Limit, subject: str) -> None:
    """Forget the current window's hits (a right password after wrong ones)."""
    counter = limit.counter(subject, now())
    counter.delete()
