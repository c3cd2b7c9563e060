"""Pure rules of the organisation tree (ORG-1..5), without AWS."""

from __future__ import annotations

import pytest

from zhtj.core.errors import RuleViolation, ValidationError
from zhtj.orgs.rules import (
    ALIAS_MAX,
    Level,
    OrgType,
    Placement,
    bigrams,
    check_members_allowed,
    check_placement,
    most_selective_bigram,
    size_findings,
    validate_alias,
    validate_full_name,
    validate_short_name,
)

PROVINCE = Placement(OrgType.LEADING_ORGAN, Level.PROVINCE)
CITY = Placement(OrgType.LEADING_ORGAN, Level.CITY)
COUNTY = Placement(OrgType.LEADING_ORGAN, Level.COUNTY)


@pytest.mark.parametrize(
    ("parent", "child", "level", "ok"),
    [
        (PROVINCE, OrgType.LEADING_ORGAN, Level.CITY, True),
        (PROVINCE, OrgType.LEADING_ORGAN, Level.COUNTY, False),
        (CITY, OrgType.LEADING_ORGAN, Level.COUNTY, True),
        (COUNTY, OrgType.LEADING_ORGAN, Level.COUNTY, False),
        (COUNTY, OrgType.BASIC_COMMITTEE, None, True),
        (COUNTY, OrgType.BRANCH, None, True),
        (Placement(OrgType.BASIC_COMMITTEE, None), OrgType.BASIC_COMMITTEE, None, True),
        (Placement(OrgType.BASIC_COMMITTEE, None), OrgType.LEADING_ORGAN, Level.COUNTY, False),
        (Placement(OrgType.GENERAL_BRANCH, None), OrgType.BRANCH, None, True),
        (Placement(OrgType.GENERAL_BRANCH, None), OrgType.GENERAL_BRANCH, None, False),
        (Placement(OrgType.BRANCH, None), OrgType.BRANCH, None, False),
    ],
)
def test_org_1_type_hierarchy(parent: Placement, child: OrgType, level: Level | None, ok: bool) -> None:
    if ok:
        check_placement(parent, child, level)
    else:
        with pytest.raises(RuleViolation) as refused:
            check_placement(parent, child, level)
        assert refused.value.code == "ORG-1"


@pytest.mark.parametrize("parent", [Placement(t, None) for t in OrgType if t != OrgType.LEADING_ORGAN])
def test_org_2_working_committee_only_under_leading_organ(parent: Placement) -> None:
    with pytest.raises(RuleViolation) as refused:
        check_placement(parent, OrgType.WORKING_COMMITTEE, None)
    assert refused.value.code == "ORG-2"
    check_placement(CITY, OrgType.WORKING_COMMITTEE, None)


def test_org_1_levels_only_for_leading_organs() -> None:
    with pytest.raises(ValidationError, match="级别"):
        check_placement(CITY, OrgType.LEADING_ORGAN, None)
    with pytest.raises(ValidationError):
        check_placement(CITY, OrgType.BRANCH, Level.COUNTY)


@pytest.mark.parametrize("org_type", [t for t in OrgType if t != OrgType.BRANCH])
def test_org_4_members_only_in_branches(org_type: OrgType) -> None:
    with pytest.raises(RuleViolation) as refused:
        check_members_allowed(org_type)
    assert refused.value.code == "ORG-4"
    check_members_allowed(OrgType.BRANCH)


@pytest.mark.parametrize("alias", ["福田团工委", "A" * ALIAS_MAX, "计算机1班"])
def test_org_5_alias_accepted(alias: str) -> None:
    assert validate_alias(alias) == alias


@pytest.mark.parametrize(
    ("alias", "code"),
    [
        ("A" * (ALIAS_MAX + 1), "NAME_TOO_LONG"),
        ("福田 团工委", "ALIAS_SPACE"),
        ("福田\u3000团工委", "ALIAS_SPACE"),
        *[(f"福田{ch}团工委", "ALIAS_FORBIDDEN_CHARACTER") for ch in '\\:"?<>|'],
        ("", "NAME_REQUIRED"),
        ("福田\u200b团工委", "NAME_INVISIBLE_CHARACTER"),
    ],
)
def test_org_5_alias_refused(alias: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_alias(alias)
    assert (refused.value.code, refused.value.field) == (code, "alias")


def test_org_5_short_name_patterns() -> None:
    assert validate_short_name("深圳市福田区福田街道团工委", OrgType.WORKING_COMMITTEE, "深圳市", False, None)
    with pytest.raises(ValidationError, match="深圳市"):
        validate_short_name("福田街道团工委", OrgType.WORKING_COMMITTEE, "深圳市", False, None)
    with pytest.raises(ValidationError, match="团总支"):
        validate_short_name("深圳市福田区某团支部", OrgType.GENERAL_BRANCH, "深圳市", False, None)
    assert validate_short_name("中山大学2018级数学1班团支部", OrgType.BRANCH, None, True, 2018)
    with pytest.raises(ValidationError):
        validate_short_name("中山大学数学1班团支部", OrgType.BRANCH, None, True, 2018)


@pytest.mark.parametrize(
    ("full_name", "org_type", "ok"),
    [
        ("中国共产主义青年团深圳市福田区委员会", OrgType.LEADING_ORGAN, True),
        ("中国共产主义青年团中山大学委员会", OrgType.BASIC_COMMITTEE, True),
        ("中国共产主义青年团深圳市福田区福田街道工作委员会", OrgType.WORKING_COMMITTEE, True),
        ("中国共产主义青年团中山大学数学学院总支部委员会", OrgType.GENERAL_BRANCH, True),
        ("中国共产主义青年团中山大学数学学院1班支部委员会", OrgType.BRANCH, True),
        ("中国共产主义青年团中山大学数学学院总支部委员会", OrgType.BRANCH, False),
        ("中国共产主义青年团支部委员会", OrgType.BRANCH, False),
        ("共青团中山大学委员会", OrgType.BASIC_COMMITTEE, False),
    ],
)
def test_org_5_full_name_pattern(full_name: str, org_type: OrgType, ok: bool) -> None:
    if ok:
        assert validate_full_name(full_name, org_type) == full_name
    else:
        with pytest.raises(ValidationError):
            validate_full_name(full_name, org_type)


@pytest.mark.parametrize(
    ("org_type", "members", "branches", "general", "codes"),
    [
        (OrgType.BRANCH, 2, 0, 0, {"BRANCH_UNDER_3"}),
        (OrgType.BRANCH, 3, 0, 0, set()),
        (OrgType.BRANCH, 30, 0, 0, set()),
        (OrgType.BRANCH, 31, 0, 0, {"BRANCH_OVER_30"}),
        (OrgType.GENERAL_BRANCH, 50, 2, 0, set()),
        (OrgType.GENERAL_BRANCH, 29, 2, 0, {"GENERAL_BRANCH_SIZE"}),
        (OrgType.GENERAL_BRANCH, 0, 0, 0, {"GENERAL_BRANCH_NO_BRANCH", "GENERAL_BRANCH_SIZE"}),
        (OrgType.BASIC_COMMITTEE, 101, 5, 0, set()),
        (OrgType.BASIC_COMMITTEE, 100, 5, 0, {"COMMITTEE_UNDER_100"}),
        (OrgType.BASIC_COMMITTEE, 0, 0, 0, {"COMMITTEE_NO_BRANCH", "COMMITTEE_UNDER_100"}),
        (OrgType.LEADING_ORGAN, 0, 0, 0, set()),
    ],
)
def test_org_3_size_norms_are_findings_not_refusals(
    org_type: OrgType, members: int, branches: int, general: int, codes: set[str]
) -> None:
    assert {f.code for f in size_findings("o1", org_type, members, branches, general)} == codes


def test_name_search_bigrams() -> None:
    assert bigrams("华景 社区") == {"华景", "景社", "社区"}
    assert most_selective_bigram("天河区团委") == "天河"
    with pytest.raises(ValidationError):
        most_selective_bigram(" 华 ")
