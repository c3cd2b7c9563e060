"""Timers (deadlines and scheduled re-checks), indexed by due day and swept on a schedule.

One Timer item per open deadline, written in the same transaction as the thing it times
(a registration's review, a failed real-name check) and deleted in the transaction that
settles it. A deadline with a reminder before it (MSG-1) is the same one item, filed first at
the reminder's moment and re-filed at the deadline by the firing that sends the reminder. The
sweep (chalicefile.json: timer_sweep) fires the ones due; what firing does is in
deadlines/service.py.
"""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from zhtj.core import clock
from zhtj.core.errors import ConflictError
from zhtj.table import executions, keys
from zhtj.table.base import Item
from zhtj.table.unit_of_work import UnitOfWork
from zhtj.timers import calendar
from zhtj.timers.models import Timer
from zhtj.timers.workdays import CHINA_TZ

# REV-2: 5 working days to review a registration; MSG-1: its reminder, the branch told one
# working day before (the same timer, filed at the reminder first).
REVIEW_DUE = "REVIEW_DUE"
REALNAME_RECHECK = "REALNAME_RECHECK"  # REG-5: re-check a failed real-name check
REG7_DUE = "REG7_DUE"  # REG-7: 5 working days from the admitting meeting to registration
DUES_ORDER_EXPIRY = "DUES_ORDER_EXPIRY"  # DUES: an unpaid order past its pay-by time (dues/closing.expire)
ADMISSION_WORKDAYS = 5  # REG-7

# The sweep looks back this many days, so that a timer missed by a failed sweep (or moved
# into the past by a recomputation) is still fired.
SWEEP_DAYS = 7
# The state machine (chalicefile.json) that fans a sweep out to the shards.
SWEEP_MACHINE = "timer_sweep"
# A claimed timer is not handed out again for this long: longer than the timers queue takes
# to give up on a message (visibility timeout x max receives).
CLAIM = timedelta(minutes=45)
# A timer whose firing failed this many times (each after the queue's own retries) waits in
# the DLQ for an operator instead of being handed out every sweep.
MAX_ATTEMPTS = 3
# The on_fail of a timer's own guard (a firing that lost to an answer, another firing or a
# recomputation): the caller drops the work, nothing to report.
LOST_RACE = ConflictError("TIMER_RACE", "", None)


def stamp(moment: datetime) -> str:
    """A moment as a fixed-width UTC string, so that sort keys compare as times do."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def shard_of(subject_id: str) -> int:
    return zlib.crc32(subject_id.encode()) % keys.TIMER_SHARDS


def overdue_pk(org_id: str) -> str:
    """gsi2 of an escalated registration: the overdue list of the organisation it went to (REV-2)."""
    return f"OVERDUE#{org_id}"


def index_keys(kind: str, subject_id: str, due_at: datetime, not_before: datetime | None = None) -> tuple[str, str]:
    """gsi2 keys of a timer: the day and time it is swept, max(due, not_before) (a deadline
    already past when it is filed must still land where the sweep looks)."""
    swept_at = max(due_at, not_before) if not_before is not None else due_at
    day = swept_at.astimezone(CHINA_TZ).date().isoformat()
    return keys.due_pk(day, shard_of(subject_id)), f"{stamp(swept_at)}#{kind}#{subject_id}"


def build(
    kind: str,
    subject_id: str,
    due_at: datetime,
    counted_from: datetime | None = None,
    workdays: int | None = None,
    not_before: datetime | None = None,
    remind_at: datetime | None = None,
    remind_workdays: int | None = None,
) -> Timer:
    """A timer; with `remind_at` (before `due_at`), filed at the reminder first."""
    gsi2pk, gsi2sk = index_keys(kind, subject_id, remind_at or due_at, not_before)
    return Timer(
        keys.timer_pk(kind, subject_id),
        keys.META,
        gsi2pk=gsi2pk,
        gsi2sk=gsi2sk,
        timer_kind=kind,
        subject_id=subject_id,
        due_at=due_at,
        counted_from=counted_from,
        workdays=workdays,
        remind_at=remind_at,
        remind_workdays=remind_workdays,
    )


def schedule(
    uow: UnitOfWork,
    kind: str,
    subject_id: str,
    due_at: datetime,
    counted_from: datetime | None = None,
    workdays: int | None = None,
    not_before: datetime | None = None,
    remind_at: datetime | None = None,
    remind_workdays: int | None = None,
) -> None:
    """Add (or move) a timer within the caller's transaction. Working-day deadlines pass
    counted_from and workdays (and remind_workdays for their reminder), so that loading a
    year's schedule can recompute them. A reminder (`remind_at`) makes the timer fire twice:
    at the reminder (refile_at_deadline), then at the deadline."""
    uow.put(build(kind, subject_id, due_at, counted_from, workdays, not_before, remind_at, remind_workdays))


def cancel(uow: UnitOfWork, kind: str, subject_id: str) -> None:
    """Remove a timer, and its reminder with it, within the caller's transaction (nothing if it
    already fired)."""
    uow.delete(Timer(keys.timer_pk(kind, subject_id), keys.META))


def next_moment(timer: Timer) -> datetime:
    """When the sweep fires a timer next: at its reminder while that is still to be sent, else
    at its deadline."""
    return timer.remind_at if timer.remind_at is not None else timer.due_at


def reminding(timer: Timer, now: datetime) -> bool:
    """Whether a firing at `now` is the timer's reminder: one still to be sent, before the
    deadline (a reminder missed until its deadline has passed is moot: the deadline fires)."""
    return timer.remind_at is not None and now < timer.due_at


def refile_at_deadline(uow: UnitOfWork, timer: Timer) -> None:
    """Within the transaction that sends a timer's reminder: the same item is filed at its
    deadline, its reminder marked sent (removed), free for the sweep to hand out again. On
    condition that it is as read: a redelivered or racing firing, or a recomputation meanwhile,
    fails the caller's transaction with LOST_RACE (and sends nothing)."""
    gsi2pk, gsi2sk = index_keys(timer.timer_kind, timer.subject_id, timer.due_at, not_before=clock.now())
    uow.update(
        timer,
        [
            Timer.remind_at.remove(),
            Timer.gsi2pk.set(gsi2pk),
            Timer.gsi2sk.set(gsi2sk),
            Timer.claimed_until.remove(),
            Timer.attempts.set(0),
        ],
        condition=(Timer.remind_at == timer.remind_at) & (Timer.due_at == timer.due_at),
        on_fail=LOST_RACE,
    )


def schedule_review(uow: UnitOfWork, registration_id: str, submitted: datetime, workdays: int) -> datetime:
    """REV-2 and MSG-1, within the registration's write: one timer for the review's deadline
    (the end of the `workdays`-th working day after submission) and its reminder one working day
    before it (the end of the working day before; none for a one-day deadline). Both moments are
    counted in working days, moved when a year's schedule is loaded. Returns the deadline."""
    days = calendar.current()
    due = calendar.end_of_workday(days.add_workdays(submitted, workdays))
    near, near_workdays = None, None
    if workdays > 1:
        near_workdays = workdays - 1
        near = calendar.end_of_workday(days.add_workdays(submitted, near_workdays))
    schedule(uow, REVIEW_DUE, registration_id, due, submitted, workdays, None, near, near_workdays)
    return due


def cancel_review(uow: UnitOfWork, registration_id: str) -> None:
    """The review is settled (approved, returned, withdrawn, superseded): its timer (the deadline
    and the reminder) goes, within the caller's transaction: one delete."""
    cancel(uow, REVIEW_DUE, registration_id)


def track_admission_window(uow: UnitOfWork, registration_id: str, admitted_on: date) -> datetime:
    """REG-7, within the registration's write: a timer at the end of the 5 working days after
    the admitting branch meeting. When it fires, the window is counted again with the calendar
    then in force and the registration marked late or not. Returns the window's end."""
    counted_from = datetime.combine(admitted_on, clock_time(0), CHINA_TZ)
    due = calendar.end_of_workday(calendar.current().add_workdays(counted_from, ADMISSION_WORKDAYS))
    # Already past (registered late): swept at once rather than filed under a day long gone.
    schedule(uow, REG7_DUE, registration_id, due, counted_from, ADMISSION_WORKDAYS, not_before=clock.now())
    return due


def clear_overdue_actions() -> list[Action]:
    """Update actions that take an item off the overdue list (REV-2: its gsi2 keys, which every
    Item declares): the caller adds them to a registration's update when it is approved,
    returned, withdrawn or superseded. escalated_to stays, as the record of who could review it."""
    return [Item.gsi2pk.remove(), Item.gsi2sk.remove()]


# --- The sweep ---------------------------------------------------------------------------------


def sweep_days(now: datetime) -> list[str]:
    """The China dates a sweep at `now` looks at: the last SWEEP_DAYS days up to today."""
    today = now.astimezone(CHINA_TZ).date()
    return [(today - timedelta(days=n)).isoformat() for n in range(SWEEP_DAYS - 1, -1, -1)]


def start_sweep() -> str:
    """Schedule: start one execution of the sweep (whatever the number of open timers); its
    shards reach the timer worker (zhtj.deadlines.service) through the timers queue."""
    now = clock.now()
    name = f"sweep-{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
    return executions.start(SWEEP_MACHINE, sweep_input(now), name)


def sweep_input(now: datetime, wait_seconds: int = 0) -> dict[str, Any]:
    """The timer_sweep state machine's input."""
    return {
        "now": now.isoformat(),
        "shards": list(range(keys.TIMER_SHARDS)),
        "days": sweep_days(now),
        "wait_seconds": wait_seconds,
    }


def due(shard: int, days: list[str], now: datetime) -> Iterator[Timer]:
    """The timers of one shard swept at or before `now`, day by day (GSI: eventually consistent,
    which a timer tolerates: one written a moment ago is picked up by the next sweep)."""
    upper = f"{stamp(now)}#~"  # '~' sorts after every kind and subject character
    for day in days:
        for item in Timer.by_gsi2.query(keys.due_pk(day, shard), Timer.gsi2sk <= upper):
            if isinstance(item, Timer):
                yield item


def claim(timer: Timer, now: datetime) -> bool:
    """Take a due timer for one firing message; False if another sweep has it in flight or it
    has failed MAX_ATTEMPTS times."""
    free = Timer.claimed_until.does_not_exist() | (Timer.claimed_until < now)
    try:
        timer.update(
            actions=[Timer.claimed_until.set(now + CLAIM), Timer.attempts.add(1)],
            condition=Timer.pk.exists() & free & (Timer.attempts.does_not_exist() | (Timer.attempts < MAX_ATTEMPTS)),
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
