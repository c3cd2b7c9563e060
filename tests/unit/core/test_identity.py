"""REG-2: resident ID numbers are checked as GB 11643-1999 defines them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhtj.core.errors import ValidationError
from zhtj.core.identity import (
    EARLIEST_BIRTH,
    IdentityFacts,
    age_on,
    birth_month,
    check_character,
    mask_id_number,
    normalize_id_number,
    parse_id_number,
    remask,
    remask_text,
)

TODAY = date(2025, 6, 1)


def with_check(body17: str) -> str:
    return body17 + check_character(body17)


def refusal(raw: str, today: date | None = TODAY) -> str:
    with pytest.raises(ValidationError) as caught:
        normalize_id_number(raw, today)
    assert caught.value.field == "id_number"
    return caught.value.code


@pytest.mark.parametrize("id18", ["11010519491231002X", "440524188001010014"])
def test_reg_2_checksum_accepts_the_standards_examples(id18: str) -> None:
    assert normalize_id_number(id18, TODAY) == id18


def test_reg_2_parse_derives_birth_date_and_sex() -> None:
    assert parse_id_number("11010519491231002X", TODAY) == IdentityFacts(
        id_number="11010519491231002X",
        birth_date=date(1949, 12, 31),
        sex="F",
        region_code="110105",
        is_permit=False,
    )
    facts = parse_id_number("440524188001010014", TODAY)
    assert (facts.birth_date, facts.sex) == (date(1880, 1, 1), "M")


def test_reg_2_legacy_15_digit_form_is_converted() -> None:
    assert normalize_id_number("110105491231002") == "11010519491231002X"


def test_reg_2_spaces_full_width_and_lower_case_x_are_folded() -> None:
    assert normalize_id_number(" 110105 19491231 002x\t") == "11010519491231002X"
    assert normalize_id_number("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"
    assert normalize_id_number("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_reg_2_zero_width_characters_are_refused(invisible: str) -> None:
    assert refusal("1101051949" + invisible + "1231002X") == "ID_CHARACTERS"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "ID_REQUIRED"),
        ("   ", "ID_REQUIRED"),
        ("11010519491231002A", "ID_CHARACTERS"),
        ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "ID_CHARACTERS"),  # Arabic-Indic digits
        ("11010519491231002", "ID_LENGTH"),
        ("11010519491231002X0", "ID_LENGTH"),
        ("1101051949123100X2", "ID_FORMAT"),
        ("11010549123100X", "ID_FORMAT"),
        (with_check("91010519491231002"), "ID_REGION"),
        (with_check("00010519491231002"), "ID_REGION"),
        (with_check("16010519491231002"), "ID_REGION"),
        (with_check("81010019900101002"), "ID_PERMIT_REGION"),
        (with_check("83000119900101002"), "ID_PERMIT_REGION"),
        (with_check("11010519490230002"), "ID_BIRTH_DATE"),
        (with_check("11010519491301002"), "ID_BIRTH_DATE"),
        (with_check("11010518491231002"), "ID_BIRTH_TOO_EARLY"),
        (with_check("11010520250602002"), "ID_BIRTH_FUTURE"),
        ("110105194912310021", "ID_CHECKSUM"),
    ],
)
def test_reg_2_each_failure_has_its_own_code(raw: str, code: str) -> None:
    assert refusal(raw) == code


def test_reg_2_future_birth_is_only_checked_against_a_given_today() -> None:
    tomorrow = with_check("11010520250602002")
    assert normalize_id_number(tomorrow) == tomorrow
    assert refusal(tomorrow, today=TODAY) == "ID_BIRTH_FUTURE"


@pytest.mark.parametrize("region", ["810000", "820000", "830000"])
def test_reg_2_hong_kong_macao_taiwan_permits(region: str) -> None:
    facts = parse_id_number(with_check(region + "20010203123"), TODAY)
    assert facts.is_permit
    assert facts.region_code == region


def test_reg_2_mask_keeps_the_last_two_characters_only() -> None:
    """GB/T 35273 de-identification: region and birth date never show (the birth year-month
    shows beside it instead), nor the first digit of the sequence."""
    assert mask_id_number("11010519491231002X") == "****************2X"
    with pytest.raises(ValueError, match="18-character"):
        mask_id_number("110105491231002")


def test_reg_2_a_mask_stored_under_the_old_rule_is_narrowed_when_read() -> None:
    """Given items written when the mask kept four digits at each end, when they are read,
    then they show what today's mask shows; anything else passes unchanged."""
    assert remask("1101**********002X") == remask("****************2X") == "****************2X"
    assert remask("") == "" and remask("未知") == "未知"
    image = {"after": "id 4401**********2223, letter 20180001"}
    assert remask_text(image["after"]) == "id ****************23, letter 20180001"
    assert remask_text("order 110105194912310026") == "order 110105194912310026"


def test_reg_2_readers_see_the_birth_year_month_only() -> None:
    assert birth_month("2003-05-05") == "2003-05"
    assert birth_month(None) is None


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2005, 6, 1), date(2018, 6, 1), 13),
        (date(2005, 6, 1), date(2018, 5, 31), 12),
        (date(2004, 2, 29), date(2017, 2, 28), 12),
        (date(2004, 2, 29), date(2017, 3, 1), 13),
        (date(2004, 2, 29), date(2004, 2, 29), 0),
    ],
)
def test_reg_3_age_in_full_years(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


def test_reg_3_age_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError, match="before the birth date"):
        age_on(date(2005, 6, 1), date(2005, 5, 31))


_province = st.sampled_from(
    [f"{p}0105" for p in (11, 15, 21, 23, 31, 37, 41, 46, 50, 54, 61, 65, 71)] + ["810000", "820000", "830000"]
)
_birth = st.dates(min_value=EARLIEST_BIRTH, max_value=TODAY)
_sequence = st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}")
_bodies = st.builds(lambda r, b, s: r + b.strftime("%Y%m%d") + s, _province, _birth, _sequence)


@given(body=_bodies, position=st.integers(min_value=0, max_value=17), data=st.data())
def test_reg_2_checksum_catches_every_single_character_change(body: str, position: int, data: st.DataObject) -> None:
    id18 = with_check(body)
    assert normalize_id_number(id18, TODAY) == id18
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from(alphabet.replace(id18[position], "")))
    with pytest.raises(ValidationError):
        normalize_id_number(id18[:position] + replacement + id18[position + 1 :], TODAY)


@given(birth=st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)))
def test_reg_2_legacy_form_keeps_the_birth_date(birth: date) -> None:
    legacy = "440524" + birth.strftime("%y%m%d") + "123"
    assert parse_id_number(legacy, TODAY).birth_date == birth
