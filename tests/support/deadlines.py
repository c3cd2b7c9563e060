"""Driving time in-process: the clock of the timer code, the real timer_sweep state machine
(needs moto told to execute state machines) and the timers queue."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.queues import sqs_records
from zhtj.core import clock
from zhtj.deadlines.messages import TIMERS

EVENTS = Path(__file__).resolve().parents[2] / "events"


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """Move the clock of the timer code (zhtj.clock.now) to `moment`."""
    monkeypatch.setattr(clock, "now", lambda: moment)


def sweep(client: Any) -> dict[str, Any]:
    """Fire the schedule, wait for the real state machine, and return what it queued."""
    event = json.loads((EVENTS / "timer_sweep.schedule.json").read_text(encoding="utf-8"))
    arn = client.lambda_.invoke("timer_sweep", event).payload["execution"]
    sfn = boto3.client("stepfunctions")
    deadline = time.monotonic() + 30
    while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the sweep did not finish"
        time.sleep(0.05)
    assert execution["status"] == "SUCCEEDED", execution
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=TIMERS.url(), AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    queued = int(attributes["ApproximateNumberOfMessages"])
    return {"queued": queued, **json.loads(execution["input"])}


def drain_timers(client: Any) -> tuple[int, set[str]]:
    """Deliver the timers queue to timer_worker until empty; returns (records handled, failed
    message bodies). Failed records stay on the queue (invisible for the visibility timeout)."""
    sqs = boto3.client("sqs")
    url = TIMERS.url()
    handled, failed = 0, set()
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        records = sqs_records(messages, "timers")
        payload = client.lambda_.invoke("timer_worker", {"Records": records}).payload
        failed_ids = {f["itemIdentifier"] for f in payload["batchItemFailures"]}
        for m in messages:
            if m["MessageId"] in failed_ids:
                failed.add(m["Body"])
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        handled += len(messages)
    return handled, failed
