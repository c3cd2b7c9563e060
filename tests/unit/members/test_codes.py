"""REG-1: ethnicity and political status are taken from the national code lists."""

from __future__ import annotations

import pytest

from zhtj.core.errors import ValidationError
from zhtj.members.codes import ETHNICITIES, POLITICAL_STATUSES, ethnicity_code, political_status_code


def test_reg_1_fifty_six_ethnicities_with_unique_codes_and_names() -> None:
    assert list(ETHNICITIES) == [f"{n:02d}" for n in range(1, 57)]
    assert len(set(ETHNICITIES.values())) == 56
    assert (ETHNICITIES["01"], ETHNICITIES["10"], ETHNICITIES["56"]) == (
        "汉族",
        "朝鲜族",
        "基诺族",
    )


def test_reg_1_thirteen_political_statuses() -> None:
    assert list(POLITICAL_STATUSES) == [f"{n:02d}" for n in range(1, 14)]
    assert len(set(POLITICAL_STATUSES.values())) == 13
    assert (
        POLITICAL_STATUSES["01"],
        POLITICAL_STATUSES["03"],
        POLITICAL_STATUSES["13"],
    ) == (
        "中共党员",
        "共青团员",
        "群众",
    )


def test_reg_1_code_lists_are_read_only() -> None:
    with pytest.raises(TypeError):
        ETHNICITIES["57"] = "未识别民族"  # type: ignore[index]


@pytest.mark.parametrize(("value", "code"), [("01", "01"), ("汉族", "01"), (" 基诺族 ", "56"), ("29", "29")])
def test_reg_1_ethnicity_by_code_or_name(value: str, code: str) -> None:
    assert ethnicity_code(value) == code


@pytest.mark.parametrize(("value", "code"), [("03", "03"), ("共青团员", "03"), ("九三学社社员", "10")])
def test_reg_1_political_status_by_code_or_name(value: str, code: str) -> None:
    assert political_status_code(value) == code


def test_reg_1_every_name_maps_back_to_its_code() -> None:
    assert all(ethnicity_code(name) == code for code, name in ETHNICITIES.items())
    assert all(political_status_code(name) == code for code, name in POLITICAL_STATUSES.items())


@pytest.mark.parametrize("value", ["", "00", "57", "1", "汉", "汉族人", "穿青人"])
def test_reg_1_unknown_ethnicity_is_refused(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ethnicity_code(value)
    assert (caught.value.code, caught.value.field) == ("ETHNICITY_UNKNOWN", "ethnicity")


@pytest.mark.parametrize("value", ["", "00", "14", "3", "团员", "中国共产主义青年团团员"])
def test_reg_1_unknown_political_status_is_refused(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        political_status_code(value)
    assert (caught.value.code, caught.value.field) == (
        "POLITICAL_STATUS_UNKNOWN",
        "political_status",
    )
