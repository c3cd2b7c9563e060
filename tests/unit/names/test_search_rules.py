"""STAT-3's pure rules: what a query is, and the bounded grams a name is indexed by."""

from __future__ import annotations

import pytest

from zhtj.core.errors import ValidationError
from zhtj.core.identity import check_character
from zhtj.names.rules import GRAMS_PER_NAME, exact_gram, fragment_gram, name_grams, normalize_name, parse_query

BODY = "44010620050301123"
ID18 = BODY + check_character(BODY)
FULL_WIDTH = ID18.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))


def test_stat_3_an_id_number_is_recognised_in_every_typed_form() -> None:
    # Given
    legacy_body = "440106900301123"  # 15 digits: 1990-03-01
    legacy18 = legacy_body[:6] + "19" + legacy_body[6:]
    legacy18 += check_character(legacy18)
    # When
    for typed, expected in (
        (ID18, ID18),
        (FULL_WIDTH, ID18),
        (f" {ID18[:6]} {ID18[6:14]} {ID18[14:]} ", ID18),
        (ID18[:-1] + ID18[-1].lower(), ID18),
        (legacy_body, legacy18),
    ):
        query = parse_query(typed)
        # Then
        assert (query.kind, query.value) == ("ID_NUMBER", expected)
        assert ID18 not in repr(query) and legacy18 not in repr(query)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        (BODY + ("0" if check_character(BODY) != "0" else "1"), "ID_CHECKSUM"),
        (ID18[:16], "ID_LENGTH"),
        ("1234５６", "ID_LENGTH"),
        (ID18[:5] + "X" + ID18[6:], "ID_FORMAT"),
    ],
)
def test_stat_3_a_malformed_id_number_is_refused_on_q_without_echoing_it(typed: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_query(typed)
    assert (refused.value.code, refused.value.field) == (code, "q")
    assert typed not in refused.value.message and typed not in str(refused.value)


def test_stat_3_a_name_fragment_is_normalized_text() -> None:
    assert parse_query(" 张 伟 ").value == "张伟"
    assert parse_query("2024级").kind == "TEXT"  # an organisation's name may hold digits
    assert parse_query("阿卜杜·买买提").value == "阿卜杜买买提"
    with pytest.raises(ValidationError) as refused:
        parse_query("   ")
    assert refused.value.code == "SEARCH_EMPTY"


def test_stat_3_chinese_names_get_every_unigram_bigram_and_the_whole_name() -> None:
    assert name_grams("张伟") == sorted({"张", "伟", "张伟", exact_gram("张伟")})
    assert name_grams("欧阳娜娜") == sorted({"欧", "阳", "娜", "欧阳", "阳娜", "娜娜", exact_gram("欧阳娜娜")})
    # Every fragment of a 2-4 character name has its query gram among the name's grams.
    for name in ("张伟", "李晓明", "欧阳娜娜", "司马相如"):
        grams = set(name_grams(name))
        for start in range(len(name)):
            for end in range(start + 1, len(name) + 1):
                assert fragment_gram(normalize_name(name[start:end])) in grams, (name, name[start:end])


def test_stat_3_the_tokens_per_member_are_bounded_for_long_names() -> None:
    long_name = "阿卜杜热合曼·买买提艾力·克里木江·吐尔逊阿依古丽"  # 28 characters
    grams = name_grams(long_name)
    assert len(grams) <= GRAMS_PER_NAME == 12
    assert exact_gram(normalize_name(long_name)) in grams
    assert fragment_gram("买买") in grams  # within the first 8 characters


def test_stat_3_the_query_gram_avoids_the_most_common_name_characters() -> None:
    assert fragment_gram("张") == "张"
    assert fragment_gram("张伟") == "张伟"
    assert fragment_gram("张翊鸣") == "翊鸣"  # 张 is the commonest surname
    assert fragment_gram("晓明") == "晓明"
