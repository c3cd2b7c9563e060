"""The notifications outbox with the fault switch on (MSG-1's durability): a notification is
written in its sender's transaction; when the queue cannot be reached after the commit (the
`sqs_send` switch) the outbox keeps it, and the sweep sends it later; the worker deletes what it
handled. With an event sent twice and the worker crashing, each (event, account, channel) is
still delivered once; the outbox ends empty."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import boto3
import pytest

from infra.local.runner import EventRunner
from tests.support import sms
from tests.support.deadlines import at
from tests.support.faults import depth, settle
from tests.support.sessions import new_applicant
from zhtj.core import clock, faults
from zhtj.core.clock import CHINA_TZ
from zhtj.integrations.sms.base import Template
from zhtj.messages import notify, outbox
from zhtj.messages.messages import NOTIFICATIONS
from zhtj.messages.models import InboxMessage, NotifyOutbox, UnreadCount
from zhtj.messages.rules import Kind
from zhtj.table import keys
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

PEOPLE = 16


def outbox_items() -> list[NotifyOutbox]:
    found: list[NotifyOutbox] = []
    for shard in range(keys.NOTIFY_OUTBOX_SHARDS):
        found += [i for i in NotifyOutbox.query(keys.notify_outbox_pk(shard)) if isinstance(i, NotifyOutbox)]
    return found


def test_msg_1_a_notification_survives_the_queue_failing_after_its_commit_and_arrives_once(
    world: object,
    runner: EventRunner,
    faults_on: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given people with phones, and the queue failing on half of the sends after each commit
    noon = datetime.now(CHINA_TZ).replace(hour=12, minute=0, second=0, microsecond=0)
    at(monkeypatch, noon)
    boto3.client("sqs").purge_queue(QueueUrl=NOTIFICATIONS.url())
    for item in outbox_items():  # the world's own notices are not this test's
        item.delete()
    sms.clear()
    people = [new_applicant() for _ in range(PEOPLE)]
    faults_on("sqs_send=0.5")
    # When each person's change commits with its notification (one event each)
    for account_id, _ in people:
        uow = UnitOfWork(SYSTEM_ACTOR)
        uow.audit("test.change", "ACCOUNT", account_id, "", after={"changed": True})
        notify.notify(uow, Kind.TRANSFER_DECIDED, f"outbox-{account_id}", account_id=account_id)
        uow.commit()
    lost = faults.injected[faults.SQS_SEND]
    # Then the queue holds the others; every one is in the outbox until handled
    assert 0 < lost < PEOPLE
    assert depth("notifications") == PEOPLE - lost
    assert len(outbox_items()) == PEOPLE
    # When the queue is back and the worker runs (crashing now and then)
    faults_on("notification_worker=0.3")
    settle(runner, "notifications")
    # Then what it handled left the outbox; what was lost is still there, and is too young to sweep
    assert len(outbox_items()) == lost
    assert outbox.sweep(clock.now()) == 0
    # When the sweep runs after its delay, one delivered event is also sent again by hand, and
    # the worker runs again
    at(monkeypatch, noon + outbox.SWEEP_AFTER + timedelta(minutes=1))
    assert outbox.sweep(clock.now()) == lost
    again = people[0][0]
    notify.notify(None, Kind.TRANSFER_DECIDED, f"outbox-{again}", account_id=again)
    settle(runner, "notifications")
    # Then each person has the event once in-app, counted once, and once by SMS; the outbox is empty
    for account_id, phone in people:
        messages = list(InboxMessage.query(keys.account_pk(account_id), InboxMessage.sk.startswith("MSG#")))
        assert [m.event_id for m in messages] == [f"outbox-{account_id}"]
        assert UnreadCount.get(keys.account_pk(account_id), keys.UNREAD_SK).unread == 1
        assert len([s for s in sms.outbox(phone) if s.template is Template.NOTICE]) == 1
    assert outbox_items() == []
    assert depth("notifications") == 0
