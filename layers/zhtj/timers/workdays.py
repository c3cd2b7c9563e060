"""Chinese working days (工作日), for deadlines in working days (REV-2, REG-7, AWARD-2).

Which source decides a year, in order: a schedule loaded as data by an administrator,
then the ``chinesecalendar`` package, then plain Monday-Friday for a year nobody has
published yet (so that a deadline in late December can reach into January).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from typing import Literal

import chinese_calendar
import msgspec

from zhtj.core.clock import CHINA_TZ as CHINA_TZ
from zhtj.core.errors import ValidationError

Source = Literal["loaded", "package", "fallback"]


class YearSchedule(msgspec.Struct, frozen=True):
    """One year's published holiday arrangement (放假安排).

    ``holidays`` are days off; only those on weekdays change anything, so weekend days
    in them are allowed and ignored. ``workdays`` are weekend days worked (补班).
    Raises ValidationError on construction: SCHEDULE_DATE_OUTSIDE_YEAR,
    SCHEDULE_MAKEUP_NOT_WEEKEND, SCHEDULE_CONFLICT.
    """

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]

    def __post_init__(self) -> None:
        for field, days in (("holidays", self.holidays), ("workdays", self.workdays)):
            for day in sorted(days):
                if day.year != self.year:
                    raise ValidationError(
                        "SCHEDULE_DATE_OUTSIDE_YEAR",
                        f"{day.isoformat()} 不在 {self.year} 年内",
                        field,
                    )
        for day in sorted(self.workdays):
            if day.weekday() < 5:
                raise ValidationError(
                    "SCHEDULE_MAKEUP_NOT_WEEKEND",
                    f"补班日 {day.isoformat()} 不是周六或周日",
                    "workdays",
                )
        conflicts = sorted(self.holidays & self.workdays)
        if conflicts:
            raise ValidationError(
                "SCHEDULE_CONFLICT",
                f"{conflicts[0].isoformat()} 既是放假日又是补班日",
                "workdays",
            )

    @classmethod
    def from_ranges(
        cls,
        year: int,
        holiday_ranges: Iterable[tuple[date, date]],
        makeup_days: Iterable[date],
    ) -> YearSchedule:
        """Take a year, inclusive (first, last) holiday ranges, makeup days; return it.

        Raises ValidationError SCHEDULE_RANGE_REVERSED if a range ends before it starts,
        and whatever the constructor raises.
        """
        holidays: set[date] = set()
        for first, last in holiday_ranges:
            if last < first:
                raise ValidationError(
                    "SCHEDULE_RANGE_REVERSED",
                    f"放假区间 {first.isoformat()}～{last.isoformat()} 结束早于开始",
                    "holidays",
                )
            holidays.update(first + timedelta(days=i) for i in range((last - first).days + 1))
        return cls(year, frozenset(holidays), frozenset(makeup_days))


@cache
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@cache
def _package_workday(day: date) -> bool:
    """chinesecalendar's answer for a day of a year it knows. Remembered: the package's tables
    never change in a process, and each of its answers first scans them whole to check the date
    is within them (an import's rows, every registration's deadlines ask for the same days)."""
    return bool(chinese_calendar.is_workday(day))


def _as_date(moment: date | datetime) -> date:
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(CHINA_TZ)
        return moment.date()
    return moment


class WorkdayCalendar:
    """Decides whether a day is a working day in China, and counts working days.

    A datetime stands for its date in China: an aware one is converted to UTC+8 first,
    a naive one is taken as China local time.
    """

    def __init__(self, schedules: Mapping[int, YearSchedule] | None = None) -> None:
        """Take loaded schedules keyed by year.

        Raises ValueError if a key is not its schedule's year.
        """
        self._schedules = dict(schedules or {})
        for year, schedule in self._schedules.items():
            if schedule.year != year:
                raise ValueError(f"schedule for {schedule.year} filed under {year}")

    def knows(self, year: int) -> Source:
        """Take a year; return which source decides its working days."""
        if year in self._schedules:
            return "loaded"
        return "package" if _package_knows(year) else "fallback"

    def is_workday(self, day: date | datetime) -> bool:
        """Take a day; return True if people work on it in China."""
        day = _as_date(day)
        schedule = self._schedules.get(day.year)
        if schedule is not None:
            if day in schedule.workdays:
                return True
            return day.weekday() < 5 and day not in schedule.holidays
        if _package_knows(day.year):
            return _package_workday(day)
        return day.weekday() < 5

    def add_workdays(self, start: date | datetime, n: int) -> date:
        """Take a start moment and n >= 0; return the n-th working day after its date.

        The start day itself never counts, whatever the hour: something submitted on
        Friday with a 5-working-day deadline is due by the end of the following Friday
        in a normal week. n = 0 returns the start date. Raises ValueError if n < 0.
        """
        if n < 0:
            raise ValueError("add_workdays: n must not be negative")
        day = _as_date(start)
        while n:
            day += timedelta(days=1)
            if self.is_workday(day):
                n -= 1
        return day

    def workdays_between(self, start: date | datetime, end: date | datetime) -> int:
        """Take two moments; return the working days in (start date, end date].

        The inverse of add_workdays: workdays_between(s, add_workdays(s, n)) == n.
        Raises ValueError if the end date is before the start date.
        """
        first, last = _as_date(start), _as_date(end)
        if last < first:
            raise ValueError("workdays_between: end is before start")
        return sum(self.is_workday(first + timedelta(days=i)) for i in range(1, (last - first).days + 1))
