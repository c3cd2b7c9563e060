"""Rules of registration (报到 = registration): REG-1..3, and a registration's states. Pure: no I/O.

`check_submission` turns what a member typed into normalized facts, or raises a refusal (a
zh-CN message naming the field; InvalidFields when several fields are wrong).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum
from typing import Final

import msgspec

from zhtj.core.errors import FieldChecks, RuleViolation, ValidationError
from zhtj.core.identity import IdentityFacts, age_on, parse_id_number
from zhtj.core.phones import check_phone
from zhtj.members.codes import ethnicity_code, political_status_code

# REG-3: admissions from this day need a Central Committee development number and age 13.
NUMBERED_ERA = date(2017, 1, 1)
MIN_AGE_NUMBERED, MIN_AGE_BEFORE = 13, 12
# Development numbers issued in these years are accepted for admissions in either year.
_INTERCHANGEABLE_YEARS = {2017, 2018}
_DEVELOPMENT_NUMBER = re.compile(r"[0-9A-Za-z]{12}")
_LOOSE_NUMBER = re.compile(r"[0-9A-Za-z-]{1,30}")
_JOIN_MONTH = re.compile(r"(\d{4})-(\d{2})")


class RegistrationState(StrEnum):
    """A registration's states (REG-4..6, REV-1..3)."""

    PENDING = "PENDING_REVIEW"  # 报到待审核
    RETURNED = "RETURNED"  # 退回
    APPROVED = "APPROVED"  # 审核通过
    WITHDRAWN = "WITHDRAWN"  # 本人撤回
    SUPERSEDED = "SUPERSEDED"  # replaced by a corrected resubmission
    REFUSED = "REFUSED"  # refused by the worker (REG-4 duplicate)


# The states a member may still withdraw or correct (REG-6).
LIVE: Final = (RegistrationState.PENDING, RegistrationState.RETURNED)


class ClaimOwner(StrEnum):
    """Who holds a REG-4 claim (registration.models.Claim): a registration, then its member."""

    REGISTRATION = "REGISTRATION"
    MEMBER = "MEMBER"


class IdentityProof(StrEnum):
    """REG-3: how a member admitted before 2017 proves membership."""

    APPLICATION_FORM = "APPLICATION_FORM"  # 入团志愿书
    CARD_2017_2018 = "CARD_2017_2018"  # 2017/2018年团员证注册
    TRANSFER_LETTER = "TRANSFER_LETTER"  # 盖章的组织关系介绍信


class IncomeBand(StrEnum):
    """The dues categories of the 2016 standard (REFERENCE.md), chosen at registration."""

    STUDENT = "STUDENT"
    UNEMPLOYED = "UNEMPLOYED"
    RELIEF = "RELIEF"
    FARMER = "FARMER"
    BELOW_2000 = "BELOW_2000"
    FROM_2000 = "FROM_2000"


class Submission(msgspec.Struct, frozen=True):
    """What the member typed (REG-1), before checking."""

    name: str
    id_number: str
    ethnicity: str
    political_status: str
    join_month: str
    is_cadre: bool
    development_number: str | None = None
    identity_proof: IdentityProof | None = None
    education: str | None = None
    occupation: str | None = None
    income_band: IncomeBand | None = None
    phone: str | None = None


class RegistrationFacts(msgspec.Struct, frozen=True):
    """A checked submission: the ID's facts derived, codes normalized."""

    name: str
    identity: IdentityFacts
    ethnicity: str
    political_status: str
    join_month: str  # YYYY-MM
    is_cadre: bool
    development_number: str | None
    identity_proof: IdentityProof | None
    education: str | None
    occupation: str | None
    income_band: IncomeBand | None
    phone: str | None


def check_join_month(value: str, birth: date, today: date) -> date:
    match = _JOIN_MONTH.fullmatch(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError("JOIN_MONTH_FORMAT", "入团年月格式应为YYYY-MM", "join_month")
    joined = date(int(match.group(1)), int(match.group(2)), 1)
    if joined > today:
        raise ValidationError("JOIN_MONTH_FUTURE", "入团年月不能晚于当前月份", "join_month")
    if joined < birth:
        raise ValidationError("JOIN_MONTH_BEFORE_BIRTH", "入团年月不能早于出生日期", "join_month")
    return joined


def check_age(birth: date, joined: date) -> None:
    """REG-3: at least 13 at admission from 2017, at least 12 before. The join date is a
    month, so the member must have reached the age by the end of that month."""
    minimum = MIN_AGE_NUMBERED if joined >= NUMBERED_ERA else MIN_AGE_BEFORE
    end_of_month = date(joined.year + joined.month // 12, joined.month % 12 + 1, 1)
    if age_on(birth, end_of_month) < minimum:
        raise RuleViolation("REG-3", f"入团时应年满{minimum}周岁", "join_month")


def check_development_number(value: str | None, joined: date) -> str | None:
    """REG-3: from 2017 a 12-character Central Committee number whose first four characters
    are the admission year (2017 and 2018 numbers serve either year); before, optional."""
    number = (value or "").strip().upper() or None
    if joined < NUMBERED_ERA:
        if number and not _LOOSE_NUMBER.fullmatch(number):
            raise ValidationError(
                "DEVELOPMENT_NUMBER_FORMAT", "团员编号只能包含字母、数字和连字符", "development_number"
            )
        return number
    if number is None:
        raise RuleViolation("REG-3", "2017年1月1日以后入团的团员须填写团中央发展团员编号", "development_number")
    if not _DEVELOPMENT_NUMBER.fullmatch(number):
        raise ValidationError("DEVELOPMENT_NUMBER_FORMAT", "发展团员编号应为12位字母或数字", "development_number")
    prefix = int(number[:4]) if number[:4].isdigit() else 0
    allowed = _INTERCHANGEABLE_YEARS if joined.year in _INTERCHANGEABLE_YEARS else {joined.year}
    if prefix not in allowed:
        raise ValidationError("DEVELOPMENT_NUMBER_YEAR", "发展团员编号的前四位应为入团年份", "development_number")
    return number


# Han characters: Unicode's Unified_Ideograph property as of Unicode 17 (the basic block,
# extensions A to J and the twelve unified ideographs of the compatibility block). Spelled out
# because Python's own Unicode database lags behind (3.11's knows none of extensions H, I, J).
HAN_RANGES: Final = (
    (0x3400, 0x4DBF),  # extension A
    (0x4E00, 0x9FFF),  # the basic block
    (0xFA0E, 0xFA0F),
    (0xFA11, 0xFA11),
    (0xFA13, 0xFA14),
    (0xFA1F, 0xFA1F),
    (0xFA21, 0xFA21),
    (0xFA23, 0xFA24),
    (0xFA27, 0xFA29),
    (0x20000, 0x2A6DF),  # extension B
    (0x2A700, 0x2B81E),  # extensions C, D
    (0x2B820, 0x2CEAD),  # extension E
    (0x2CEB0, 0x2EBE0),  # extension F
    (0x2EBF0, 0x2EE5D),  # extension I
    (0x30000, 0x3134A),  # extension G
    (0x31350, 0x33479),  # extensions H, J
)
NAME_SEPARATOR = "\u00b7"  # 间隔号, as ID cards print names of several parts (阿卜杜·热合曼)
# Dots that input methods type where the separator is meant (Japanese-mode and half-width
# katakana middle dots, the bullet, the hyphenation point): the same name, so folded to it.
_SEPARATOR_LOOKALIKES = str.maketrans(dict.fromkeys("\u30fb\uff65\u2022\u2027", NAME_SEPARATOR))
_LATIN_WORD = re.compile(r"[A-Za-z]+")
NAME_MIN, NAME_MAX = 2, 30


def is_han(character: str) -> bool:
    point = ord(character)
    return any(first <= point <= last for first, last in HAN_RANGES)


def _shown(character: str) -> str:
    """A refused character as the message names it: invisible ones by their code point."""
    point = f"U+{ord(character):04X}"
    category = unicodedata.category(character)
    if character.isspace() or category == "Zs":
        return f"空白字符（{point}）"
    if category[0] in "CM" or not character.isprintable():
        return f"不可见或无法显示的字符（{point}）"
    return f"“{character}”（{point}）"


def _name_error(code: str, message: str) -> ValidationError:
    return ValidationError(code, message, "name")


def check_name(value: str, holds_permit: bool) -> str:
    """Take a name as typed and whether its holder's ID is a Hong Kong, Macao or Taiwan
    residence permit; return the name as stored. A name is Han characters, its parts joined
    by the separator · (look-alike dots are folded to it); a permit holder's name may instead
    be Latin letters, words joined by single spaces. Spaces at either end are dropped, nothing
    else is: any other character is refused, never stripped. Compatibility ideographs are
    folded to their unified form (NFC). Raises ValidationError (field "name"): NAME_LENGTH,
    NAME_CHARACTER, NAME_MIXED_SCRIPT, NAME_SEPARATOR, NAME_SPACING, NAME_LATIN_NOT_ALLOWED."""
    name = unicodedata.normalize("NFC", value.strip(" ")).translate(_SEPARATOR_LOOKALIKES)
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise _name_error("NAME_LENGTH", f"姓名应为{NAME_MIN}至{NAME_MAX}个字")
    latin = any(ch.isascii() and ch.isalpha() for ch in name)
    han = any(is_han(ch) for ch in name)
    for character in name:
        letter = character.isascii() and character.isalpha()
        if not (is_han(character) or character == NAME_SEPARATOR or letter or (character == " " and latin)):
            raise _name_error(
                "NAME_CHARACTER",
                f"姓名中不能含有{_shown(character)}：姓名只能由汉字组成，少数民族等多段姓名用间隔号“·”分隔",
            )
    if latin and han:
        raise _name_error("NAME_MIXED_SCRIPT", "姓名不能混用汉字和拉丁字母，请按证件填写")
    if not latin:
        if any(not part for part in name.split(NAME_SEPARATOR)):
            raise _name_error("NAME_SEPARATOR", "间隔号“·”只能用在姓名的两部分之间，不能在首尾或连用")
        return name
    if not holds_permit:
        raise _name_error(
            "NAME_LATIN_NOT_ALLOWED", "只有持港澳台居民居住证的人员可以用拉丁字母填写姓名，请填写汉字姓名"
        )
    if not all(_LATIN_WORD.fullmatch(word) for word in name.split(" ")):
        raise _name_error("NAME_SPACING", "拉丁字母姓名只能由字母组成，各部分之间用一个空格分隔")
    return name


def _check_admission(submission: Submission, birth: date, today: date) -> tuple[date, str | None]:
    """REG-3: the join month, the age at admission, the development number and the identity
    proof, in that order: each depends on the one before, so the first refusal stops here."""
    joined = check_join_month(submission.join_month, birth, today)
    check_age(birth, joined)
    number = check_development_number(submission.development_number, joined)
    if joined < NUMBERED_ERA and submission.identity_proof is None:
        raise RuleViolation(
            "REG-3",
            "2017年以前入团的团员须说明身份证明材料（入团志愿书、团员证注册或组织关系介绍信）",
            "identity_proof",
        )
    return joined, number


def check_submission(submission: Submission, today: date) -> RegistrationFacts:
    """REG-1..3: check a registration field by field. The independent checks (name, ID
    number, ethnicity, political status, phone) all run, and the admission checks too when
    the ID number gives a birth date; raises the one refusal (ValidationError or
    RuleViolation) or InvalidFields naming every bad field, in form order."""
    checks = FieldChecks()
    identity = checks.run(lambda: parse_id_number(submission.id_number, today))
    # Latin letters are allowed only with a permit: with no valid number, only what no name
    # may hold is reported on the name.
    holds_permit = identity.is_permit if identity is not None else True
    name = checks.run(lambda: check_name(submission.name, holds_permit))
    ethnicity = checks.run(lambda: ethnicity_code(submission.ethnicity))
    political_status = checks.run(lambda: political_status_code(submission.political_status))
    admission = None
    if identity is not None:
        birth = identity.birth_date
        admission = checks.run(lambda: _check_admission(submission, birth, today))
    phone = checks.run(lambda: check_phone(submission.phone))
    checks.done()
    assert name is not None and identity is not None and ethnicity is not None and political_status is not None
    assert admission is not None
    joined, number = admission
    return RegistrationFacts(
        name=name,
        identity=identity,
        ethnicity=ethnicity,
        political_status=political_status,
        join_month=f"{joined.year:04d}-{joined.month:02d}",
        is_cadre=submission.is_cadre,
        development_number=number,
        identity_proof=submission.identity_proof if joined < NUMBERED_ERA else None,
        education=(submission.education or "").strip() or None,
        occupation=(submission.occupation or "").strip() or None,
        income_band=submission.income_band,
        phone=phone,
    )
