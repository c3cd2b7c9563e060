"""Finding members and organisations (STAT-3): what a query is, and which index keys a name
gets. Pure rules; the index items are built in names/index.py.

A member's name is indexed by a bounded set of n-grams (GRAMS_PER_NAME at most), so that a
fragment of 1-4 characters is one Query on one gram's partition, never a scan:
- unigrams of the first UNIGRAM_CHARS characters (a one-character query is almost always a
  surname or the first given-name character);
- bigrams of the first BIGRAM_CHARS characters (any fragment of two or more characters is
  looked up by one of its bigrams and confirmed with `contains`);
- the whole name (an exact query, ranked first).
Chinese names have 2-4 characters, so for them every fragment is found. Long names (minority
and foreign names, up to 30 characters) are found whole, and by fragments that lie within
their first BIGRAM_CHARS characters.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from zhtj.core.errors import ValidationError
from zhtj.core.identity import normalize_id_number

UNIGRAM_CHARS = 4
BIGRAM_CHARS = 8
# Distinct unigrams + distinct bigrams + the whole name.
GRAMS_PER_NAME = UNIGRAM_CHARS + (BIGRAM_CHARS - 1) + 1
EXACT_MARK = "="
MAX_QUERY_CHARS = 30
FIELD = "q"

# Separators of transliterated names (阿卜杜·买买提): a fragment typed without them still matches.
_SEPARATORS = str.maketrans("", "", "·•・‧.")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# The most frequent characters of Chinese names (surnames first, then given-name characters):
# a bigram made of them is a large partition, so the search prefers a bigram without them.
_COMMON = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡余叶"
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚英华文玉兰红梅建国志海晓小子俊"
)


def normalize_name(text: str) -> str:
    """A name or fragment as it is indexed and matched: lower-cased, without spaces or name
    separators."""
    return "".join(text.lower().split()).translate(_SEPARATORS)


def name_grams(name: str) -> list[str]:
    """The index grams of a name, sorted: unigrams, bigrams and the exact mark (see the module
    doc); at most GRAMS_PER_NAME. An empty name has none."""
    normalized = normalize_name(name)
    if not normalized:
        return []
    unigrams = set(normalized[:UNIGRAM_CHARS])
    head = normalized[:BIGRAM_CHARS]
    bigrams = {head[i : i + 2] for i in range(len(head) - 1)}
    return sorted(unigrams | bigrams | {EXACT_MARK + normalized})


def exact_gram(normalized: str) -> str:
    return EXACT_MARK + normalized


def fragment_gram(normalized: str) -> str:
    """The gram whose partition holds every indexed name containing the fragment: the
    fragment itself when it is one character, otherwise its bigram expected to match the
    fewest names (fewest common characters; among equals the earliest, which a long name
    has indexed whenever the fragment starts within its first BIGRAM_CHARS - 1 characters).
    Raises ValidationError for an empty fragment."""
    if not normalized:
        raise ValidationError("SEARCH_EMPTY", "请输入要查找的姓名、组织名称或身份证号码", FIELD)
    if len(normalized) == 1:
        return normalized
    windows = [normalized[i : i + 2] for i in range(len(normalized) - 1)]
    return min(windows, key=lambda w: sum(ch in _COMMON for ch in w))


class Query(msgspec.Struct, frozen=True):
    """A search as understood: an ID number (its 18-character form, never shown or logged) or
    a name fragment (normalized)."""

    kind: Literal["ID_NUMBER", "TEXT"]
    value: str

    def __repr__(self) -> str:  # an ID number must not reach a log through a repr
        return f"Query(kind={self.kind!r})"


def parse_query(raw: str) -> Query:
    """Take the text typed; return what it asks for. A query of digits (and X) only is an ID
    number: 18 or 15 characters, full-width digits folded, checked as REG-2 checks it. Other
    text is a name fragment (an organisation's may hold digits: 2024级; a member's never
    does, REG-1). Raises ValidationError (field "q"), never echoing the number."""
    text = "".join(raw.split())
    if len(text) > MAX_QUERY_CHARS:
        raise ValidationError("SEARCH_TOO_LONG", f"查找内容不能超过{MAX_QUERY_CHARS}个字", FIELD)
    folded = text.translate(_FULL_WIDTH_DIGITS).upper().replace("Ｘ", "X")
    if folded and any(ch.isdigit() for ch in folded) and all(ch.isdigit() or ch == "X" for ch in folded):
        try:
            return Query("ID_NUMBER", normalize_id_number(text))
        except ValidationError as error:
            raise ValidationError(error.code, error.message, FIELD) from None
    normalized = normalize_name(text)
    if not normalized:
        raise ValidationError("SEARCH_EMPTY", "请输入要查找的姓名、组织名称或身份证号码", FIELD)
    return Query("TEXT", normalized)
