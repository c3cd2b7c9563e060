"""ID numbers never reach the logs in plain text (zhtj.logredact): text, structures, and a
powertools Logger with the masking installed (its JSON output, pytest's capture, tracebacks)."""

from __future__ import annotations

import io
import itertools
import json
import logging
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from zhtj.core.logredact import IdNumberFilter, install, is_installed, redact, redact_text

ID = "11010519491231002X"
MASKED = "****************2X"
OTHER_ID = "440524188001010014"
LEGACY = "110105491231002"
_names = itertools.count()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ID, MASKED),
        ("11010519491231002x", MASKED),
        (f"id={ID},name=张三", f"id={MASKED},name=张三"),
        (f"身份证{ID}已注册", f"身份证{MASKED}已注册"),
        (f"ID:{ID}abc", f"ID:{MASKED}abc"),
        ("１１０１０５１９４９１２３１００２Ｘ", MASKED),
        ("110105 19491231 002X", MASKED),
        ("110105-19491231-002X", MASKED),
        (f"{ID} and {OTHER_ID}", f"{MASKED} and ****************14"),
        (LEGACY, "*************02"),
        (f"old:{LEGACY}.", "old:*************02."),
        # Not ID-shaped: longer or shorter digit runs (order numbers, phones, timestamps).
        ("order 12345678901234567890", "order 12345678901234567890"),
        ("1101051949123100211", "1101051949123100211"),
        ("13800138000 1700000000000", "13800138000 1700000000000"),
        ("2018-11-15T08:00:00+08:00", "2018-11-15T08:00:00+08:00"),
        ("", ""),
    ],
)
def test_ids_are_masked_in_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_masking_is_idempotent() -> None:
    assert redact_text(redact_text(f"{ID} {LEGACY}")) == f"{MASKED} *************02"


class _Holder:
    def __str__(self) -> str:
        return f"Holder({ID})"


def test_ids_are_masked_in_structures() -> None:
    # Given
    value = {
        "id": ID,
        ID: "as a key",
        "nested": {"list": [ID, (LEGACY,)], "number": 110105194912310026, "float": 1.5, "count": 3},
        "object": _Holder(),
        "flag": True,
        "none": None,
    }
    # When / Then
    assert redact(value) == {
        "id": MASKED,
        MASKED: "as a key",
        "nested": {"list": [MASKED, ["*************02"]], "number": "****************26", "float": 1.5, "count": 3},
        "object": f"Holder({MASKED})",
        "flag": True,
        "none": None,
    }
    assert value["id"] == ID  # the caller's data is not changed


def test_objects_without_ids_are_kept() -> None:
    holder = object()
    assert redact(holder) is holder


def test_deep_and_cyclic_structures_do_not_break_masking() -> None:
    cyclic: list[Any] = [ID]
    cyclic.append(cyclic)
    assert ID not in str(redact(cyclic))


def _logger() -> tuple[Logger, io.StringIO]:
    """A powertools Logger of its own (service names are process-wide) writing to a buffer."""
    stream = io.StringIO()
    logger = Logger(service=f"redact-test-{next(_names)}", logger_handler=logging.StreamHandler(stream))
    install(logger)
    return logger, stream


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_logger_masks_the_message_and_its_arguments() -> None:
    # Given
    logger, stream = _logger()
    # When
    logger.info("registered %s", ID)
    logger.info(f"registered {ID}")
    logger.info({"structured": ID, "nested": [LEGACY]})
    # Then
    output = stream.getvalue()
    assert ID not in output and LEGACY not in output
    lines = _lines(stream)
    assert lines[0]["message"] == lines[1]["message"] == f"registered {MASKED}"
    assert lines[2]["message"] == {"structured": MASKED, "nested": ["*************02"]}


def test_a_logger_masks_extra_fields_and_appended_keys() -> None:
    # Given
    logger, stream = _logger()
    # When
    logger.append_keys(person=ID)
    logger.info("event", extra={"id_number": ID, "detail": {"ids": [ID], ID: 1, "number": 110105194912310026}})
    # Then
    output = stream.getvalue()
    assert ID not in output and "110105194912310026" not in output
    (line,) = _lines(stream)
    assert line["person"] == MASKED
    assert line["id_number"] == MASKED
    assert line["detail"] == {"ids": [MASKED], MASKED: 1, "number": "****************26"}


def test_a_logger_masks_exception_text_and_tracebacks() -> None:
    # Given
    logger, stream = _logger()
    # When
    try:
        raise KeyError(f"no member with {ID}")
    except KeyError:
        logger.exception("lookup failed for %s", ID)
    # Then
    output = stream.getvalue()
    assert ID not in output
    (line,) = _lines(stream)
    assert MASKED in line["exception"] and "Traceback" in line["exception"]


def test_child_loggers_are_masked_through_the_parent_handler() -> None:
    parent, stream = _logger()
    child = Logger(service=parent.service, child=True)
    child.info("child %s", ID, extra={"id": ID})
    assert stream.getvalue()
    assert ID not in stream.getvalue()


def test_install_is_idempotent() -> None:
    logger, stream = _logger()
    install(logger)
    assert is_installed(logger)
    assert sum(isinstance(f, IdNumberFilter) for f in logging.getLogger(logger.name).filters) == 1
    assert sum(isinstance(f, IdNumberFilter) for f in logger.registered_handler.filters) == 1
    logger.info(ID)
    assert _lines(stream)[0]["message"] == MASKED


def test_caplog_sees_only_masked_records(caplog: pytest.LogCaptureFixture) -> None:
    # Given
    logger, _ = _logger()
    # When
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info("registered %s", ID, extra={"id_number": ID})
        try:
            raise ValueError(ID)
        except ValueError:
            logger.exception("failed")
    # Then
    assert caplog.records
    assert ID not in caplog.text
    assert all(ID not in record.getMessage() for record in caplog.records)
    assert caplog.records[0].id_number == MASKED  # type: ignore[attr-defined]
    assert MASKED in caplog.text


def test_stdout_never_shows_the_id(capsys: pytest.CaptureFixture[str]) -> None:
    # The default handler writes to the sys.stdout of its creation: capsys's here.
    # Given
    logger = Logger(service=f"redact-test-{next(_names)}")
    install(logger)
    # When
    logger.info("registered %s", ID, extra={"person": {"id": ID}})
    try:
        raise RuntimeError(ID)
    except RuntimeError:
        logger.exception("failed")
    # Then
    out = capsys.readouterr().out
    assert MASKED in out
    assert ID not in out


def test_a_standard_logger_is_masked_too() -> None:
    # Given
    stream = io.StringIO()
    std = logging.getLogger(f"redact-test-std-{next(_names)}")
    std.propagate = False
    handler = logging.StreamHandler(stream)
    std.addHandler(handler)
    install(std)
    # When
    try:
        raise KeyError(ID)
    except KeyError:
        std.error("failed %s", ID, exc_info=True)
    # Then
    assert ID not in stream.getvalue()
    assert MASKED in stream.getvalue()
    assert any(isinstance(f, IdNumberFilter) for f in handler.filters)


def test_the_system_logger_masks_id_numbers() -> None:
    from zhtj.core.observability import logger

    assert is_installed(logger)
