"""Frozen dataclasses read from and written as JSON data: the wiring manifest (core/manifest.py)
and the queue messages (table/queues.py). pydantic did this before; a function's cold start paid
≈ 45 ms to load its model machinery and ≈ 1 ms a model to build each schema at import, for data
that only ever holds strings, numbers, flags, lists and maps of those, nested records and
`Literal` tags (docs/architecture.md, "Cold starts"). The HTTP models keep pydantic.

A record is a `@dataclass(frozen=True, kw_only=True)` whose field types are among: `str`, `int`
(not a bool), `bool`, `X | None`, `list[X]`, `dict[str, X]`, `Literal[...]`, another record, or
a union of records told apart by a field every member declares as a `Literal` (its tag:
`kind`, `type`). `parse(type, data)` reads JSON data as that type: a missing field takes its
default, an unknown key is refused or, with `ignore_unknown`, ignored, and anything else wrong
raises `RecordError` naming the path. `dump(record)` gives the JSON data, fields in declaration
order, every field written except those made with `omitted()` while they hold their default.
Limits on a field (`bounded(ge=, le=, pattern=, min_length=)`) are checked on parse.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, Literal, TypeVar, Union

T = TypeVar("T")
_OMITTED = "records.omitted"
_BOUNDS = "records.bounds"


class RecordError(ValueError):
    """Data that is not the record it should be (the message names where)."""


def omitted(default: Any = None) -> Any:
    """A field left out of the JSON while it holds `default` (a key the data carries only
    sometimes)."""
    return dataclasses.field(default=default, metadata={_OMITTED: True})


def bounded(
    default: Any = dataclasses.MISSING,
    *,
    ge: int | None = None,
    le: int | None = None,
    pattern: str | None = None,
    min_length: int | None = None,
) -> Any:
    """A field whose value is checked on parse: a number within [ge, le], a text matching
    `pattern`, a list of at least `min_length`."""
    bounds = {"ge": ge, "le": le, "pattern": pattern, "min_length": min_length}
    return dataclasses.field(default=default, metadata={_BOUNDS: bounds})


def parse(kind: Any, data: Any, *, ignore_unknown: bool = False) -> Any:
    """`data` (as json.loads gives it) read as `kind` (a record class or a union of them)."""
    return _reader(kind, ignore_unknown)(data, "")


def dump(record: Any) -> dict[str, Any]:
    """The JSON data of a record (nested records as mappings)."""
    out: dict[str, Any] = {}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if field.metadata.get(_OMITTED) and value == field.default:
            continue
        out[field.name] = _dump_value(value)
    return out


def _dump_value(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dump(value)
    if isinstance(value, list):
        return [_dump_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump_value(v) for k, v in value.items()}
    return value


Reader = Callable[[Any, str], Any]


def _fail(path: str, problem: str) -> typing.NoReturn:
    raise RecordError(f"{path or 'the data'}: {problem}")


@cache
def _reader(kind: Any, ignore_unknown: bool) -> Reader:
    """How to read `kind` (built once per type, at its first use)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is str or kind is int or kind is bool:
        return _scalar(kind)
    if kind is type(None):
        return _scalar(type(None))
    if origin is Literal:
        allowed = args

        def literal(value: Any, path: str) -> Any:
            if value not in allowed or isinstance(value, bool) != isinstance(allowed[0], bool):
                _fail(path, f"must be one of {list(allowed)}, not {value!r}")
            return value

        return literal
    if origin is list:
        item = _reader(args[0], ignore_unknown)

        def listed(value: Any, path: str) -> Any:
            if not isinstance(value, list):
                _fail(path, "must be a list")
            return [item(v, f"{path}[{i}]") for i, v in enumerate(value)]

        return listed
    if origin is dict:
        entry = _reader(args[1], ignore_unknown)

        def mapped(value: Any, path: str) -> Any:
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                _fail(path, "must be a mapping of texts")
            return {k: entry(v, f"{path}.{k}" if path else k) for k, v in value.items()}

        return mapped
    if origin is Union or origin is types.UnionType:
        return _union(args, ignore_unknown)
    if dataclasses.is_dataclass(kind):
        return _record(kind, ignore_unknown)
    raise TypeError(f"records cannot read {kind!r}")


def _scalar(kind: type) -> Reader:
    name = {str: "a text", int: "a whole number", bool: "true or false", type(None): "null"}[kind]

    def scalar(value: Any, path: str) -> Any:
        # bool is an int to Python, not to JSON.
        if type(value) is not kind:
            _fail(path, f"must be {name}, not {value!r}")
        return value

    return scalar


def _union(members: tuple[Any, ...], ignore_unknown: bool) -> Reader:
    optional = type(None) in members
    rest = tuple(m for m in members if m is not type(None))
    if len(rest) == 1:
        only = _reader(rest[0], ignore_unknown)
        return lambda value, path: None if value is None and optional else only(value, path)
    if not all(dataclasses.is_dataclass(m) for m in rest):
        raise TypeError(f"records read a union of records only (told apart by a tag): {members!r}")
    tag, by_tag = _tagged(rest)
    readers = {value: _reader(member, ignore_unknown) for value, member in by_tag.items()}

    def tagged(value: Any, path: str) -> Any:
        if value is None and optional:
            return None
        if not isinstance(value, dict):
            _fail(path, "must be a mapping")
        reader = readers.get(value.get(tag))
        if reader is None:
            _fail(f"{path}.{tag}" if path else tag, f"must be one of {sorted(readers)}, not {value.get(tag)!r}")
        return reader(value, path)

    return tagged


def _tagged(members: tuple[Any, ...]) -> tuple[str, dict[Any, Any]]:
    """The field every member declares as one `Literal` value, and the member of each value."""
    hints = [_hints(m) for m in members]
    for name in hints[0]:
        values = [h.get(name) for h in hints]
        if all(typing.get_origin(v) is Literal and len(typing.get_args(v)) == 1 for v in values):
            return name, {typing.get_args(v)[0]: m for v, m in zip(values, members, strict=True)}
    raise TypeError(f"no tag tells these records apart: {members!r}")


def _hints(kind: Any) -> dict[str, Any]:
    module = sys.modules[kind.__module__]
    return typing.get_type_hints(kind, vars(module))


def _record(kind: Any, ignore_unknown: bool) -> Reader:
    hints = _hints(kind)
    fields = [
        (f.name, _reader(hints[f.name], ignore_unknown), _required(f), _checks(f))
        for f in dataclasses.fields(kind)
        if f.init
    ]
    known = {name for name, *_ in fields}

    def record(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            _fail(path, "must be a mapping")
        if not ignore_unknown and (unknown := set(value) - known):
            _fail(path, f"unknown keys {sorted(unknown)}")
        given: dict[str, Any] = {}
        for name, read, required, check in fields:
            where = f"{path}.{name}" if path else name
            if name in value:
                given[name] = read(value[name], where)
                if check is not None:
                    check(given[name], where)
            elif required:
                _fail(where, "is required")
        return kind(**given)

    return record


def _required(field: dataclasses.Field[Any]) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


def _checks(field: dataclasses.Field[Any]) -> Callable[[Any, str], None] | None:
    bounds = field.metadata.get(_BOUNDS)
    if not bounds:
        return None
    ge, le, min_length = bounds["ge"], bounds["le"], bounds["min_length"]
    pattern = re.compile(bounds["pattern"]) if bounds["pattern"] else None

    def check(value: Any, path: str) -> None:
        if value is None:
            return
        if ge is not None and value < ge:
            _fail(path, f"must be at least {ge}, not {value}")
        if le is not None and value > le:
            _fail(path, f"must be at most {le}, not {value}")
        if pattern is not None and not pattern.search(value):
            _fail(path, f"must match {pattern.pattern}, not {value!r}")
        if min_length is not None and len(value) < min_length:
            _fail(path, f"must hold at least {min_length}")

    return check
