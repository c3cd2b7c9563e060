"""REG-1: a member's name is Han characters (parts joined by the separator ·), or, for holders of
Hong Kong, Macao and Taiwan residence permits only, Latin letters and single spaces; anything
else is refused on the field `name` with a Chinese message, never stored."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhtj.core.errors import ValidationError
from zhtj.core.identity import check_character
from zhtj.registration.rules import (
    HAN_RANGES,
    NAME_SEPARATOR,
    IdentityProof,
    Submission,
    check_name,
    check_submission,
    is_han,
)

TODAY = date(2026, 12, 4)
RESIDENT_ID = "440524188001010014"
HONG_KONG_PERMIT = "81000020000101001" + check_character("81000020000101001")


def refusal(name: str, holds_permit: bool = False) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_name(name, holds_permit)
    return caught.value


def submission(name: str, id_number: str) -> Submission:
    return Submission(
        name=name,
        id_number=id_number,
        ethnicity="汉族",
        political_status="共青团员",
        join_month="2016-05",
        is_cadre=False,
        identity_proof=IdentityProof.APPLICATION_FORM,
    )


# Every class the issue named, each inside an otherwise good name.
REFUSED = {
    "tab": "张\t三",
    "newline": "张\n三",
    "carriage return": "张\r三",
    "no-break space": "张\u00a0三",
    "ideographic space": "张\u3000三",
    "ASCII space between Han characters": "张 三",
    "emoji": "张三\U0001f600",
    "emoji with variation selector": "张三\u2764\ufe0f",
    "private use": "张\ue000三",
    "supplementary private use": "张\U000f0000三",
    "Hangul filler": "张\u3164三",
    "half-width Hangul filler": "张\uffa0三",
    "variation selector": "张\ufe0f三",
    "ideographic variation selector": "张\U000e0100三",
    "zero-width space": "张\u200b三",
    "zero-width joiner": "张\u200d三",
    "word joiner": "张\u2060三",
    "byte-order mark": "\ufeff张三",
    "right-to-left override": "张\u202e三",
    "combining mark": "张\u0301三",
    "digit": "张三1",
    "full-width digit": "张三１",
    "full-width Latin": "张ＡＢ",
    "ideographic number zero": "李〇",
    "iteration mark": "张々",
    "CJK radical": "张\u2f08",
    "Hangul": "김민준",
    "Hiragana": "さくら",
    "punctuation": "张三！",
    "accented Latin": "José Chan",
}


@pytest.mark.parametrize("name", REFUSED.values(), ids=REFUSED.keys())
def test_reg_1_a_name_with_any_other_character_is_refused_on_the_name_field(name: str) -> None:
    # Given a name carrying a character that is neither Han, the separator nor (for a permit
    # holder) a Latin letter or single space
    # When it is checked, even for a permit holder
    error = refusal(name, holds_permit=True)
    # Then it is refused on `name`, in Chinese, saying which character
    assert (error.code, error.field) == ("NAME_CHARACTER", "name")
    assert "姓名中不能含有" in error.message and "U+" in error.message


@pytest.mark.parametrize(
    "name", ["张三", "欧阳娜娜", "阿卜杜·热合曼", "𠀀𠀁", "\U0002ebf0\U00031350", "\U00033479李"], ids=repr
)
def test_reg_1_han_names_of_every_extension_and_separated_parts_are_accepted(name: str) -> None:
    # Given Han names, with the separator · and with characters of extensions B, I, H and J
    # When they are checked (a resident's name)
    # Then each is stored as typed
    assert check_name(name, holds_permit=False) == name


@pytest.mark.parametrize("dot", ["\u30fb", "\uff65", "\u2022", "\u2027"], ids=lambda dot: f"U+{ord(dot):04X}")
def test_reg_1_look_alike_dots_are_folded_to_the_separator(dot: str) -> None:
    # Given a name of two parts typed with a dot an input method produces instead of ·
    # When it is checked
    # Then it is stored with the separator U+00B7, as the ID card prints it
    assert check_name(f"阿卜杜{dot}热合曼", holds_permit=False) == f"阿卜杜{NAME_SEPARATOR}热合曼"


def test_reg_1_a_compatibility_ideograph_is_stored_in_its_unified_form() -> None:
    # Given a name typed with the compatibility ideograph U+F900 (豈)
    # When it is checked
    # Then the unified ideograph U+8C48 is stored (the same character, NFC)
    assert check_name("\uf900三", holds_permit=False) == "\u8c48三"


@pytest.mark.parametrize("name", ["·张三", "张三·", "阿卜杜··热合曼", "··"])
def test_reg_1_the_separator_only_joins_two_parts(name: str) -> None:
    # Given a separator at either end, doubled, or alone
    # When the name is checked
    # Then it is refused
    error = refusal(name)
    assert (error.code, error.field) == ("NAME_SEPARATOR", "name")


def test_reg_1_latin_names_need_a_permit() -> None:
    # Given the Latin name of a Hong Kong resident
    # When its holder has a residence permit, Then it is stored
    assert check_name("Chan Tai Man", holds_permit=True) == "Chan Tai Man"
    # When its holder has a resident ID card, Then it is refused on `name`
    error = refusal("Chan Tai Man", holds_permit=False)
    assert (error.code, error.field) == ("NAME_LATIN_NOT_ALLOWED", "name")
    assert "港澳台居民居住证" in error.message


@pytest.mark.parametrize(
    ("name", "code"),
    [("Chan  Tai Man", "NAME_SPACING"), ("Chan·Tai", "NAME_SPACING"), ("陈Tai Man", "NAME_MIXED_SCRIPT")],
)
def test_reg_1_a_latin_name_is_words_of_letters_joined_by_single_spaces(name: str, code: str) -> None:
    # Given a permit holder's Latin name with a double space, a separator, or Han characters mixed in
    # When it is checked, Then it is refused on `name`
    error = refusal(name, holds_permit=True)
    assert (error.code, error.field) == (code, "name")


@pytest.mark.parametrize("name", ["张", "张" * 31, "", "  "])
def test_reg_1_a_name_is_two_to_thirty_characters(name: str) -> None:
    error = refusal(name)
    assert (error.code, error.field) == ("NAME_LENGTH", "name")


def test_reg_1_spaces_at_either_end_are_dropped_but_nothing_else() -> None:
    # Given a name with plain spaces around it, and one with a tab after it
    # When they are checked
    # Then the spaces go; the tab is refused, not stripped
    assert check_name("  张三 ", holds_permit=False) == "张三"
    assert refusal("张三\t").code == "NAME_CHARACTER"


def test_reg_1_a_registration_checks_the_name_against_the_id_kind() -> None:
    # Given the same Latin name registered with a Hong Kong permit and with a resident ID
    # When the registrations are checked
    # Then the permit holder's is accepted and the resident's refused on `name`
    facts = check_submission(submission("Chan Tai Man", HONG_KONG_PERMIT), TODAY)
    assert (facts.name, facts.identity.is_permit) == ("Chan Tai Man", True)
    with pytest.raises(ValidationError) as caught:
        check_submission(submission("Chan Tai Man", RESIDENT_ID), TODAY)
    assert (caught.value.code, caught.value.field) == ("NAME_LATIN_NOT_ALLOWED", "name")


def test_reg_1_han_ranges_are_unicodes_unified_ideographs() -> None:
    # Given the regex package's Unicode tables (newer than Python's own)
    regex = pytest.importorskip("regex")
    unified = regex.compile(r"\p{Unified_Ideograph}")
    # When every code point is tested both ways
    # Then HAN_RANGES holds exactly the unified ideographs
    mismatched = [hex(p) for p in range(0x110000) if bool(unified.match(chr(p))) != is_han(chr(p))]
    assert mismatched == []


_HAN = st.sampled_from(HAN_RANGES).flatmap(lambda r: st.integers(r[0], r[1])).map(chr)


def _allowed(character: str) -> bool:
    # Judged after NFC: a compatibility ideograph, or U+0387 (canonically the separator), is folded.
    folded = unicodedata.normalize("NFC", character)
    return len(folded) == 1 and (is_han(folded) or folded == NAME_SEPARATOR or (folded.isascii() and folded.isalpha()))


_OTHER = st.characters(exclude_characters=" \u30fb\uff65\u2022\u2027", exclude_categories=["Cs"]).filter(
    lambda ch: not _allowed(ch)
)


@given(st.lists(_HAN, min_size=2, max_size=30).map("".join))
def test_reg_1_any_run_of_han_characters_is_a_name(name: str) -> None:
    # Given any 2 to 30 characters of the unified ideographs; When checked; Then kept as typed
    assert check_name(name, holds_permit=False) == name


@given(_OTHER, st.booleans())
def test_reg_1_any_other_character_inside_a_name_is_refused(character: str, holds_permit: bool) -> None:
    # Given any character that is not Han, the separator, a look-alike dot, an ASCII letter or a space
    # When it stands inside a Han name
    # Then the name is refused on `name`
    with pytest.raises(ValidationError) as caught:
        check_name(f"张{character}三", holds_permit)
    assert caught.value.field == "name"
