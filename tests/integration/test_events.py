"""Every trigger of the manifest has a sample event in events/, and its handler takes it."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from zhtj.core.manifest import SqsTrigger, load_manifest

EVENTS = Path(__file__).resolve().parents[2] / "events"


def test_every_manifest_function_has_a_sample_event() -> None:
    samples = {p.name.split(".")[0] for p in EVENTS.glob("*.json")}
    assert set(load_manifest().functions) <= samples


# What a handler answers to its sample, where that is not "every record done".
EXPECTED: dict[str, Any] = {
    # The sample's sealed ID number was sealed by no key of this stack: a poison message,
    # reported as a failed record (then dead-lettered), never written.
    "registration_worker": {"batchItemFailures": [{"itemIdentifier": "5f1c9a4e-1b2d-4c3e-9f00-000000000002"}]},
    "tree_jobs_watchdog": {"resumed": 0},
    "open_waves": {"opened": []},
    # The sample member's branch has no OwnStat in this stack: the record fails (Lambda retries
    # from it, then describes the batch to the failure queue); nothing is half-counted.
    "stats_stream": {"batchItemFailures": [{"itemIdentifier": "111100000000000000000001"}]},
    # A registration pending at a branch: its task is put in the branch's work list.
    "worklist_stream": {"batchItemFailures": []},
}


def test_sample_events_run_through_their_handlers(client: Any) -> None:
    for name, function in load_manifest().functions.items():
        (sample,) = EVENTS.glob(f"{name}.*.json")
        event = json.loads(sample.read_text(encoding="utf-8"))
        response = client.lambda_.invoke(name, event)
        if name in EXPECTED:
            assert response.payload == EXPECTED[name], name
        elif isinstance(function.trigger, SqsTrigger):
            # A message about something unknown is finished already: nothing fails or retries.
            assert response.payload == {"batchItemFailures": []}, name


def test_sample_api_event_is_served(client: Any) -> None:
    from app import app

    event = json.loads((EVENTS / "api.list_children.json").read_text(encoding="utf-8"))
    context = SimpleNamespace(
        function_name="zhtj-api",
        memory_limit_in_mb=512,
        aws_request_id="r-1",
        invoked_function_arn="arn:aws-cn:lambda:cn-north-1:123456789012:function:zhtj-api",
    )
    answer = app(event, context)
    assert answer["statusCode"] == 401  # the sample's token is a placeholder
    assert json.loads(answer["body"])["code"] == "TOKEN_INVALID"
