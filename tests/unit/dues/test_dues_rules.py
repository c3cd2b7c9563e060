"""DUES-1, DUES-2 as pure rules: months owed, the standard's amounts, the split down the chain."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhtj.core.errors import ValidationError
from zhtj.dues import rules as r


def _versions() -> list[r.StandardVersion]:
    return [r.StandardVersion(s["valid_from"], s["valid_until"], r.parse_rules(s["rules"])) for s in r.SEED_STANDARDS]


def test_dues_1_months_owed_from_admission_to_last_month() -> None:
    # Given a member admitted in 2024-11 who never paid; When today is 2025-02-10
    owed = r.owed_months("2024-11", None, date(2025, 2, 10))
    # Then November to January are owed (not February, the month still running)
    assert owed == ["2024-11", "2024-12", "2025-01"]


def test_dues_1_months_owed_after_last_paid_and_never_before_online_collection() -> None:
    assert r.owed_months("2024-11", "2025-01", date(2025, 2, 1)) == []
    assert r.owed_months("2024-11", "2024-12", date(2025, 2, 1)) == ["2025-01"]
    # DUES-1: online collection began in September 2018; earlier months are not billed.
    assert r.owed_months("2010-05", None, date(2018, 12, 1)) == ["2018-09", "2018-10", "2018-11"]
    # A member who left in 2025-01 owes nothing after that month.
    assert r.owed_months("2024-12", None, date(2025, 6, 1), left_on=date(2025, 1, 20)) == ["2024-12", "2025-01"]
    assert r.owed_months(None, None, date(2025, 6, 1)) == []


def test_dues_2_the_2016_standard_amounts() -> None:
    # Given
    versions = _versions()
    # When
    rules = r.version_for(versions, "2025-03").rules
    # Then
    assert rules["STUDENT"].monthly_fen(None) == 20  # 0.2 yuan
    assert rules["UNEMPLOYED"].monthly_fen(None) == 20
    assert rules["RELIEF"].monthly_fen(None) == 20
    assert rules["BELOW_2000"].monthly_fen(None) == 300  # 3 yuan
    # 2,000 yuan or more: income x 2 per mille, truncated to whole yuan, at most 20 yuan.
    assert rules["FROM_2000"].monthly_fen(None) == 400
    assert rules["FROM_2000"].monthly_fen(499_999) == 900  # 4999.99 yuan -> 9.99 -> 9 yuan
    assert rules["FROM_2000"].monthly_fen(5_000_000) == 2000  # capped
    assert 20 <= rules["FARMER"].monthly_fen(None) <= 100


def test_dues_2_the_standard_is_dated_data() -> None:
    versions = _versions()
    assert r.version_for(versions, "2015-12").rules["STUDENT"].monthly_fen(None) == 10  # the older 0.1 yuan
    assert r.version_for(versions, "2016-01").rules["STUDENT"].monthly_fen(None) == 20
    assert r.month_amounts(versions, ["2015-12", "2016-01"], "STUDENT", None) == [10, 20]
    with pytest.raises(ValidationError):
        r.version_for(versions, "1980-01")


def test_dues_2_an_edited_standard_is_checked() -> None:
    # Given
    good = dict(r.STANDARD_2016["rules"])
    # When / Then
    with pytest.raises(ValidationError, match="缺少"):
        r.parse_rules({k: v for k, v in good.items() if k != "FARMER"})
    with pytest.raises(ValidationError):
        r.parse_rules({**good, "FARMER": {"fixed_fen": 150, "local_min_fen": 20, "local_max_fen": 100}})
    with pytest.raises(ValidationError):
        r.parse_rules({**good, "STUDENT": {"fixed_fen": -1}})
    with pytest.raises(ValidationError):
        r.parse_rules({**good, "STUDENT": {"fixed_fen": 20, "permille": 2}})
    assert r.parse_rules({**good, "FARMER": {"fixed_fen": 100, "local_min_fen": 20, "local_max_fen": 100}})


def test_dues_2_category_from_income_band_or_occupation() -> None:
    assert r.category_of("FROM_2000", "学生") == "FROM_2000"
    assert r.category_of(None, "在校学生") == "STUDENT"
    assert r.category_of(None, "农民") == "FARMER"
    assert r.category_of(None, "待业") == "UNEMPLOYED"
    assert r.category_of(None, None) == "BELOW_2000"


@given(
    amount=st.integers(min_value=0, max_value=10**9),
    shares=st.lists(st.integers(min_value=0, max_value=r.FULL_BP), min_size=1, max_size=8),
)
def test_dues_2_split_is_exact_and_deterministic(amount: int, shares: list[int]) -> None:
    # Given / When
    kept = r.split(amount, shares)
    # Then
    assert sum(kept) == amount
    assert all(k >= 0 for k in kept)
    assert kept == r.split(amount, shares)
    # Each level above the last keeps its share (rounded down) of what reaches it.
    left = amount
    for k, bp in zip(kept[:-1], shares[:-1], strict=True):
        assert k == left * bp // r.FULL_BP
        left -= k


def test_dues_2_split_with_the_older_rule() -> None:
    # Province 9.5 % of all, city 12.5 %, county 25 %, grassroots the rest, as shares of what reaches each.
    assert r.split(10_000, [950, 1382, 3206, 10_000]) == [950, 1250, 2500, 5300]
