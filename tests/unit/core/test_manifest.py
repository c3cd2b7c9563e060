"""zhtj.core.manifest: chalicefile.json read into msgspec structs. What msgspec does for us is
not retested here; what we declare is: the bounds, the refusal of unknown keys, the triggers told
apart by `type`, the checks across entries, and that the manifest writes back what it read."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from zhtj.core.manifest import DEFAULT_PATH, InvokeTrigger, Manifest, ScheduleTrigger, StreamTrigger, load_manifest

DATA: dict[str, Any] = {
    "app": "t",
    "table": "zhtj",
    "queues": {"work": {"description": "a queue", "visibility_timeout_seconds": 60, "max_receive_count": 5}},
    "functions": {
        "work": {
            "handler": "w.work",
            "trigger": {"type": "sqs", "queue": "work", "batch_size": 5},
            "timeout_seconds": 10,
        },
        "tick": {
            "handler": "w.tick",
            "trigger": {"type": "schedule", "expression": "rate(1 day)", "local_every_seconds": 60},
            "timeout_seconds": 10,
        },
        "step": {"handler": "w.step", "trigger": {"type": "invoke"}, "timeout_seconds": 10},
        "feed": {
            "handler": "w.feed",
            "trigger": {"type": "dynamodb_stream", "kinds": ["Member"]},
            "timeout_seconds": 10,
        },
    },
}


def _with(path: str, value: Any) -> dict[str, Any]:
    """DATA with the value at a dotted path set (or, for `...`, removed)."""
    data = copy.deepcopy(DATA)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return data


def test_the_triggers_are_told_apart_by_type_and_defaults_are_filled() -> None:
    # Given a manifest of one function of each trigger, When it is read
    manifest = Manifest.from_data(DATA)
    # Then each trigger is of its type, with the defaults of what the data leaves out
    functions = manifest.functions
    assert set(manifest.sqs_functions()) == {"work"} and set(manifest.scheduled_functions()) == {"tick"}
    assert isinstance(functions["step"].trigger, InvokeTrigger)
    assert functions["feed"].trigger == StreamTrigger(kinds=["Member"])
    assert isinstance(functions["tick"].trigger, ScheduleTrigger) and not functions["tick"].trigger.local_after_stream
    assert (functions["work"].memory_mb, manifest.queues["work"].retention_days, manifest.state_machines) == (
        512,
        14,
        {},
    )


def test_the_manifest_writes_back_what_it_reads_with_the_trigger_type_first() -> None:
    # Given the repository's manifest
    manifest = load_manifest()
    # When it is written as data and read again, Then it is the same manifest
    data = manifest.to_data()
    assert Manifest.from_data(data) == manifest
    assert json.loads(json.dumps(data)) == data
    # And each trigger's data starts with its type, as chalicefile.json writes it
    source = json.loads(Path(DEFAULT_PATH).read_text(encoding="utf-8"))
    for name, function in data["functions"].items():
        assert next(iter(function["trigger"])) == "type" == next(iter(source["functions"][name]["trigger"]))
        assert function["trigger"]["type"] == source["functions"][name]["trigger"]["type"]


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("queues.work.max_receive_count", 4, r"Expected `int` >= 5 - at `\$.queues\[...\].max_receive_count`"),
        ("queues.work.retention_days", 15, r"<= 14 - at `\$.queues\[...\].retention_days`"),
        ("queues.work.description", ..., "missing required field `description`"),
        ("queues.work.dead_letters", True, "unknown field `dead_letters`"),
        ("functions.work.trigger.batch_size", 11, r"<= 10 - at `\$.functions\[...\].trigger.batch_size`"),
        ("functions.work.trigger.maximum_concurrency", 1, ">= 2"),
        ("functions.work.trigger.type", "kafka", r"Invalid value 'kafka' - at `\$.functions\[...\].trigger.type`"),
        ("functions.work.trigger.type", ..., "missing required field `type`"),
        ("functions.tick.trigger.expression", "every day", "matching regex"),
        ("functions.feed.trigger.kinds", [], "length >= 1"),
        ("functions.work.timeout_seconds", True, "Expected `int`, got `bool`"),
        ("functions.work.timeout_seconds", 11, "visibility timeout < 6x work's timeout"),
        ("functions.work.trigger.queue", "other", "function work reads unknown queue other"),
        ("queues.spare", {"description": "x", "visibility_timeout_seconds": 60, "max_receive_count": 5}, "without"),
    ],
)
def test_a_malformed_manifest_is_refused_with_a_value_error_naming_where(path: str, value: Any, problem: str) -> None:
    # Given the manifest data with one thing wrong
    data = _with(path, value)
    # When it is read, Then it is refused: a ValueError (msgspec's ValidationError) saying what and where
    with pytest.raises(ValueError, match=problem) as refused:
        Manifest.from_data(data)
    assert isinstance(refused.value, msgspec.ValidationError)
