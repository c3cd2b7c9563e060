"""Timers (deadlines and scheduled re-checks), indexed by due day and swept on a schedule.

One Timer item per open deadline, written in the same transaction as the thing it times
(a registration's review, a failed real-name check) and deleted in the transaction that
settles it. The sweep (chalicefile.json: timer_sweep) fires the ones due.
"""

from __future__ import annotations

import zlib
from datetime import datetime

from zhtj.dal import keys
from zhtj.dal.models import Timer
from zhtj.dal.unit_of_work import UnitOfWork
from zhtj.domain.workdays import CHINA_TZ

REVIEW_DUE = "REVIEW_DUE"  # REV-2: 5 working days to review a registration
REALNAME_RECHECK = "REALNAME_RECHECK"  # REG-5: re-check a failed real-name check


def shard_of(subject_id: str) -> int:
    return zlib.crc32(subject_id.encode()) % keys.TIMER_SHARDS


def build(
    kind: str, subject_id: str, due_at: datetime, counted_from: datetime | None = None, workdays: int | None = None
) -> Timer:
    day = due_at.astimezone(CHINA_TZ).date().isoformat()
    return Timer(
        keys.timer_pk(kind, subject_id),
        keys.META,
        gsi2pk=keys.due_pk(day, shard_of(subject_id)),
        gsi2sk=f"{due_at.isoformat()}#{kind}#{subject_id}",
        timer_kind=kind,
        subject_id=subject_id,
        due_at=due_at,
        counted_from=counted_from,
        workdays=workdays,
    )


def schedule(
    uow: UnitOfWork,
    kind: str,
    subject_id: str,
    due_at: datetime,
    counted_from: datetime | None = None,
    workdays: int | None = None,
) -> None:
    """Add (or move) a timer within the caller's transaction."""
    uow.put(build(kind, subject_id, due_at, counted_from, workdays))


def cancel(uow: UnitOfWork, kind: str, subject_id: str) -> None:
    """Remove a timer within the caller's transaction (nothing if it already fired)."""
    uow.delete(Timer(keys.timer_pk(kind, subject_id), keys.META))
