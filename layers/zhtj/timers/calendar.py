"""The working-day calendar in force: chinesecalendar, overridden by year schedules the
province has loaded as data (a year the package does not know yet, REV-2)."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time

from zhtj.table import keys
from zhtj.timers.models import CalendarYear
from zhtj.timers.workdays import CHINA_TZ, WorkdayCalendar, YearSchedule

_CACHE_SECONDS = 60.0
_cached: tuple[float, WorkdayCalendar] | None = None


def _schedule(item: CalendarYear) -> YearSchedule:
    def dates(text: str) -> frozenset[date]:
        return frozenset(date.fromisoformat(d) for d in text.split(",") if d)

    return YearSchedule(year=int(item.year), holidays=dates(item.holidays), workdays=dates(item.workdays))


def current() -> WorkdayCalendar:
    """The calendar with every loaded year (re-read at most once a minute per process)."""
    global _cached
    if _cached is None or time.monotonic() - _cached[0] > _CACHE_SECONDS:
        loaded = [i for i in CalendarYear.query(keys.CALENDAR_PK) if isinstance(i, CalendarYear)]
        _cached = (time.monotonic(), WorkdayCalendar({int(i.year): _schedule(i) for i in loaded}))
    return _cached[1]


def forget() -> None:
    """Drop the cached calendar (after a year is loaded)."""
    global _cached
    _cached = None


def end_of_workday(day: date) -> datetime:
    """A deadline day ends at midnight China time."""
    return datetime.combine(day + timedelta(days=1), clock_time(0), CHINA_TZ)
