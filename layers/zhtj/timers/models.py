"""Table items of timers: Timer, CalendarYear."""

from __future__ import annotations

from pynamodb.attributes import (
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from zhtj.table.base import Item


class Timer(Item, discriminator="Timer"):
    """A deadline or a scheduled re-check: pk TIMER#<kind>#<subject>, sk META;
    gsi2 DUE#<China date>#<shard> / <time swept>#<kind>#<subject>.

    Timers are indexed by the day they fall due, spread over a few shards, and swept by a
    scheduled state machine, so a million open deadlines cost no open executions. A deadline
    with a reminder before it (MSG-1) is one item: filed at `remind_at` until the reminder is
    sent, then (the same item, `remind_at` removed) at `due_at`."""

    timer_kind = UnicodeAttribute()
    subject_id = UnicodeAttribute()
    due_at = UTCDateTimeAttribute()
    # For working-day deadlines: recomputed when a year's schedule is loaded.
    counted_from = UTCDateTimeAttribute(null=True)
    workdays = NumberAttribute(null=True)
    # The reminder before the deadline, while it is still to be sent (removed when it is);
    # remind_workdays: counted like the deadline, so that a recomputation moves it too.
    remind_at = UTCDateTimeAttribute(null=True)
    remind_workdays = NumberAttribute(null=True)
    # Set by the sweep that hands the timer to the worker, so that later sweeps do not hand
    # it over again while that message is in flight; attempts stop a timer that keeps failing.
    claimed_until = UTCDateTimeAttribute(null=True)
    attempts = NumberAttribute(default=0)


class CalendarYear(Item, discriminator="CalendarYear"):
    """A year's published holiday schedule loaded by the province: pk CALENDAR, sk YEAR#<year>."""

    year = NumberAttribute()
    holidays = UnicodeAttribute()  # ISO dates, comma-separated
    workdays = UnicodeAttribute()
    loaded_at = UTCDateTimeAttribute()
    loaded_by = UnicodeAttribute()
