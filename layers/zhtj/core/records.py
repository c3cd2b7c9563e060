"""Records read from and written as JSON data: the wiring manifest (core/manifest.py) and the
queue messages (table/queues.py). pydantic did this before; a function's cold start paid ≈ 45 ms
to load its model machinery and ≈ 1 ms a model to build each schema at import, for data that
only ever holds strings, numbers, flags, lists and maps of those, nested records and `Literal`
tags. Standard dataclasses cost ≈ 0.9 ms a class at import (they compile six methods each), so a
`Record` is a class whose fields are read from its annotations when it is defined and served by
methods shared by every record (docs/architecture.md, "Cold starts"). The HTTP models keep
pydantic.

A record subclasses `Record` and is what a `@dataclass(frozen=True, kw_only=True)` would be (to
mypy too: `dataclass_transform`): made with keywords, immutable, equal by type and values,
hashable when its values are; `replace(record, **changes)` gives a changed copy. Field types:
`str`, `int` (not a bool), `bool`, `X | None`, `list[X]`, `dict[str, X]`, `Literal[...]`, another
record, or a union of records told apart by a field every member declares as a `Literal` (its
tag: `kind`, `type`). `parse(type, data)` reads JSON data as that type: a missing field takes its
default, an unknown key is refused or, with `ignore_unknown`, ignored, and anything else wrong
raises `RecordError` naming the path. `dump(record)` gives the JSON data, fields in declaration
order, every field written except those made with `omitted()` while they hold their default.
Limits on a field (`bounded(ge=, le=, pattern=, min_length=)`) are checked on parse.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, ClassVar, Literal, TypeVar, Union, dataclass_transform

T = TypeVar("T")
R = TypeVar("R", bound="Record")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class RecordError(ValueError):
    """Data that is not the record it should be (the message names where)."""


class Field:
    """How a record's field is filled and written (what `field`, `omitted` and `bounded` give)."""

    __slots__ = ("default", "default_factory", "ge", "le", "min_length", "name", "omitted", "pattern")

    def __init__(
        self,
        default: Any = MISSING,
        default_factory: Callable[[], Any] | None = None,
        omitted: bool = False,
        ge: int | None = None,
        le: int | None = None,
        pattern: str | None = None,
        min_length: int | None = None,
    ) -> None:
        self.name = ""
        self.default, self.default_factory, self.omitted = default, default_factory, omitted
        self.ge, self.le, self.pattern, self.min_length = ge, le, pattern, min_length

    @property
    def required(self) -> bool:
        return self.default is MISSING and self.default_factory is None

    def initial(self) -> Any:
        return self.default_factory() if self.default_factory is not None else self.default


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] | None = None) -> Any:
    """A field with a default, or a default made anew for each record (`default_factory=dict`)."""
    return Field(default, default_factory)


def omitted(default: Any = None) -> Any:
    """A field left out of the JSON while it holds `default` (a key the data carries only
    sometimes)."""
    return Field(default, omitted=True)


def bounded(
    default: Any = MISSING,
    *,
    ge: int | None = None,
    le: int | None = None,
    pattern: str | None = None,
    min_length: int | None = None,
) -> Any:
    """A field whose value is checked on parse: a number within [ge, le], a text matching
    `pattern`, a list of at least `min_length`."""
    return Field(default, ge=ge, le=le, pattern=pattern, min_length=min_length)


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(field,))
class Record:
    """Base of every record: its fields are its annotated class attributes (with its bases'
    first), in declaration order."""

    __slots__ = ()
    __record_fields__: ClassVar[tuple[Field, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = {f.name: f for f in cls.__record_fields__}
        for name, annotation in inspect.get_annotations(cls).items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            value = cls.__dict__.get(name, MISSING)
            spec = value if isinstance(value, Field) else Field(value)
            spec.name = name
            fields[name] = spec
            if isinstance(value, Field):  # a plain default stays a class attribute; a spec does not
                delattr(cls, name)
        cls.__record_fields__ = tuple(fields.values())

    def __init__(self, **values: Any) -> None:
        for spec in self.__record_fields__:
            if spec.name in values:
                value = values.pop(spec.name)
            elif spec.required:
                raise TypeError(f"{type(self).__name__}() missing keyword argument {spec.name!r}")
            else:
                value = spec.initial()
            object.__setattr__(self, spec.name, value)
        if values:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword arguments {sorted(values)}")
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, spec.name) for spec in self.__record_fields__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{spec.name}={getattr(self, spec.name)!r}" for spec in self.__record_fields__)
        return f"{type(self).__name__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot delete {name!r}")


def replace(record: R, **changes: Any) -> R:
    """A copy of `record` with `changes`."""
    values = {spec.name: getattr(record, spec.name) for spec in record.__record_fields__}
    return type(record)(**{**values, **changes})


def parse(kind: Any, data: Any, *, ignore_unknown: bool = False) -> Any:
    """`data` (as json.loads gives it) read as `kind` (a record class or a union of them)."""
    return _reader(kind, ignore_unknown)(data, "")


def dump(record: Record) -> dict[str, Any]:
    """The JSON data of a record (nested records as mappings)."""
    out: dict[str, Any] = {}
    for spec in record.__record_fields__:
        value = getattr(record, spec.name)
        if spec.omitted and value == spec.default:
            continue
        out[spec.name] = _dump_value(value)
    return out


def _dump_value(value: Any) -> Any:
    if isinstance(value, Record):
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
    if isinstance(kind, type) and issubclass(kind, Record):
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
    if not all(isinstance(m, type) and issubclass(m, Record) for m in rest):
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
    return typing.get_type_hints(kind)


def _record(kind: Any, ignore_unknown: bool) -> Reader:
    hints = _hints(kind)
    fields = [(spec.name, _reader(hints[spec.name], ignore_unknown), spec) for spec in kind.__record_fields__]
    known = {name for name, *_ in fields}

    def record(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            _fail(path, "must be a mapping")
        if not ignore_unknown and (unknown := set(value) - known):
            _fail(path, f"unknown keys {sorted(unknown)}")
        given: dict[str, Any] = {}
        for name, read, spec in fields:
            where = f"{path}.{name}" if path else name
            if name in value:
                given[name] = _checked(spec, read(value[name], where), where)
            elif spec.required:
                _fail(where, "is required")
        return kind(**given)

    return record


def _checked(spec: Field, value: Any, path: str) -> Any:
    if value is None:
        return value
    if spec.ge is not None and value < spec.ge:
        _fail(path, f"must be at least {spec.ge}, not {value}")
    if spec.le is not None and value > spec.le:
        _fail(path, f"must be at most {spec.le}, not {value}")
    if spec.pattern is not None and not re.search(spec.pattern, value):
        _fail(path, f"must match {spec.pattern}, not {value!r}")
    if spec.min_length is not None and len(value) < spec.min_length:
        _fail(path, f"must hold at least {spec.min_length}")
    return value
