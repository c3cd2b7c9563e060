"""Resident ID numbers (居民身份证号码, GB 11643-1999): check, parse, mask (REG-2)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

import msgspec

from zhtj.core.errors import ValidationError

FIELD = "id_number"
# The standard's own examples include a birth year of 1880, so 1900 would be too strict.
EARLIEST_BIRTH = date(1850, 1, 1)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_FOLD = str.maketrans("０１２３４５６７８９Ｘｘx", "0123456789XXX")
# Explicit ASCII classes: \d would also accept Arabic-Indic and other Unicode digits.
_ALLOWED = re.compile(r"[0-9X]*")
_FORM_18 = re.compile(r"[0-9]{17}[0-9X]")
_FORM_15 = re.compile(r"[0-9]{15}")
_PROVINCES = frozenset(
    f"{code:02d}"
    for first, last in (
        (11, 15),
        (21, 23),
        (31, 37),
        (41, 46),
        (50, 54),
        (61, 65),
        (71, 71),
        (81, 83),
    )
    for code in range(first, last + 1)
)
# Hong Kong, Macao and Taiwan residence permits carry exactly these region codes.
_PERMIT_REGIONS = frozenset({"810000", "820000", "830000"})


class IdentityFacts(msgspec.Struct, frozen=True):
    """What an ID number says about its holder (birth date and sex are never typed)."""

    id_number: str
    birth_date: date
    sex: Literal["M", "F"]
    region_code: str
    is_permit: bool


def _fail(code: str, message: str) -> ValidationError:
    return ValidationError(code, message, FIELD)


def check_character(body17: str) -> str:
    """Take the first 17 digits of an ID number; return its check character (0-9, X)."""
    total = sum(int(digit) * weight for digit, weight in zip(body17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def _birth_date(id18: str, today: date | None) -> date:
    try:
        born = date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        raise _fail("ID_BIRTH_DATE", "身份证号码中的出生日期不存在") from None
    if born < EARLIEST_BIRTH:
        raise _fail("ID_BIRTH_TOO_EARLY", "身份证号码中的出生日期过早")
    if today is not None and born > today:
        raise _fail("ID_BIRTH_FUTURE", "身份证号码中的出生日期晚于今天")
    return born


def normalize_id_number(raw: str, today: date | None = None) -> str:
    """Take an ID number as typed; return its 18-character form.

    Removes whitespace, folds full-width digits and X to ASCII, upper-cases x and
    converts the 15-digit legacy form. With ``today``, a birth date after it is refused.
    Raises ValidationError (field "id_number"): ID_REQUIRED, ID_CHARACTERS, ID_LENGTH,
    ID_FORMAT, ID_REGION, ID_PERMIT_REGION, ID_BIRTH_DATE, ID_BIRTH_TOO_EARLY,
    ID_BIRTH_FUTURE, ID_CHECKSUM.
    """
    text = "".join(raw.split()).translate(_FOLD)
    if not text:
        raise _fail("ID_REQUIRED", "请填写身份证号码")
    if not _ALLOWED.fullmatch(text):
        raise _fail("ID_CHARACTERS", "身份证号码只能包含数字和X")
    if len(text) not in (15, 18):
        raise _fail("ID_LENGTH", "身份证号码应为18位（旧版为15位）")
    if not (_FORM_18 if len(text) == 18 else _FORM_15).fullmatch(text):
        raise _fail("ID_FORMAT", "身份证号码只有最后一位可以是X")
    if len(text) == 15:
        body = text[:6] + "19" + text[6:]
        text = body + check_character(body)
    province = text[:2]
    if province not in _PROVINCES:
        raise _fail("ID_REGION", "身份证号码的地区代码无效")
    if province in ("81", "82", "83") and text[:6] not in _PERMIT_REGIONS:
        raise _fail(
            "ID_PERMIT_REGION",
            "港澳台居民居住证号码的地区代码应为810000、820000或830000",
        )
    _birth_date(text, today)
    if check_character(text[:17]) != text[17]:
        raise _fail("ID_CHECKSUM", "身份证号码校验位错误")
    return text


def parse_id_number(raw: str, today: date) -> IdentityFacts:
    """Take an ID number as typed and today's date; return the facts it carries.

    Raises ValidationError as normalize_id_number does.
    """
    id18 = normalize_id_number(raw, today)
    return IdentityFacts(
        id_number=id18,
        birth_date=_birth_date(id18, today),
        sex="M" if int(id18[16]) % 2 else "F",
        region_code=id18[:6],
        is_permit=is_permit_number(id18),
    )


def is_permit_number(id18: str) -> bool:
    """Take a normalised ID number; return whether it is a Hong Kong, Macao or Taiwan
    residents' residence permit (港澳台居民居住证) rather than a resident ID card."""
    return id18[:6] in _PERMIT_REGIONS


# De-identification (GB/T 35273): what a reader may see of an ID number is its last two
# characters and, beside it, the birth year-month; never the region, the day of birth or the
# rest of the sequence. Together they leave 8 to 9 x 10^7 numbers that pass the checks, and
# still over 2 x 10^6 where the card (the member's own document) shows the full birth date
# (about 50 times fewer for a reader who knows which county codes exist), so no combination a
# reader can gather narrows the number to a few (docs/architecture.md, "De-identification").
MASK_KEEPS = 2
MASKED_LENGTH = 18
# A masked ID number in any form this system ever stored: 18 characters, the hidden ones `*`.
_MASKED = re.compile(r"(?<![0-9A-Za-z*])[0-9*]{17}[0-9X*](?![0-9A-Za-z*])")


def mask_id_number(id18: str) -> str:
    """Take an 18-character ID number; return it de-identified for display (GB/T 35273): the
    last two characters, the rest `*`.

    Raises ValueError if the number is not 18 characters long.
    """
    if len(id18) != MASKED_LENGTH:
        raise ValueError("mask_id_number expects a normalised 18-character ID number")
    return "*" * (MASKED_LENGTH - MASK_KEEPS) + id18[-MASK_KEEPS:]


def remask(masked: str) -> str:
    """Take an ID number as stored for display (an earlier, wider mask kept four digits at each
    end); return it in today's de-identified form. Stored masks are narrowed when read, so items
    written before the rule changed need no migration; text that is no masked number is kept."""
    if len(masked) != MASKED_LENGTH or "*" not in masked:
        return masked
    return "*" * (MASKED_LENGTH - MASK_KEEPS) + masked[-MASK_KEEPS:]


def remask_text(text: str) -> str:
    """Take any text (an audit image's value); return it with every masked ID number in it
    narrowed to today's form."""
    return _MASKED.sub(lambda match: remask(match.group(0)), text)


def deidentify(value: Any) -> Any:
    """Take a stored image (an audit record's before/after: dicts, lists, text); return a copy
    with every masked ID number narrowed and every birth date cut to its year-month."""
    if isinstance(value, str):
        return remask_text(value)
    if isinstance(value, dict):
        return {
            k: birth_month(v) if k == "birth_date" and isinstance(v, str) else deidentify(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [deidentify(item) for item in value]
    return value


def birth_month(birth_date: str | None) -> str | None:
    """Take a stored birth date (ISO, YYYY-MM-DD); return what a reader may see of it: YYYY-MM."""
    return birth_date[:7] if birth_date else None


def age_on(birth: date, on: date) -> int:
    """Take a birth date and a day; return the full years of age on that day.

    Someone born on 29 February turns a year older on 1 March in common years.
    Raises ValueError if ``on`` is before ``birth``.
    """
    if on < birth:
        raise ValueError("age_on: the day is before the birth date")
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
