"""The whole test run, watched for plaintext ID numbers (personal data: never in plain text).

Installed once per test process by tests/conftest.py, it reads, as the run goes:
- every HTTP response the Chalice test client returns (body and headers) and every payload a
  function invoked through it returns;
- every log line: the final JSON line of the system's powertools Logger (after its masking,
  zhtj.logredact), and every record any other logger hands to the root logger;
- every version of every DynamoDB item (through the table's stream: deleted and overwritten
  ones too), every SQS message, and every version of every S3 object in moto, each time a mock
  ends (whatever created it: the `aws` fixture, a module's own mock, a decorator). An object is
  read as text: an xlsx (any zip) member by member, its XML holding the cells' text; anything
  else (PDF, JSON, text) as its bytes. An earlier version or one behind a delete marker is read
  like the current one: only an object removed for good, every version, is not there to read.

An ID number is an 18-character GB 11643 number with a valid region, birth date and check
character, or a 15-digit legacy number with a valid region and birth date, ASCII or
full-width, plain or grouped (zhtj.logredact's shapes, validated by
zhtj.domain.identity.normalize_id_number, so an order number or a timestamp is not one),
standing alone (not inside a longer run of letters and digits: a hex id is not one).
The only places one may appear are the answers the reviewing branch gets from
GET /registrations/{id}/id-number and the member's branch from
GET /members/{id}/id-number (200). Findings are kept masked and reported at the end of
the session (the teardown of a session fixture, so that it fails under xdist too).

Not seen: messages sent and deleted within one mock, objects written and removed for good
within one mock (an import's upload once its rows are written: that removal is what is
watched for), and the subprocess local stack of tests/e2e.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import time
import weakref
import zipfile
from collections.abc import Callable
from typing import Any

from zhtj.core.errors import ValidationError
from zhtj.core.identity import mask_id_number, normalize_id_number

PERMITTED_RESPONSE = re.compile(r"^/(registrations|members)/[^/?]+/id-number(\?.*)?$")
# A candidate needs 6 digits in a row; most texts have none, and skip the full pattern.
_DIGIT_RUN = re.compile(r"[0-9\uff10-\uff19]{6}")
# zhtj.logredact's shapes, standing alone: not inside a run of letters or digits, so that a hex
# digest or id (an event id, an idempotency key) whose digits happen to line up is not one.
_D = "[0-9\uff10-\uff19]"
_ALNUM = "0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
_CANDIDATE = re.compile(
    rf"(?<![{_ALNUM}])(?:"
    rf"{_D}{{6}}[ -]?{_D}{{8}}[ -]?{_D}{{3}}[0-9\uff10-\uff19XxＸｘ]"
    rf"|{_D}{{6}}[ -]?{_D}{{6}}[ -]?{_D}{{3}}"
    rf")(?![{_ALNUM}])"
)

findings: list[str] = []
counts = {"responses": 0, "log_lines": 0, "items": 0, "messages": 0, "objects": 0}
seconds = [0.0]  # spent reading, the watch's whole cost to the run
# Stream records already read, by id; weak, so that a freed record's id reused by a new one is not skipped.
_seen_stream_records: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
# S3 object versions already read, likewise: a version's content never changes.
_seen_objects: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
_installed = False


def plaintext_ids(text: str) -> list[str]:
    """Take a text; return the ID numbers in it, masked (the report never shows one)."""
    if not _DIGIT_RUN.search(text):
        return []
    found = []
    for match in _CANDIDATE.finditer(text):
        try:
            found.append(mask_id_number(normalize_id_number(match.group(0))))
        except ValidationError:
            continue
    return found


def _note(where: str, text: str) -> None:
    started = time.perf_counter()
    for masked in plaintext_ids(text):
        test = os.environ.get("PYTEST_CURRENT_TEST", "outside a test").rsplit(" ", 1)[0]
        findings.append(f"{where}: {masked} ({test})")
    seconds[0] += time.perf_counter() - started


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def _watch_http() -> None:
    from chalice.test import TestHTTPClient, TestLambdaClient

    request: Callable[..., Any] = TestHTTPClient.request
    invoke: Callable[..., Any] = TestLambdaClient.invoke

    def watched_request(self: Any, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        response = request(self, method, path, *args, **kwargs)
        counts["responses"] += 1
        if not (response.status_code == 200 and PERMITTED_RESPONSE.match(path)):
            _note(f"response {method} {path} {response.status_code}", _text(response.body) + _text(response.headers))
        return response

    def watched_invoke(self: Any, function_name: str, *args: Any, **kwargs: Any) -> Any:
        response = invoke(self, function_name, *args, **kwargs)
        counts["responses"] += 1
        _note(f"function {function_name}", _text(response.payload))
        return response

    TestHTTPClient.request = watched_request  # type: ignore[method-assign]
    TestLambdaClient.invoke = watched_invoke  # type: ignore[method-assign]


class _RootLines(logging.Handler):
    """Every record that reaches the root logger, formatted with its exception."""

    def emit(self, record: logging.LogRecord) -> None:
        counts["log_lines"] += 1
        try:
            _note(f"log {record.name}", self.format(record))
        except Exception:
            self.handleError(record)


def _watch_logs() -> None:
    from zhtj.core.observability import logger

    handler = logger.registered_handler
    format_line = handler.format

    def watched_format(record: logging.LogRecord) -> str:
        line = format_line(record)
        counts["log_lines"] += 1
        _note(f"log {record.name}", line)
        return line

    handler.format = watched_format  # type: ignore[method-assign]
    logging.getLogger().addHandler(_RootLines())


def scan_moto() -> None:
    """Every DynamoDB item version (or item) and every SQS message moto holds now."""
    from moto.core.base_backend import BackendDict

    spent_before, started = seconds[0], time.perf_counter()
    for backend_dict in list(BackendDict._instances):
        for regions in list(dict.values(backend_dict)):
            for backend in list(dict.values(regions)):
                for table in list((getattr(backend, "tables", None) or {}).values()):
                    _scan_table(table)
                for queue in list((getattr(backend, "queues", None) or {}).values()):
                    for message in list(getattr(queue, "_messages", ())):
                        counts["messages"] += 1
                        _note(f"queue {queue.name}", message.body)
                for bucket in list((getattr(backend, "buckets", None) or {}).values()):
                    _scan_bucket(bucket)
    seconds[0] = spent_before + time.perf_counter() - started  # the notes' time is inside it


def _texts(value: Any, out: list[str]) -> list[str]:
    """The text in a moto attribute value (DynamoType, its maps, lists and sets), gathered
    directly: serializing every item to JSON cost five times as much."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            out.append(current)
        elif isinstance(current, dict):
            out.extend(k for k in current if isinstance(k, str))
            stack.extend(current.values())
        elif isinstance(current, list | tuple | set):
            stack.extend(current)
        elif hasattr(current, "value"):
            stack.append(current.value)
    return out


def _scan_table(table: Any) -> None:
    """A table with a stream (NEW_AND_OLD_IMAGES, as provisioned) is read through it: every
    version of every item ever written, each record once (records never change, and restored
    states share them), so a test pays only for what it wrote. Without one, every item now."""
    shard = getattr(table, "stream_shard", None)
    if shard is None:
        for item in table.all_items():
            counts["items"] += 1
            _note(f"item {table.name} {item.hash_key.value}", "\n".join(_texts(item.attrs, [])))
        return
    for record in list(shard.items):
        if _seen_stream_records.get(id(record)) is record:
            continue
        _seen_stream_records[id(record)] = record
        counts["items"] += 1
        images = [v for k, v in record.record["dynamodb"].items() if k in ("NewImage", "OldImage")]
        _note(f"item {table.name} (stream record)", "\n".join(_texts(images, [])))


def object_text(data: bytes) -> str:
    """An S3 object's content as text: a zip (xlsx, docx) member by member, else the bytes."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "\n".join(archive.read(name).decode("utf-8", errors="replace") for name in archive.namelist())
        except (zipfile.BadZipFile, OSError, RuntimeError):
            pass
    return data.decode("utf-8", errors="replace")


def _scan_bucket(bucket: Any) -> None:
    """Every version of every object in a moto bucket (delete markers hold nothing), each once."""
    for name, versions in list(bucket.keys.iterlists()):
        for version in list(versions):
            if not hasattr(version, "value") or _seen_objects.get(id(version)) is version:
                continue
            _seen_objects[id(version)] = version
            counts["objects"] += 1
            try:
                data = version.value
            except ValueError:  # a version moto has disposed of: its content is gone
                continue
            _note(f"object {bucket.name}/{name} {version.version_id}", object_text(data))


def _watch_moto() -> None:
    from moto.core.models import MockAWS

    stop: Callable[..., Any] = MockAWS.stop

    def watched_stop(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            if MockAWS._nested_count == 1:  # the last mock is ending: its state is about to go
                scan_moto()
        except Exception as error:  # the watch must never break a mock; it reports instead
            findings.append(f"the scan of moto failed: {error!r}")
        return stop(self, *args, **kwargs)

    MockAWS.stop = watched_stop  # type: ignore[method-assign]


def install() -> None:
    """Start watching (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    _watch_http()
    _watch_logs()
    _watch_moto()


def report() -> str | None:
    """None when nothing was found; else what was found where (masked), for the session's end."""
    if not findings:
        return None
    shown = "\n".join(findings[:50])
    more = f"\n... and {len(findings) - 50} more" if len(findings) > 50 else ""
    return f"plaintext ID numbers found outside the permitted response ({len(findings)}):\n{shown}{more}"
