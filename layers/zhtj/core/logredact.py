"""Masking ID numbers in logs: the safety net under "never log an ID number in plain text".

Anything shaped like a resident ID number is masked with `mask_id_number` wherever it
appears in a log line: the message and its arguments, `extra` fields (nested dicts and lists
too, keys included), keys appended to the powertools Logger, exception text and tracebacks,
stack info. Shapes: 18 characters (17 digits and a digit or X) and the 15-digit legacy form,
ASCII or full-width, optionally grouped 6-8-4 (6-6-3) by single spaces or hyphens, not part of
a longer run of digits. Order numbers and other longer digit runs are left alone, so code must
still never log a raw, possibly mistyped, ID number on purpose.

`install(logger)` attaches it to a powertools Logger (or a standard logging.Logger).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from zhtj.core.identity import MASK_KEEPS, mask_id_number

_D = "[0-9\uff10-\uff19]"  # ASCII and full-width digits
_LAST = "[0-9\uff10-\uff19XxＸｘ]"
_SEP = "[ -]?"
ID_NUMBER_PATTERN = re.compile(
    rf"(?<![0-9\uff10-\uff19])(?:"
    rf"{_D}{{6}}{_SEP}{_D}{{8}}{_SEP}{_D}{{3}}{_LAST}"  # 18 characters
    rf"|{_D}{{6}}{_SEP}{_D}{{6}}{_SEP}{_D}{{3}}"  # 15-digit legacy form
    rf")(?![0-9\uff10-\uff19])"
)
_FOLD = str.maketrans("０１２３４５６７８９Ｘｘx", "0123456789XXX", " -")
# Nested values deeper than this are masked as their text: logs hold no deeper structures on
# purpose, and a cycle must not recurse forever.
_MAX_DEPTH = 16
_MARK = "_zhtj_id_redaction"
# Attributes every LogRecord has; anything else on a record came from `extra`.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def _mask_match(match: re.Match[str]) -> str:
    folded = match.group(0).translate(_FOLD)
    if len(folded) == 18:
        return mask_id_number(folded)
    # The legacy form shows as much as the 18-character mask does: its last two characters.
    return "*" * (len(folded) - MASK_KEEPS) + folded[-MASK_KEEPS:]


def redact_text(text: str) -> str:
    """Take a text; return it with every ID-number-shaped part masked."""
    return ID_NUMBER_PATTERN.sub(_mask_match, text)


def redact(value: Any, _depth: int = 0) -> Any:
    """Take a log value (str, number, dict, list, any object); return it with ID numbers masked.

    Containers are copied, never changed in place; an int or float whose digits look like an
    ID number becomes its masked text (a masked number would not be valid JSON); any other
    object is kept unless its text shows an ID number, then it becomes that masked text.
    """
    if isinstance(value, str):
        return redact_text(value)
    if value is None or isinstance(value, bool):
        return value
    if _depth >= _MAX_DEPTH:
        return redact_text(str(value))
    if isinstance(value, Mapping):
        return {redact(key, _depth + 1): redact(item, _depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item, _depth + 1) for item in value]
    text = repr(value) if isinstance(value, int | float) else str(value)
    masked = redact_text(text)
    return value if masked == text else masked


def _format_exception(record: logging.LogRecord) -> str | None:
    if record.exc_text:
        return record.exc_text
    if record.exc_info:
        return logging.Formatter().formatException(record.exc_info)
    return None


class IdNumberFilter(logging.Filter):
    """A logging filter that masks ID numbers in a record in place; it never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Take a record; mask its message, extra fields, exception and stack text; return True."""
        if record.args or isinstance(record.msg, str):
            try:
                message = record.getMessage()
            except Exception:
                # A malformed format call: leave it for the handler, which reports it.
                message = None
            if message is not None:
                record.msg, record.args = redact_text(message), None
        else:
            # A structured message (powertools logs a dict message as JSON): keep its shape.
            record.msg = redact(record.msg)
        for key, value in list(record.__dict__.items()):
            if key not in _RECORD_ATTRIBUTES:
                setattr(record, key, redact(value))
        exception_text = _format_exception(record)
        if exception_text is not None:
            # Standard formatters print exc_text instead of formatting exc_info again.
            record.exc_text = redact_text(exception_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def _redacting_serializer(serialize: Callable[[Any], str]) -> Callable[[Any], str]:
    def redacting_serialize(log: Any) -> str:
        # Structured first (numbers, keys, objects), then the text: appended keys and exception
        # text reach the powertools formatter without passing any filter.
        return redact_text(serialize(redact(log)))

    setattr(redacting_serialize, _MARK, True)
    return redacting_serialize


def install(logger: Logger | logging.Logger) -> None:
    """Take a powertools Logger or a logging.Logger; attach ID-number masking (idempotent).

    Adds the filter to the logger (records it logs) and to its handlers (records its child
    loggers propagate to them); for powertools, also masks the final JSON line.
    """
    if is_installed(logger):
        return
    id_filter = IdNumberFilter()
    logger.addFilter(id_filter)
    handlers = [logger.registered_handler] if isinstance(logger, Logger) else list(logger.handlers)
    for handler in handlers:
        if handler is not None and not any(isinstance(f, IdNumberFilter) for f in handler.filters):
            handler.addFilter(id_filter)
        formatter = handler.formatter if handler is not None else None
        if isinstance(formatter, LambdaPowertoolsFormatter) and not getattr(formatter.json_serializer, _MARK, False):
            formatter.json_serializer = _redacting_serializer(formatter.json_serializer)


def is_installed(logger: Logger | logging.Logger) -> bool:
    """Take a logger; return whether `install` has attached masking to it."""
    target = logging.getLogger(logger.name) if isinstance(logger, Logger) else logger
    return any(isinstance(f, IdNumberFilter) for f in target.filters)
