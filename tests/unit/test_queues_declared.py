"""Every queue of the manifest is declared once (zhtj.table.queues.Queue, in a capability's
messages module that zhtj.registry imports) with the type of its messages; each message kind
goes through `send` as the JSON its worker has always read, and `parse` gives it back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from msgspec.structs import replace

import zhtj.registry
from zhtj.cards.messages import CARDS, RenderCard
from zhtj.core.manifest import load_manifest
from zhtj.deadlines.messages import TIMERS, FireTimer, Recompute, SweepShard
from zhtj.dues.messages import DUES, ApplyMember
from zhtj.imports.messages import IMPORTS, ImportChunk
from zhtj.messages.messages import NOTIFICATIONS, Notify
from zhtj.orgs.messages import ORG_RELABEL, TREE_MAINTENANCE, RelabelBranch, RewriteSubtree
from zhtj.registration.messages import REGISTRATION, Person, WriteRegistration
from zhtj.reminders.messages import REMINDERS, DuesMonthPage
from zhtj.sweeps.messages import SWEEPS, FinishSweep, ScanSegment
from zhtj.table import queues
from zhtj.table.queues import DECLARED, MalformedMessage, Queue
from zhtj.transfers.messages import TRANSFERS, ApproveChunk, StartChunk


class FakeSqs:
    """Records what is sent, as SQS would receive it."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def get_queue_url(self, QueueName: str) -> dict[str, str]:
        return {"QueueUrl": f"https://sqs.local/{QueueName}"}

    def send_message(self, **call: Any) -> dict[str, str]:
        self.sent.append(call)
        return {"MessageId": str(len(self.sent))}


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSqs]:
    fake = FakeSqs()
    queues.queue_url.cache_clear()
    monkeypatch.setattr(queues, "_sqs", lambda: fake)
    yield fake
    queues.queue_url.cache_clear()


PERSON = Person(
    name="王小红",
    id_sealed="sealed",
    id_index="index",
    id_masked="440106********1234",
    birth_date="2005-03-01",
    sex="F",
    ethnicity="01",
    political_status="03",
    join_month="2021-05",
    development_number=None,
    identity_proof=None,
    is_cadre=False,
    education=None,
    occupation=None,
    income_band=None,
    phone="13800000000",
)

# Each message kind of each queue, and the exact JSON its producer sent before the queues were
# typed (key order included): messages in flight across a deploy must read the same.
CASES: list[tuple[Queue[Any], Any, dict[str, Any], int]] = [
    (
        CARDS,
        RenderCard(member_id="m1", changed_at="2026-01-05T02:00:00.000000Z"),
        {"member_id": "m1", "changed_at": "2026-01-05T02:00:00.000000Z"},
        60,
    ),
    (CARDS, RenderCard(member_id="m1", sweep=True), {"member_id": "m1", "sweep": True}, 0),
    (TREE_MAINTENANCE, RewriteSubtree(job_id="j1"), {"job_id": "j1"}, 0),
    (ORG_RELABEL, RelabelBranch(branch_id="o1"), {"branch_id": "o1"}, 0),
    (
        ORG_RELABEL,
        RelabelBranch(branch_id="o1", after='{"pk": {"S": "M"}}'),
        {"branch_id": "o1", "after": '{"pk": {"S": "M"}}'},
        0,
    ),
    (
        REGISTRATION,
        WriteRegistration(
            registration_id="r1",
            account_id="u1",
            branch_id="o1",
            previous_id=None,
            submitted_at="2026-01-05T02:00:00+00:00",
            admitted_on=None,
            person=PERSON,
        ),
        {
            "registration_id": "r1",
            "account_id": "u1",
            "branch_id": "o1",
            "previous_id": None,
            "submitted_at": "2026-01-05T02:00:00+00:00",
            "admitted_on": None,
            "person": {
                "name": "王小红",
                "id_sealed": "sealed",
                "id_index": "index",
                "id_masked": "440106********1234",
                "birth_date": "2005-03-01",
                "sex": "F",
                "ethnicity": "01",
                "political_status": "03",
                "join_month": "2021-05",
                "development_number": None,
                "identity_proof": None,
                "is_cadre": False,
                "education": None,
                "occupation": None,
                "income_band": None,
                "phone": "13800000000",
            },
        },
        0,
    ),
    (
        TIMERS,
        SweepShard(shard=3, days=["2026-01-04", "2026-01-05"], now="2026-01-05T02:00:00+00:00"),
        {"kind": "sweep", "shard": 3, "days": ["2026-01-04", "2026-01-05"], "now": "2026-01-05T02:00:00+00:00"},
        0,
    ),
    (
        TIMERS,
        FireTimer(timer_kind="REVIEW_DUE", subject_id="r1"),
        {"kind": "fire", "timer_kind": "REVIEW_DUE", "subject_id": "r1"},
        0,
    ),
    (
        TIMERS,
        Recompute(year=2027, shard=1, day="2026-12-01", last="2027-03-01", cursor=None),
        {"kind": "recompute", "year": 2027, "shard": 1, "day": "2026-12-01", "last": "2027-03-01", "cursor": None},
        60,
    ),
    (
        TRANSFERS,
        StartChunk(batch_id="b1", first=50, count=50),
        {"kind": "start", "batch_id": "b1", "first": 50, "count": 50},
        0,
    ),
    (
        TRANSFERS,
        ApproveChunk(batch_id="b1", account_id="a1", org_id="o1", member_ids=["m1", "m2"]),
        {"kind": "approve", "batch_id": "b1", "account_id": "a1", "org_id": "o1", "member_ids": ["m1", "m2"]},
        0,
    ),
    (IMPORTS, ImportChunk(import_id="i1", row=2), {"import_id": "i1", "row": 2}, 0),
    (
        DUES,
        ApplyMember(order_id="d1", member_id="m1", part=1),
        {"kind": "apply_member", "order_id": "d1", "member_id": "m1", "part": 1},
        0,
    ),
    (
        SWEEPS,
        ScanSegment(run_id="s1", segment=2, total=8),
        {"kind": "segment", "run_id": "s1", "segment": 2, "total": 8},
        0,
    ),
    (SWEEPS, FinishSweep(run_id="s1"), {"kind": "finish", "run_id": "s1"}, 0),
    (
        NOTIFICATIONS,
        Notify(event_id="e1", notice_kind="DUES_REMINDER", recipient="member:m1", params={"months": "2"}),
        {
            "kind": "notify",
            "event_id": "e1",
            "notice_kind": "DUES_REMINDER",
            "recipient": "member:m1",
            "channel": None,
            "params": {"months": "2"},
            "outbox": None,
        },
        0,
    ),
    (
        NOTIFICATIONS,
        Notify(event_id="e1", notice_kind="DUES_REMINDER", recipient="account:a1", channel="SMS"),
        {
            "kind": "notify",
            "event_id": "e1",
            "notice_kind": "DUES_REMINDER",
            "recipient": "account:a1",
            "channel": "SMS",
            "params": {},
            "outbox": None,
        },
        900,
    ),
    (
        REMINDERS,
        DuesMonthPage(month="2026-12", bucket="o1", cursor="c1"),
        {"kind": "dues_month_page", "month": "2026-12", "bucket": "o1", "cursor": "c1"},
        0,
    ),
]


def test_every_queue_of_the_manifest_is_declared_once_with_a_message_type() -> None:
    # Given the manifest's queues, and zhtj.registry imported (it imports every messages module)
    manifest = set(load_manifest().queues)
    # When the declared queues are listed
    declared = dict(DECLARED)
    # Then they are exactly the manifest's, each with a message type, each declared in a
    # messages module the registry imports
    assert set(declared) == manifest
    in_registry = {id(value) for module in zhtj.registry.MESSAGE_MODULES for value in vars(module).values()}
    for name, queue in declared.items():
        assert queue.name == name and queue.message_type is not None
        assert id(queue) in in_registry, f"declare {name!r} in a messages module imported by zhtj/registry.py"


def test_every_message_kind_is_covered_here() -> None:
    # Given the cases below, When their queues are counted, Then every manifest queue has one
    assert {queue.name for queue, *_ in CASES} == set(load_manifest().queues)


def test_a_queue_outside_the_manifest_is_refused() -> None:
    # Given a name chalicefile.json does not declare, When a queue is declared with it, Then it is refused
    with pytest.raises(ValueError, match="not a queue of the manifest"):
        Queue("no-such-queue", RewriteSubtree)


def test_a_queue_is_declared_only_once() -> None:
    # Given the cards queue, declared by zhtj.cards.messages, When it is declared again, Then it is refused
    with pytest.raises(ValueError, match="declared twice"):
        Queue("cards", RenderCard)


@pytest.mark.parametrize(
    ("queue", "message", "expected", "delay"), CASES, ids=[f"{q.name}-{type(m).__name__}" for q, m, *_ in CASES]
)
def test_send_writes_the_json_the_worker_reads_and_parse_gives_the_message_back(
    sqs: FakeSqs, queue: Queue[Any], message: Any, expected: dict[str, Any], delay: int
) -> None:
    # Given one message of one kind
    # When it is sent
    queue.send(message, delay_seconds=delay)
    # Then SQS receives exactly the JSON the producers sent before the queues were typed, on the queue's URL
    (call,) = sqs.sent
    assert call["MessageBody"] == json.dumps(expected, ensure_ascii=False)
    assert call["QueueUrl"] == f"https://sqs.local/{load_manifest().queue_name(queue.name)}"
    assert call["DelaySeconds"] == delay
    # And the worker's parse gives the same message back, from text, bytes or a dict
    assert queue.parse(call["MessageBody"]) == message
    assert queue.parse(call["MessageBody"].encode()) == message
    assert queue.parse(expected) == message


@pytest.mark.parametrize(
    ("queue", "body"),
    [
        (CARDS, '{"changed_at": "2026-01-05T02:00:00.000000Z"}'),  # whose card?
        (TIMERS, '{"kind": "recheck_everyone"}'),  # no worker knows it
        (TRANSFERS, '{"kind": "graduate_everyone", "batch_id": "b1"}'),
        (DUES, '{"kind": "refund_everyone", "order_id": "d1"}'),
        (SWEEPS, '{"kind": "segment", "run_id": "s1"}'),  # no segment
        (IMPORTS, "not json"),
        (REGISTRATION, '{"registration_id": "r1", "person": {"name": "坏消息"}}'),
    ],
)
def test_a_malformed_body_is_refused_with_the_queue_named(queue: Queue[Any], body: str) -> None:
    # Given a body that is not one of the queue's messages
    # When the worker parses it
    # Then it raises MalformedMessage naming the queue (the record fails: poison, dead-lettered)
    with pytest.raises(MalformedMessage, match=f"malformed {queue.name} message"):
        queue.parse(body)


def test_unknown_keys_are_ignored_and_optional_keys_may_be_absent() -> None:
    # Given messages as an older or newer producer may have sent them
    # When they are parsed
    # Then a key the model does not know is ignored and a key absent takes its default
    assert CARDS.parse('{"member_id": "m1", "extra": 1}') == RenderCard(member_id="m1")
    assert DUES.parse('{"kind": "apply_member", "order_id": "d1", "member_id": "m1"}').part == 0
    assert TIMERS.parse('{"kind": "recompute", "year": 2027, "shard": 1, "day": "d", "last": "l"}') == Recompute(
        year=2027, shard=1, day="d", last="l", cursor=None
    )


def test_a_registration_sent_back_writes_how_often_it_was_paced_and_reads_it_back(sqs: FakeSqs) -> None:
    # Given a registration message (paced 0: not written), sent back once by the real-name rate (REG-5)
    first = WriteRegistration(
        registration_id="r1",
        account_id=None,
        branch_id="o1",
        previous_id=None,
        submitted_at="2026-01-05T02:00:00+00:00",
        admitted_on=None,
        person=PERSON,
    )
    assert not first.paced  # UNSET: never sent back
    again = replace(first, paced=1)
    # When it is sent
    REGISTRATION.send(again)
    # Then its JSON carries `paced` last, the nulls too, and parses back to it
    (call,) = sqs.sent
    body = json.loads(call["MessageBody"])
    assert list(body)[-1] == "paced" and body["paced"] == 1 and body["account_id"] is None
    assert REGISTRATION.parse(call["MessageBody"]) == again != first
    assert "paced" not in json.loads(REGISTRATION.body(first))


def test_a_message_is_immutable_and_changed_only_by_copy() -> None:
    # Given a message
    message = DuesMonthPage(month="2026-12", bucket="o1")
    # When a field is set, Then it is refused; a changed copy leaves the message as it was
    with pytest.raises(AttributeError):
        message.cursor = "c2"  # type: ignore[misc]
    assert replace(message, cursor="c2").cursor == "c2" and message.cursor is None
    # And messages are equal by type and values, and hashable
    assert DuesMonthPage(month="2026-12", bucket="o1") == message and len({message, replace(message)}) == 1


@pytest.mark.parametrize(
    ("queue", "body", "where"),
    [
        (TRANSFERS, '{"kind": "approve", "batch_id": "b1", "account_id": "a1", "org_id": "o1"}', "member_ids"),
        (TRANSFERS, '{"kind": "start", "batch_id": "b1", "first": "50", "count": 50}', r"\$.first"),
        (TIMERS, '{"shard": 1, "days": [], "now": "n"}', "`kind`"),  # one of several kinds: the tag is needed
        (REMINDERS, '{"kind": "notify", "month": "2026-12", "bucket": "o1"}', r"\$.kind"),
        (CARDS, '{"member_id": "m1", "sweep": 1}', r"\$.sweep"),  # bool is not a number
        (REGISTRATION, '{"registration_id": "r1"}', r"`branch_id`"),
        (REGISTRATION, '{"registration_id": "r1", "branch_id": "o1", "submitted_at": "t", "person": {}}', r"\$.person"),
    ],
)
def test_a_malformed_message_names_what_is_wrong_where(queue: Queue[Any], body: str, where: str) -> None:
    # Given a body whose JSON is not one of the queue's messages
    # When it is parsed, Then MalformedMessage (a ValueError) says which key is wrong
    with pytest.raises(MalformedMessage, match=where):
        queue.parse(body)
    with pytest.raises(MalformedMessage, match=where):
        queue.parse(json.loads(body))
