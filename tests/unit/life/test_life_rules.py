"""LIFE-1's quarters and dates: pure, no AWS."""

from __future__ import annotations

from datetime import date

import pytest

from zhtj.core.errors import ValidationError
from zhtj.life import rules as life_rules


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 12, 5), ("2026Q3", date(2026, 7, 1), date(2026, 9, 30))),
        (date(2027, 1, 1), ("2026Q4", date(2026, 10, 1), date(2026, 12, 31))),
        (date(2026, 4, 1), ("2026Q1", date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 3, 31), ("2025Q4", date(2025, 10, 1), date(2025, 12, 31))),
    ],
)
def test_life_1_the_last_finished_quarter(today: date, expected: tuple[str, date, date]) -> None:
    assert life_rules.last_finished_quarter(today) == expected
    assert life_rules.quarter_of(expected[2]) == expected[0]


def test_life_1_a_meeting_is_recorded_once_held_and_within_a_year() -> None:
    today = date(2026, 12, 5)
    life_rules.check_held_on(today, today)
    life_rules.check_held_on(date(2025, 12, 5), today)
    for held_on, code in ((date(2026, 12, 6), "LIFE_DATE_FUTURE"), (date(2025, 12, 3), "LIFE_DATE_TOO_OLD")):
        with pytest.raises(ValidationError) as refused:
            life_rules.check_held_on(held_on, today)
        assert refused.value.code == code
