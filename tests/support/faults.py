"""Redelivery as the local runner and an operator do it, for the fault tests: deliver queues until
settled (each failure redelivered, then the DLQ, then redriven), and read queue depths, dead
letters and the reasons the handlers logged for each failed record."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import boto3

from infra.local.runner import Counts, EventRunner
from zhtj.core.manifest import load_manifest
from zhtj.table.queues import queue_url


def settle(runner: EventRunner, *queues: str, poison: Sequence[dict[str, Any]] = (), redrives: int = 2) -> Counts:
    """Deliver the queues' messages (and what their handlers send on) until none is left:
    every failure redelivered, up to max_receive_count receives, then the DLQ.

    Then what an operator does once a DLQ alarm fires: redrive it (its messages back to their
    queue). Under injected faults a healthy message may fail all its receives (at a 10% failure
    share, 1 in 100,000 deliveries); `redrives` times, every dead letter that is not one of the
    test's `poison` messages goes back and is delivered again. Whatever dead-letters after that
    is a message the system cannot handle, and the test's check of the DLQ shows it."""
    totals = _deliver(runner, queues)
    known = {json.dumps(p, ensure_ascii=False) for p in poison}
    for _ in range(redrives):
        moved = sum(_redrive(queue, known) for queue in queues)
        if not moved:
            break
        log.warning("redrove %d dead letters of %s", moved, queues)
        totals.add(_deliver(runner, queues))
    return totals


log = logging.getLogger("tests.faults")


def _deliver(runner: EventRunner, queues: tuple[str, ...], max_passes: int = 500) -> Counts:
    functions = [n for n, (_, t) in load_manifest().sqs_functions().items() if t.queue in queues]
    totals = Counts()
    for _ in range(max_passes):
        this_pass = Counts()
        for name in functions:
            this_pass.add(runner.poll(name))
        totals.add(this_pass)
        if not this_pass.received:
            assert all(depth(q) == 0 for q in queues), {q: depth(q) for q in queues}
            return totals
    raise AssertionError(f"queues {queues} not settled after {max_passes} passes: {totals}")


def _redrive(queue: str, known: set[str]) -> int:
    """Move the queue's dead letters whose bodies are not in `known` back to the queue."""
    sqs = boto3.client("sqs")
    moved = 0
    for message in dead_letters(queue):
        if message["Body"] in known:
            continue
        sqs.send_message(QueueUrl=queue_url(queue), MessageBody=message["Body"])
        sqs.delete_message(QueueUrl=_dlq_url(queue), ReceiptHandle=message["ReceiptHandle"])
        moved += 1
    return moved


def _dlq_url(queue: str) -> str:
    return str(boto3.client("sqs").get_queue_url(QueueName=load_manifest().dlq_name(queue))["QueueUrl"])


COUNTS = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]


def depth(queue: str) -> int:
    """Messages in a manifest queue: visible, in flight and delayed."""
    names = COUNTS
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=queue_url(queue), AttributeNames=names)
    return sum(int(v) for v in attributes["Attributes"].values())


def take_card_announcements() -> int:
    """How many messages wait in the cards queue, which is then emptied: a committed change
    announces its card once (an after-commit hook), so this counts committed card changes.
    The card worker itself is proven under faults in tests/faults/cards/test_card_faults.py; rendering every card
    of the other scenarios would cost seconds and prove nothing more."""
    count = depth("cards")
    boto3.client("sqs").purge_queue(QueueUrl=queue_url("cards"))
    return count


def all_depths() -> dict[str, int]:
    """Every queue of the system and every dead-letter queue, by deployed name, but the
    notifications queue itself: every decision a scenario makes queues a notice (MSG-1) that only
    the messages tests deliver (tests/integration/messages, tests/faults/messages); its DLQ counts."""
    sqs = boto3.client("sqs")
    names = COUNTS
    depths = {}
    notifications = load_manifest().queue_name("notifications")
    for url in sqs.list_queues()["QueueUrls"]:
        if url.rsplit("/", 1)[1] == notifications:
            continue
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        depths[url.rsplit("/", 1)[1]] = sum(int(v) for v in attributes.values())
    return depths


def dead_letters(queue: str) -> list[dict[str, Any]]:
    """The messages in a queue's DLQ (each received once, then visible again at once: they
    stay there, and a later call sees them too)."""
    sqs = boto3.client("sqs")
    url = _dlq_url(queue)
    found: dict[str, dict[str, Any]] = {}
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get(
        "Messages", []
    ):
        found.update({m["MessageId"]: m for m in messages})
    for message in found.values():
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    return list(found.values())


def assert_poison_only(queue: str, reasons: Reasons, poison: list[dict[str, Any]], why: str) -> None:
    """The queue's DLQ holds exactly the poison messages, and each failure of each was logged
    with its message id and a reason saying `why`."""
    dead = dead_letters(queue)
    assert sorted(m["Body"] for m in dead) == sorted(json.dumps(p, ensure_ascii=False) for p in poison)
    for message in dead:
        logged = reasons.by_message.get(message["MessageId"], [])
        assert logged and all(why in reason for reason in logged), logged


class Reasons(logging.Handler):
    """What the handlers logged about failed records (message id -> reasons), from the one
    logger of the system: the cloud's only record of why a message went to its DLQ."""

    def __init__(self) -> None:
        super().__init__()
        self.by_message: dict[str, list[str]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message_id, reason = getattr(record, "message_id", None), getattr(record, "reason", None)
        if message_id and reason:
            self.by_message.setdefault(str(message_id), []).append(str(reason))
