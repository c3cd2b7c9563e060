"""The notifications queue with the fault switch on (MSG-1): the worker crashing before and after
its batches, deliveries losing races, every event queued twice and a poison message among
them. Each (event, account, channel) is delivered once: one in-app message, one SMS, the unread
count exact; the queue ends empty and the DLQ holds only the poison message, with its reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import boto3
import pytest

from infra.local.runner import EventRunner
from tests.support import World, sms
from tests.support.deadlines import at
from tests.support.faults import Reasons, assert_poison_only, depth, settle
from tests.support.sessions import new_applicant
from zhtj.core.clock import CHINA_TZ
from zhtj.integrations.sms.base import Template
from zhtj.messages.messages import NOTIFICATIONS, Notify
from zhtj.messages.models import InboxMessage, UnreadCount
from zhtj.messages.rules import Kind
from zhtj.table import keys, queues

PEOPLE = 12
EVENTS = 3  # each urgent (in-app and SMS), under the daily SMS cap
# A delivery (batch of 10) crashes 30%; a delivery's transaction loses a race 20%. Seeded.
FAULTS = "notification_worker=0.3,dynamodb_conflict=0.2"
POISON = {"kind": "notify", "event_id": "e-poison", "notice_kind": "NO_SUCH_KIND", "recipient": "account:x"}


def test_msg_1_each_event_reaches_each_person_once_per_channel_with_crashes_races_and_redelivery(
    world: World,
    runner: EventRunner,
    faults_on: Callable[[str], None],
    reasons: Reasons,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given people with phones, three urgent events each, every event queued twice, and a poison message
    at(monkeypatch, datetime.now(CHINA_TZ).replace(hour=12, minute=0))  # outside quiet hours
    boto3.client("sqs").purge_queue(QueueUrl=NOTIFICATIONS.url())  # the world's own notices are not this test's
    sms.clear()
    people = [new_applicant() for _ in range(PEOPLE)]
    for account_id, _ in people:
        for n in range(EVENTS):
            message = Notify(
                event_id=f"e{n}-{account_id}", notice_kind=Kind.TRANSFER_DECIDED, recipient=f"account:{account_id}"
            )
            NOTIFICATIONS.send(message)
            NOTIFICATIONS.send(message)
    queues.send_unchecked(NOTIFICATIONS, POISON)
    # When the worker runs with the faults on, until the queue settles
    faults_on(FAULTS)
    settle(runner, "notifications", poison=[POISON])
    # Then each person has each event once in-app, counted once, and once by SMS
    for account_id, phone in people:
        messages = [m for m in InboxMessage.query(keys.account_pk(account_id), InboxMessage.sk.startswith("MSG#"))]
        assert sorted(m.event_id for m in messages) == sorted(f"e{n}-{account_id}" for n in range(EVENTS))
        assert UnreadCount.get(keys.account_pk(account_id), keys.UNREAD_SK).unread == EVENTS
        texts = [s for s in sms.outbox(phone) if s.template is Template.NOTICE]
        assert len(texts) == EVENTS
    # And the queue is empty; the DLQ holds the poison message only, with why it failed
    assert depth("notifications") == 0
    assert_poison_only("notifications", reasons, [POISON], "NO_SUCH_KIND")
