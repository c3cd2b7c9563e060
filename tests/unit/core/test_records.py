"""zhtj.core.records: the records the manifest and the queue messages are made of (what pydantic
did for them before): made with keywords, immutable, read from JSON data with every wrong key or
value refused by its path, written back field by field."""

from __future__ import annotations

from typing import Literal

import pytest

from zhtj.core import records
from zhtj.core.records import Record, RecordError, bounded, field, omitted


class Inner(Record):
    name: str
    note: str | None = None


class Outer(Record):
    count: int = bounded(ge=1, le=10)
    flag: bool = False
    tags: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    inner: Inner
    hidden: int = omitted(0)
    code: str = bounded("ab", pattern=r"^[a-z]+$")


class Start(Record):
    kind: Literal["start"] = "start"
    first: int


class Stop(Record):
    kind: Literal["stop"] = "stop"


def test_a_record_is_made_with_keywords_filled_with_its_defaults_and_immutable() -> None:
    # Given a record made with only its required fields
    made = Outer(count=2, inner=Inner(name="a"))
    # Then the others hold their defaults, a default made anew for each record
    assert (made.flag, made.tags, made.hidden, made.code, made.inner.note) == (False, [], 0, "ab", None)
    assert Outer(count=2, inner=Inner(name="a")).tags is not made.tags
    # And it cannot be changed, only copied with changes
    with pytest.raises(AttributeError, match="immutable"):
        made.count = 3  # type: ignore[misc]
    changed = records.replace(made, count=3)
    assert (changed.count, made.count) == (3, 2)
    # And a missing or unknown keyword is refused
    with pytest.raises(TypeError, match="missing keyword argument 'inner'"):
        Outer(count=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword"):
        Inner(name="a", nickname="b")  # type: ignore[call-arg]


def test_records_are_equal_by_type_and_values_and_hashable() -> None:
    # Given two records of the same values, and one of another type with the same values
    # Then the first two are equal and hash alike; the third equals neither
    assert Inner(name="a") == Inner(name="a") and hash(Inner(name="a")) == hash(Inner(name="a"))
    assert Inner(name="a") != Inner(name="b")
    assert Stop() != Start(first=1) and Start(first=1) == Start(first=1)
    assert repr(Inner(name="a")) == "Inner(name='a', note=None)"


def test_dump_writes_every_field_in_order_except_an_omitted_one_at_its_default() -> None:
    # Given a record with an omitted field at its default, and one with it set
    plain = Outer(count=2, inner=Inner(name="a"))
    # When each is dumped, Then every other field is written, in declaration order
    assert records.dump(plain) == {
        "count": 2,
        "flag": False,
        "tags": [],
        "extra": {},
        "inner": {"name": "a", "note": None},
        "code": "ab",
    }
    assert list(records.dump(plain)) == ["count", "flag", "tags", "extra", "inner", "code"]
    assert records.dump(records.replace(plain, hidden=4))["hidden"] == 4
    # And parse gives the same record back
    assert records.parse(Outer, records.dump(plain)) == plain


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"inner": {"name": "a"}}, "count: is required"),
        ({"count": 0, "inner": {"name": "a"}}, "count: must be at least 1"),
        ({"count": 11, "inner": {"name": "a"}}, "count: must be at most 10"),
        ({"count": True, "inner": {"name": "a"}}, "count: must be a whole number"),
        ({"count": "2", "inner": {"name": "a"}}, "count: must be a whole number"),
        ({"count": 2, "inner": {"name": 5}}, "inner.name: must be a text"),
        ({"count": 2, "inner": "a"}, "inner: must be a mapping"),
        ({"count": 2, "inner": {"name": "a"}, "tags": "x"}, "tags: must be a list"),
        ({"count": 2, "inner": {"name": "a"}, "tags": ["x", 1]}, r"tags\[1\]: must be a text"),
        ({"count": 2, "inner": {"name": "a"}, "extra": {"k": 1}}, "extra.k: must be a text"),
        ({"count": 2, "inner": {"name": "a"}, "code": "AB"}, "code: must match"),
        ({"count": 2, "inner": {"name": "a"}, "flag": 1}, "flag: must be true or false"),
        ({"count": 2, "inner": {"name": "a", "age": 3}}, r"inner: unknown keys \['age'\]"),
    ],
)
def test_parse_refuses_wrong_data_naming_where(data: dict[str, object], where: str) -> None:
    # Given data that is not an Outer, When it is parsed, Then RecordError names the place
    with pytest.raises(RecordError, match=where):
        records.parse(Outer, data)


def test_unknown_keys_may_be_ignored_at_every_level() -> None:
    # Given data with keys no record declares, When parsed ignoring unknown keys, Then they are dropped
    parsed = records.parse(Outer, {"count": 2, "new": 1, "inner": {"name": "a", "age": 3}}, ignore_unknown=True)
    assert parsed == Outer(count=2, inner=Inner(name="a"))


def test_a_union_of_records_is_told_apart_by_its_tag() -> None:
    # Given a union of records, each with its own Literal `kind`
    either = Start | Stop
    # When data of each kind is parsed, Then it gives the record of that kind
    assert records.parse(either, {"kind": "start", "first": 3}) == Start(first=3)
    assert records.parse(either, {"kind": "stop"}) == Stop()
    # And a kind no member has, or none, is refused naming the tag
    for data in ({"kind": "pause"}, {"first": 3}):
        with pytest.raises(RecordError, match="kind: must be one of"):
            records.parse(either, data)
    # And a record with a tag refuses another value for it
    with pytest.raises(RecordError, match="kind: must be one of"):
        records.parse(Start, {"kind": "stop", "first": 3})
