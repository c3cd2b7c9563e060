"""The event runner (infra/local/runner.py) plays Lambda's event sources over in-process moto:
SQS batches with partial failures, redelivery and dead-lettering, schedules and TTL. It runs
a test-only manifest against test-only handlers, registered on a Chalice app the way app.py
registers the real ones, so the calls go through Chalice as they do in the cloud."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes import SQSEvent
from chalice.app import Chalice
from moto import mock_aws

from infra.local.runner import EventRunner
from infra.provision import create_queues, create_stream_failure_queues, create_table
from zhtj.core.manifest import Manifest

MANIFEST = Manifest.from_data(
    {
        "app": "rt",
        "table": "zhtj",
        "queues": {"work": {"description": "test queue", "visibility_timeout_seconds": 30, "max_receive_count": 5}},
        "functions": {
            "work": {
                "handler": "tests.work",
                "trigger": {"type": "sqs", "queue": "work", "batch_size": 10},
                "timeout_seconds": 5,
                "memory_mb": 256,
            },
            "tick": {
                "handler": "tests.tick",
                "trigger": {"type": "schedule", "expression": "rate(1 day)", "local_every_seconds": 60},
                "timeout_seconds": 5,
            },
        },
    }
)


@dataclass
class Handlers:
    """What the test handlers do and saw."""

    fail_bodies: set[str] = field(default_factory=set)  # records that fail (partial batch response)
    raise_error: bool = False  # the whole invocation raises
    batches: list[tuple[dict[str, Any], Any]] = field(default_factory=list)  # (event, context) per SQS call
    ticks: list[tuple[dict[str, Any], Any]] = field(default_factory=list)


behaviour = Handlers()
runner_app = Chalice(app_name="runner-test")


def _record(record: Any) -> None:
    if record.body in behaviour.fail_bodies:
        raise ValueError(f"cannot handle {record.body}")


@runner_app.on_sqs_message(queue="rt-work", batch_size=10, name="work")
def work(event: Any) -> Any:
    raw = event.to_dict()
    behaviour.batches.append((raw, event.context))
    if behaviour.raise_error:
        raise RuntimeError("handler broke")
    # Exactly what the workers do (chalicelib/events.py): powertools reports the failed records.
    return process_partial_response(raw, _record, BatchProcessor(EventType.SQS), event.context)


@runner_app.schedule("rate(1 day)", name="tick")
def tick(event: Any) -> dict[str, int]:
    behaviour.ticks.append((event.to_dict(), event.context))
    return {"ticked": len(behaviour.ticks)}


APP_MODULE = SimpleNamespace(work=work, tick=tick)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class Env:
    runner: EventRunner
    sqs: Any
    queue_url: str
    dlq_url: str
    clock: Clock

    def send(self, *bodies: str, **attributes: Any) -> None:
        for body in bodies:
            self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body, **attributes)

    def bodies_seen(self) -> list[list[str]]:
        return [[r["body"] for r in event["Records"]] for event, _ in behaviour.batches]

    def count(self, url: str) -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        return sum(int(attributes[n]) for n in names)


@pytest.fixture
def env() -> Iterator[Env]:
    global behaviour
    behaviour = Handlers()
    with mock_aws():
        session = boto3.Session()
        create_table(session)
        urls = create_queues(session, MANIFEST)
        sqs = session.client("sqs")
        dlq_url = sqs.get_queue_url(QueueName=MANIFEST.dlq_name("work"))["QueueUrl"]
        clock = Clock()
        # No backoff: failed messages are visible again for the next pass.
        runner = EventRunner(APP_MODULE, MANIFEST, session, retry_backoff_seconds=0, clock=clock)
        yield Env(runner, sqs, urls["work"], dlq_url, clock)


def test_runner_delivers_a_real_sqs_lambda_event_and_context_and_deletes_the_message(env: Env) -> None:
    # Given
    env.send("hello", MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}})
    # When
    counts = env.runner.run_once()
    # Then
    assert (counts.received, counts.deleted, counts.failed, counts.errors) == (1, 1, 0, 0)
    [(event, context)] = behaviour.batches
    [record] = event["Records"]
    queue_arn = env.sqs.get_queue_attributes(QueueUrl=env.queue_url, AttributeNames=["QueueArn"])["Attributes"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == queue_arn["QueueArn"] == "arn:aws-cn:sqs:cn-north-1:123456789012:rt-work"
    assert record["awsRegion"] == "cn-north-1"
    assert record["body"] == "hello" and record["messageId"] and record["receiptHandle"]
    assert record["md5OfBody"] == "5d41402abc4b2a76b9719d911017c592"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert record["messageAttributes"] == {
        "kind": {"stringValue": "greeting", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
    }
    # Powertools reads it as the cloud's event.
    parsed = next(iter(SQSEvent(event).records))
    kind = parsed.message_attributes["kind"]
    assert kind is not None and kind.string_value == "greeting"
    assert parsed.attributes.approximate_receive_count == "1"
    assert context.function_name == "rt-local-work"
    assert context.invoked_function_arn == "arn:aws-cn:lambda:cn-north-1:123456789012:function:rt-local-work"
    assert context.memory_limit_in_mb == "256"
    assert context.aws_request_id
    assert 0 < context.get_remaining_time_in_millis() <= 5000
    assert env.count(env.queue_url) == 0


def test_partial_batch_failure_deletes_the_successes_and_redelivers_only_the_failed(env: Env) -> None:
    # Given
    behaviour.fail_bodies = {"bad"}
    env.send("ok-1", "bad", "ok-2")
    # When
    counts = env.runner.run_once()
    # Then
    assert (counts.received, counts.deleted, counts.failed) == (3, 2, 1)
    assert env.count(env.queue_url) == 1
    counts = env.runner.run_once()
    assert (counts.received, counts.deleted, counts.failed) == (1, 0, 1)
    redelivered = behaviour.batches[-1][0]["Records"]
    assert [(r["body"], r["attributes"]["ApproximateReceiveCount"]) for r in redelivered] == [("bad", "2")]
    behaviour.fail_bodies = set()
    assert env.runner.run_once().deleted == 1
    assert env.count(env.queue_url) == 0


def test_a_message_failing_every_time_goes_to_the_dlq_after_max_receive_count_receives(env: Env) -> None:
    behaviour.fail_bodies = {"poison"}
    env.send("poison")
    for _ in range(MANIFEST.queues["work"].max_receive_count + 3):
        env.runner.run_once()
    assert env.bodies_seen() == [["poison"]] * 5
    assert env.count(env.queue_url) == 0
    [dead] = env.sqs.receive_message(QueueUrl=env.dlq_url)["Messages"]
    assert dead["Body"] == "poison"


def test_a_handler_that_raises_leaves_the_whole_batch_for_redelivery(env: Env) -> None:
    # Given
    behaviour.raise_error = True
    env.send("a", "b")
    # When
    counts = env.runner.run_once()
    # Then
    assert (counts.received, counts.deleted, counts.failed, counts.errors) == (2, 0, 2, 1)
    behaviour.raise_error = False
    counts = env.runner.run_once()
    assert (counts.received, counts.deleted) == (2, 2)
    assert sorted(env.bodies_seen()[1]) == ["a", "b"]
    assert {r["attributes"]["ApproximateReceiveCount"] for r in behaviour.batches[1][0]["Records"]} == {"2"}
    assert env.count(env.queue_url) == 0


def test_a_malformed_batch_response_fails_the_whole_batch_as_lambda_does(env: Env) -> None:
    # Given
    def reports_a_stranger(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]}

    app_module = SimpleNamespace(work=reports_a_stranger, tick=tick)
    runner = EventRunner(app_module, MANIFEST, boto3.Session(), retry_backoff_seconds=0)
    env.send("x", "y")
    # When
    counts = runner.poll("work")
    # Then
    assert (counts.received, counts.deleted, counts.failed) == (2, 0, 2)
    assert env.count(env.queue_url) == 2


def test_scheduled_functions_fire_at_start_and_then_every_local_interval(env: Env) -> None:
    assert env.runner.run_once().scheduled == 1
    assert env.runner.run_once().scheduled == 0
    env.clock.now += 59
    assert env.runner.run_once().scheduled == 0
    env.clock.now += 1
    assert env.runner.run_once().scheduled == 1
    event, context = behaviour.ticks[-1]
    assert (event["source"], event["detail-type"], event["detail"]) == ("aws.events", "Scheduled Event", {})
    assert event["resources"] == ["arn:aws-cn:events:cn-north-1:123456789012:rule/rt-local-tick"]
    assert context.function_name == "rt-local-tick"


def test_ttl_expiry_deletes_expired_items_only(env: Env) -> None:
    # Given
    dynamodb = boto3.client("dynamodb")
    now = int(env.clock.now)
    items = {
        "expired": {"expires_at": {"N": str(now - 1)}},
        "long-expired": {"expires_at": {"N": str(now - 86400)}},
        "live": {"expires_at": {"N": str(now + 3600)}},
        "forever": {},
        "not-a-number": {"expires_at": {"S": str(now - 1)}},  # DynamoDB ignores non-numbers
    }
    for pk, extra in items.items():
        dynamodb.put_item(TableName="zhtj", Item={"pk": {"S": pk}, "sk": {"S": "META"}, **extra})
    # When
    counts = env.runner.expire()
    # Then
    assert counts.expired == 2
    left = {i["pk"]["S"] for i in dynamodb.scan(TableName="zhtj")["Items"]}
    assert left == {"live", "forever", "not-a-number"}
    env.clock.now += 7200
    assert env.runner.expire().expired == 1


def test_the_background_runner_delivers_until_stopped_and_leaves_no_thread(env: Env) -> None:
    # Given
    runner = EventRunner(APP_MODULE, MANIFEST, boto3.Session(), poll_wait_seconds=1, retry_backoff_seconds=0)
    runner.start()
    try:
        # When
        env.send(json.dumps({"n": 1}))
        deadline = time.monotonic() + 10
        while env.count(env.queue_url) and time.monotonic() < deadline:
            time.sleep(0.05)
        # Then
        assert env.count(env.queue_url) == 0
        assert runner.totals.deleted == 1 and runner.totals.scheduled >= 1
    finally:
        runner.stop()
    assert not runner.running


STREAM_MANIFEST = Manifest.from_data(
    {
        "app": "rt",
        "table": "zhtj",
        "queues": {},
        "functions": {
            "changes": {
                "handler": "tests.changes",
                "trigger": {"type": "dynamodb_stream", "kinds": ["Thing"], "batch_size": 2},
                "timeout_seconds": 5,
            },
            "recount": {
                "handler": "tests.recount",
                "trigger": {
                    "type": "schedule",
                    "expression": "rate(1 day)",
                    "local_every_seconds": 60,
                    "local_after_stream": True,
                },
                "timeout_seconds": 5,
            },
            "tick": {
                "handler": "tests.tick",
                "trigger": {"type": "schedule", "expression": "rate(1 day)", "local_every_seconds": 60},
                "timeout_seconds": 5,
            },
        },
    }
)


def test_stat_1_a_schedule_after_the_stream_waits_until_the_stream_is_read_to_its_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Given three changes on the table's stream not yet read (what the demo leaves at start),
    When the recount (local_after_stream) and an ordinary schedule fall due,
    Then the ordinary one fires at once; the recount waits (and says so) while the reader
    delivers the records, and fires in the pass where a read finds nothing left: after every
    change was delivered, never before."""
    # Given
    delivered: list[str] = []
    recounts: list[int] = []
    ticks: list[int] = []

    def changes(event: dict[str, Any], context: Any) -> dict[str, Any]:
        delivered.extend(r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"])
        return {"batchItemFailures": []}

    def recount(event: dict[str, Any], context: Any) -> None:
        recounts.append(len(delivered))

    def tick(event: dict[str, Any], context: Any) -> None:
        ticks.append(len(delivered))

    with mock_aws():
        session = boto3.Session()
        create_table(session)
        create_stream_failure_queues(session, STREAM_MANIFEST)
        dynamodb = session.client("dynamodb")
        for n in range(3):
            item = {"pk": {"S": f"T#{n}"}, "sk": {"S": "META"}, "kind": {"S": "Thing"}}
            dynamodb.put_item(TableName="zhtj", Item=item)
        handlers = SimpleNamespace(changes=changes, recount=recount, tick=tick)
        runner = EventRunner(handlers, STREAM_MANIFEST, session, clock=Clock())
        caplog.set_level("INFO", logger="local.runner")
        # When
        assert runner.fire_due_schedules().scheduled == 1  # tick; the stream has not been read
        # Then
        assert (ticks, recounts) == ([0], [])
        assert "recount waits until the table's stream is read to its end (changes)" in caplog.text
        passes = [runner.run_once() for _ in range(3)]
        assert [(p.streamed, p.scheduled) for p in passes] == [(2, 0), (1, 0), (0, 1)]
        assert recounts == [3] and delivered == ["T#0", "T#1", "T#2"]
        assert "recount: the stream is read to its end; firing" in caplog.text
