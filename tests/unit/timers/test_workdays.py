"""REV-2: review deadlines are counted in Chinese working days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import chinese_calendar  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhtj.core.errors import ValidationError
from zhtj.timers.workdays import WorkdayCalendar, YearSchedule

CALENDAR = WorkdayCalendar()
# 2027 as an administrator might load it: New Year 01-01..01-03 plus an invented 01-04.
SCHEDULE_2027 = YearSchedule.from_ranges(2027, [(date(2027, 1, 1), date(2027, 1, 4))], [])


def package_deadline(start: date, n: int) -> date:
    """The expected answer, counted with chinese_calendar.is_workday alone."""
    day = start
    while n:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day):
            n -= 1
    return day


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.mark.parametrize(
    ("start", "deadline"),
    [
        (date(2018, 9, 28), date(2018, 10, 10)),  # 9-29 and 9-30 are 补班 weekends
        (date(2018, 9, 30), date(2018, 10, 12)),
    ],
)
def test_rev_2_deadline_skips_national_day_2018(start: date, deadline: date) -> None:
    assert CALENDAR.add_workdays(start, 5) == deadline == package_deadline(start, 5)


def test_rev_2_deadline_skips_spring_festival_2018() -> None:
    assert CALENDAR.add_workdays(date(2018, 2, 14), 5) == date(2018, 2, 27)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2018, 2, 5), date(2018, 3, 1)),  # Spring Festival 2018
        (date(2018, 9, 20), date(2018, 10, 12)),  # National Day 2018
        (date(2026, 2, 5), date(2026, 3, 1)),  # Spring Festival 2026
        (date(2026, 9, 20), date(2026, 10, 12)),  # National Day 2026
    ],
)
def test_rev_2_deadlines_agree_with_chinese_calendar_around_holidays(first: date, last: date) -> None:
    for start in days(first, last):
        for n in (1, 5, 20):
            assert CALENDAR.add_workdays(start, n) == package_deadline(start, n), (
                start,
                n,
            )


def test_rev_2_spring_festival_2026_makeup_saturday_counts() -> None:
    assert CALENDAR.is_workday(date(2026, 2, 14))
    assert CALENDAR.add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)


def test_rev_2_start_day_never_counts() -> None:
    friday = date(2025, 6, 6)
    assert CALENDAR.add_workdays(friday, 5) == date(2025, 6, 13)
    assert CALENDAR.add_workdays(datetime(2025, 6, 6, 23, 59), 5) == date(2025, 6, 13)
    assert CALENDAR.add_workdays(friday, 0) == friday


def test_rev_2_aware_datetimes_count_from_their_date_in_china() -> None:
    # 17:00 UTC on Monday 28 December is already Tuesday 01:00 in Beijing.
    late_utc = datetime(2026, 12, 28, 17, 0, tzinfo=UTC)
    assert CALENDAR.add_workdays(late_utc, 1) == date(2026, 12, 30)


def test_rev_2_unpublished_year_falls_back_to_weekdays() -> None:
    assert (CALENDAR.knows(2026), CALENDAR.knows(2027), CALENDAR.knows(2003)) == (
        "package",
        "fallback",
        "fallback",
    )
    assert CALENDAR.add_workdays(date(2026, 12, 28), 5) == date(2027, 1, 4)


def test_rev_2_loading_2027_moves_the_deadline_later() -> None:
    loaded = WorkdayCalendar({2027: SCHEDULE_2027})
    assert loaded.knows(2027) == "loaded"
    assert loaded.add_workdays(date(2026, 12, 28), 5) == date(2027, 1, 6)


def test_rev_2_loaded_schedule_wins_over_the_package() -> None:
    # Pretend 2018-10-08 joined National Day and Saturday 2018-10-13 was worked instead.
    amended = YearSchedule.from_ranges(2018, [(date(2018, 10, 1), date(2018, 10, 8))], [date(2018, 10, 13)])
    calendar = WorkdayCalendar({2018: amended})
    assert calendar.knows(2018) == "loaded"
    assert not calendar.is_workday(date(2018, 10, 8))
    assert calendar.is_workday(date(2018, 10, 13))
    assert not calendar.is_workday(date(2018, 9, 29))  # package's 补班 no longer applies


def test_rev_2_workdays_between() -> None:
    assert CALENDAR.workdays_between(date(2018, 9, 28), date(2018, 10, 10)) == 5
    assert CALENDAR.workdays_between(date(2018, 10, 1), date(2018, 10, 1)) == 0
    with pytest.raises(ValueError, match="end is before start"):
        CALENDAR.workdays_between(date(2018, 10, 2), date(2018, 10, 1))


def test_rev_2_negative_count_is_an_error() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        CALENDAR.add_workdays(date(2018, 10, 1), -1)


@given(
    start=st.dates(min_value=date(2004, 1, 1), max_value=date(2027, 12, 31)),
    n=st.integers(min_value=0, max_value=30),
)
def test_rev_2_workdays_between_inverts_add_workdays(start: date, n: int) -> None:
    calendar = WorkdayCalendar({2027: SCHEDULE_2027})
    deadline = calendar.add_workdays(start, n)
    assert calendar.workdays_between(start, deadline) == n
    assert n == 0 or calendar.is_workday(deadline)


@pytest.mark.parametrize(
    ("holiday_ranges", "makeup_days", "code"),
    [
        ([(date(2026, 12, 31), date(2027, 1, 2))], [], "SCHEDULE_DATE_OUTSIDE_YEAR"),
        ([], [date(2026, 12, 26)], "SCHEDULE_DATE_OUTSIDE_YEAR"),
        ([], [date(2027, 1, 8)], "SCHEDULE_MAKEUP_NOT_WEEKEND"),
        (
            [(date(2027, 2, 6), date(2027, 2, 12))],
            [date(2027, 2, 6)],
            "SCHEDULE_CONFLICT",
        ),
        ([(date(2027, 1, 3), date(2027, 1, 1))], [], "SCHEDULE_RANGE_REVERSED"),
    ],
)
def test_rev_2_schedule_validation(holiday_ranges: list[tuple[date, date]], makeup_days: list[date], code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        YearSchedule.from_ranges(2027, holiday_ranges, makeup_days)
    assert caught.value.code == code


def test_rev_2_weekend_holidays_are_allowed_and_irrelevant() -> None:
    schedule = YearSchedule.from_ranges(2027, [(date(2027, 1, 2), date(2027, 1, 3))], [])
    calendar = WorkdayCalendar({2027: schedule})
    assert [calendar.is_workday(d) for d in days(date(2027, 1, 1), date(2027, 1, 4))] == [
        True,
        False,
        False,
        True,
    ]


def test_rev_2_schedule_must_be_filed_under_its_year() -> None:
    with pytest.raises(ValueError, match="filed under 2026"):
        WorkdayCalendar({2026: SCHEDULE_2027})
