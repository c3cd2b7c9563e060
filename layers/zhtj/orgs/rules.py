"""Rules of the organisation tree (组织树), ORG-1..5 and ORG-8. Pure: no I/O.

The type hierarchy, naming patterns and size norms are data here so that one table states
them; the logic layer applies them and the sweeps read the norms.
"""

from __future__ import annotations

import re
from enum import StrEnum

import msgspec

from zhtj.core.errors import ConflictError, FieldChecks, RuleViolation, ValidationError


class OrgType(StrEnum):
    """ORG-1: the five types of league organisation."""

    LEADING_ORGAN = "LEADING_ORGAN"  # 团的领导机关: provincial, city, county committees
    BASIC_COMMITTEE = "BASIC_COMMITTEE"  # 基层团委
    WORKING_COMMITTEE = "WORKING_COMMITTEE"  # 团工委, an outpost of a leading organ
    GENERAL_BRANCH = "GENERAL_BRANCH"  # 团总支
    BRANCH = "BRANCH"  # 团支部


# League posts (团内职务) an account may hold in an organisation, besides administering it.
POSITIONS = ("书记", "副书记", "常委", "委员", "候补委员", "工作人员")
SECRETARY = "书记"


class OrgStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISSOLVED = "DISSOLVED"


class TreeJobStatus(StrEnum):
    """A subtree move job (TreeJob): running until the paths beneath are rewritten."""

    RUNNING = "RUNNING"
    DONE = "DONE"


class Level(StrEnum):
    """Levels of a leading organ, highest first."""

    PROVINCE = "PROVINCE"
    CITY = "CITY"
    COUNTY = "COUNTY"


class Sector(StrEnum):
    """Where an organisation's members study or work; registration opens by sector (REG-8)."""

    UNIVERSITY = "UNIVERSITY"
    VOCATIONAL = "VOCATIONAL"
    MIDDLE_SCHOOL = "MIDDLE_SCHOOL"
    ENTERPRISE = "ENTERPRISE"
    PUBLIC_INSTITUTION = "PUBLIC_INSTITUTION"
    GOVERNMENT = "GOVERNMENT"
    COMMUNITY = "COMMUNITY"
    RURAL = "RURAL"
    OTHER = "OTHER"


TYPE_NAMES: dict[OrgType, str] = {
    OrgType.LEADING_ORGAN: "团的领导机关",
    OrgType.BASIC_COMMITTEE: "基层团委",
    OrgType.WORKING_COMMITTEE: "团工委",
    OrgType.GENERAL_BRANCH: "团总支",
    OrgType.BRANCH: "团支部",
}

# Which types may stand below which (ORG-1, ORG-2); leading organs also step down one level.
ALLOWED_CHILDREN: dict[OrgType, frozenset[OrgType]] = {
    OrgType.LEADING_ORGAN: frozenset(OrgType),
    OrgType.WORKING_COMMITTEE: frozenset({OrgType.BASIC_COMMITTEE, OrgType.GENERAL_BRANCH, OrgType.BRANCH}),
    OrgType.BASIC_COMMITTEE: frozenset({OrgType.BASIC_COMMITTEE, OrgType.GENERAL_BRANCH, OrgType.BRANCH}),
    OrgType.GENERAL_BRANCH: frozenset({OrgType.BRANCH}),
    OrgType.BRANCH: frozenset(),
}

# Children listed in this order: leading organs first, branches last.
TYPE_RANK: dict[OrgType, int] = {t: i for i, t in enumerate(OrgType)}

_NEXT_LEVEL = {Level.PROVINCE: Level.CITY, Level.CITY: Level.COUNTY}


class Placement(msgspec.Struct, frozen=True):
    """The parent a new or moved organisation is placed under."""

    org_type: OrgType
    level: Level | None


def check_placement(parent: Placement, child_type: OrgType, child_level: Level | None) -> None:
    """ORG-1/ORG-2: refuse a child type the parent may not have. Raises RuleViolation."""
    if child_type == OrgType.LEADING_ORGAN:
        if child_level is None:
            raise ValidationError("ORG_LEVEL_REQUIRED", "团的领导机关必须注明级别（省/市/县）", "level")
        if parent.org_type != OrgType.LEADING_ORGAN or _NEXT_LEVEL.get(parent.level or Level.COUNTY) != child_level:
            raise RuleViolation("ORG-1", "团的领导机关只能设在高一级领导机关之下", "org_type")
        return
    if child_level is not None:
        raise ValidationError("ORG_LEVEL_NOT_ALLOWED", "只有团的领导机关有级别", "level")
    if child_type == OrgType.WORKING_COMMITTEE and parent.org_type != OrgType.LEADING_ORGAN:
        raise RuleViolation("ORG-2", "只有团的领导机关可以设立团工委", "org_type")
    if child_type not in ALLOWED_CHILDREN[parent.org_type]:
        allowed = "、".join(TYPE_NAMES[t] for t in OrgType if t in ALLOWED_CHILDREN[parent.org_type])
        raise RuleViolation(
            "ORG-1",
            f"{TYPE_NAMES[parent.org_type]}之下不能设立{TYPE_NAMES[child_type]}"
            + (f"，只能设立{allowed}" if allowed else "，团支部是最基层的组织"),
            "org_type",
        )


def check_members_allowed(org_type: OrgType) -> None:
    """ORG-4: members belong to branches only. Raises RuleViolation."""
    if org_type != OrgType.BRANCH:
        raise RuleViolation("ORG-4", "团员只能编入团支部，不能直接隶属于团委或团总支", "branch_id")


# --- ORG-5: names -----------------------------------------------------------------------

ALIAS_MAX = 16
_ALIAS_FORBIDDEN = set('\\:"?<>|')
_FULL_PREFIX = "中国共产主义青年团"
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_ENTRY_YEAR = re.compile(r"(19|20)\d{2}")

# A short name (简称) ends with its type's word; a full name (全称) with its committee's.
SHORT_NAME_SUFFIX: dict[OrgType, tuple[str, ...]] = {
    OrgType.LEADING_ORGAN: ("委",),
    OrgType.BASIC_COMMITTEE: ("团委",),
    OrgType.WORKING_COMMITTEE: ("团工委",),
    OrgType.GENERAL_BRANCH: ("团总支",),
    OrgType.BRANCH: ("团支部",),
}
FULL_NAME_SUFFIX: dict[OrgType, str] = {
    OrgType.LEADING_ORGAN: "委员会",
    OrgType.BASIC_COMMITTEE: "委员会",
    OrgType.WORKING_COMMITTEE: "工作委员会",
    OrgType.GENERAL_BRANCH: "总支部委员会",
    OrgType.BRANCH: "支部委员会",
}


def _clean(value: str, field: str, label: str, max_length: int) -> str:
    if _INVISIBLE.search(value):
        raise ValidationError("NAME_INVISIBLE_CHARACTER", f"{label}含有不可见字符", field)
    value = value.strip()
    if not value:
        raise ValidationError("NAME_REQUIRED", f"{label}不能为空", field)
    if len(value) > max_length:
        raise ValidationError("NAME_TOO_LONG", f"{label}不能超过{max_length}个字符", field)
    return value


def validate_alias(alias: str) -> str:
    """ORG-5: 代称 of at most 16 characters, none of \\ : " ? < > | and no spaces."""
    alias = _clean(alias, "alias", "代称", ALIAS_MAX)
    if any(ch.isspace() for ch in alias):
        raise ValidationError("ALIAS_SPACE", "代称不能包含空格", "alias")
    if bad := sorted(_ALIAS_FORBIDDEN.intersection(alias)):
        raise ValidationError("ALIAS_FORBIDDEN_CHARACTER", f"代称不能包含字符 {' '.join(bad)}", "alias")
    return alias


def validate_short_name(
    short_name: str, org_type: OrgType, city_prefix: str | None, class_branch: bool, entry_year: int | None
) -> str:
    """ORG-5: 简称 written from the city-level region down to the unit, ending with the type's
    word; a school class's branch carries its entry year."""
    short_name = _clean(short_name, "short_name", "简称", 50)
    if not short_name.endswith(SHORT_NAME_SUFFIX[org_type]):
        raise ValidationError(
            "SHORT_NAME_SUFFIX", f"{TYPE_NAMES[org_type]}的简称应以“{SHORT_NAME_SUFFIX[org_type][0]}”结尾", "short_name"
        )
    if city_prefix and not short_name.startswith(city_prefix):
        raise ValidationError("SHORT_NAME_REGION", f"简称应从市级区域写起，以“{city_prefix}”开头", "short_name")
    if class_branch:
        if entry_year is None:
            raise ValidationError("ENTRY_YEAR_REQUIRED", "班级团支部须填写入学年份", "entry_year")
        if str(entry_year) not in short_name or not _ENTRY_YEAR.fullmatch(str(entry_year)):
            raise ValidationError("SHORT_NAME_ENTRY_YEAR", "班级团支部的简称应包含入学年份（如2018级）", "short_name")
    return short_name


def validate_full_name(full_name: str, org_type: OrgType) -> str:
    """ORG-5: 全称 = 中国共产主义青年团 + region + unit + 委员会/总支部委员会/支部委员会."""
    full_name = _clean(full_name, "full_name", "全称", 100)
    suffix = FULL_NAME_SUFFIX[org_type]
    wrong_suffix = org_type == OrgType.BRANCH and full_name.endswith(FULL_NAME_SUFFIX[OrgType.GENERAL_BRANCH])
    if not full_name.startswith(_FULL_PREFIX):
        raise ValidationError("FULL_NAME_PREFIX", f"全称应以“{_FULL_PREFIX}”开头", "full_name")
    if not full_name.endswith(suffix) or wrong_suffix or len(full_name) <= len(_FULL_PREFIX) + len(suffix):
        raise ValidationError(
            "FULL_NAME_SUFFIX", f"{TYPE_NAMES[org_type]}的全称应为“{_FULL_PREFIX}+地区+单位+{suffix}”", "full_name"
        )
    return full_name


class Names(msgspec.Struct, frozen=True):
    short_name: str
    full_name: str
    alias: str


def validate_names(
    short_name: str,
    full_name: str,
    alias: str,
    org_type: OrgType,
    city_prefix: str | None,
    class_branch: bool,
    entry_year: int | None,
) -> Names:
    """ORG-5: the three names, each checked on its own; every wrong one is reported at once
    (InvalidFields), not only the first, so that the form is corrected in one round."""
    checks = FieldChecks()
    short = checks.run(lambda: validate_short_name(short_name, org_type, city_prefix, class_branch, entry_year))
    full = checks.run(lambda: validate_full_name(full_name, org_type))
    checked_alias = checks.run(lambda: validate_alias(alias))
    checks.done()
    assert short is not None and full is not None and checked_alias is not None
    return Names(short, full, checked_alias)


# --- ORG-3: size norms (findings, never refusals) ---------------------------------------


class NormFinding(msgspec.Struct, frozen=True):
    org_id: str
    code: str
    message: str


def size_findings(
    org_id: str, org_type: OrgType, members_in_subtree: int, branches_below: int, general_branches_below: int
) -> list[NormFinding]:
    """ORG-3: what breaks the size norms of an organisation, as findings for the sweeps."""
    findings: list[NormFinding] = []
    if org_type == OrgType.BRANCH:
        if members_in_subtree < 3:
            findings.append(NormFinding(org_id, "BRANCH_UNDER_3", "团支部不足3人，应撤销或合并"))
        elif members_in_subtree > 30:
            findings.append(NormFinding(org_id, "BRANCH_OVER_30", "团支部超过30人，宜分设"))
    elif org_type == OrgType.GENERAL_BRANCH:
        if branches_below == 0:
            findings.append(NormFinding(org_id, "GENERAL_BRANCH_NO_BRANCH", "团总支下没有团支部"))
        if not 30 <= members_in_subtree <= 100:
            findings.append(NormFinding(org_id, "GENERAL_BRANCH_SIZE", "团总支团员人数应在30至100人之间"))
    elif org_type == OrgType.BASIC_COMMITTEE:
        if branches_below + general_branches_below == 0:
            findings.append(NormFinding(org_id, "COMMITTEE_NO_BRANCH", "基层团委下没有团总支或团支部"))
        if members_in_subtree <= 100:
            findings.append(NormFinding(org_id, "COMMITTEE_UNDER_100", "基层团委团员一般应在100人以上"))
    return findings


# --- Name search ------------------------------------------------------------------------

# Characters in nearly every organisation's name: a bigram made of them narrows nothing.
_COMMON = set("中国共产主义青年团委员会支部总工作市区县镇街道村社省学校大公司有限第级班")


def bigrams(text: str) -> set[str]:
    """The distinct two-character windows of a name, lower-cased, without spaces."""
    squeezed = "".join(text.lower().split())
    return {squeezed[i : i + 2] for i in range(len(squeezed) - 1)}


def path_ids(path: str) -> list[str]:
    """The organisation ids of a materialized path, root first (the organisation itself last)."""
    return [segment for segment in path.strip("/").split("/") if segment]


def most_selective_bigram(fragment: str) -> str:
    """The bigram of a search fragment expected to match the fewest names. Raises
    ValidationError for fragments under two characters."""
    squeezed = "".join(fragment.lower().split())
    if len(squeezed) < 2:
        raise ValidationError("SEARCH_TOO_SHORT", "请至少输入两个字进行查找", "q")
    windows = [squeezed[i : i + 2] for i in range(len(squeezed) - 1)]
    return min(windows, key=lambda w: sum(ch in _COMMON for ch in w))


class NewOrg(msgspec.Struct, frozen=True):
    """What a new child organisation is created with (ORG-1/2/5)."""

    org_type: OrgType
    sector: Sector
    short_name: str
    full_name: str
    alias: str
    level: Level | None = None
    region_name: str | None = None
    class_branch: bool = False
    entry_year: int | None = None


class NameDraft(msgspec.Struct, frozen=True):
    """A new child's names as far as the form is typed (ORG-5 checked as you type): a name
    still None is not checked yet."""

    org_type: OrgType
    short_name: str | None = None
    full_name: str | None = None
    alias: str | None = None
    level: Level | None = None
    region_name: str | None = None
    class_branch: bool = False
    entry_year: int | None = None

    def as_new_org(self) -> NewOrg:
        """The draft as the organisation `create_child` would place (its names as typed)."""
        return NewOrg(
            org_type=self.org_type,
            sector=Sector.OTHER,
            short_name=self.short_name or "",
            full_name=self.full_name or "",
            alias=self.alias or "",
            level=self.level,
            region_name=self.region_name,
            class_branch=self.class_branch,
            entry_year=self.entry_year,
        )


class OrgChanges(msgspec.Struct, frozen=True):
    """What editing an organisation changes (None: left as it is). Never its type, level or
    parent: moving and merging own those (ORG-6). `region_name` "" removes the region;
    `entry_year` makes a branch a school class's (ORG-5: its short name then carries the year)."""

    short_name: str | None = None
    full_name: str | None = None
    alias: str | None = None
    sector: Sector | None = None
    region_name: str | None = None
    entry_year: int | None = None

    def given(self) -> frozenset[str]:
        """The fields this edit names."""
        return frozenset(name for name, value in msgspec.structs.asdict(self).items() if value is not None)


PARENT_GONE = ConflictError("PARENT_NOT_ACTIVE", "上级组织已撤销或正在调整，请刷新后重试", "parent_id")
MOVE_IN_PROGRESS = ConflictError("TREE_MOVE_IN_PROGRESS", "该组织所在的组织树正在调整隶属关系，请稍后再试", None)
