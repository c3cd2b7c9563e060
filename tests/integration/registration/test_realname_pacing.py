"""REG-5 against a provider that answers 20 checks a second and charges each (REFERENCE: "Sign-in,
SMS and real-name providers"): checks are paced by a rate budget that every worker shares, a
registration over budget goes back on the queue (never dropped), and the same facts are never
checked twice (the automatic re-check being the one allowed second call)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.support import World, drain
from tests.support.faults import all_depths
from tests.support.queues import sqs_records
from tests.support.registration import form, make_id, submit
from zhtj.core.settings import IDENTITY_PROVIDER_ENV, IDENTITY_RATE_ENV
from zhtj.integrations.identity import registry
from zhtj.registration import identity_check
from zhtj.registration.models import RealNameVerdict, Registration
from zhtj.table import keys, limits
from zhtj.table.queues import queue_url
from zhtj.timers import service as timers
from zhtj.timers.models import Timer

NAME, ID_NUMBER, PHONE = "李晓明", "11010519491231002X", "+8613800138000"


class Recording:
    """A provider that answers as told and remembers what it was asked (from any thread)."""

    def __init__(self, answer: bool) -> None:
        self.answer, self.asked = answer, list[tuple[str, str, str | None, int]]()
        self._lock = threading.Lock()

    def verify(self, name: str, id_number: str, phone: str | None, attempt: int) -> bool:
        with self._lock:
            self.asked.append((name, id_number, phone, attempt))
        return self.answer


@pytest.fixture
def recording(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recording]:
    provider = Recording(answer=False)
    registry.register("recording", lambda: provider)
    monkeypatch.setenv(IDENTITY_PROVIDER_ENV, "recording")
    yield provider
    registry.unregister("recording")


@pytest.fixture
def one_window(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The rate budget's clock held in one second (moved on by hand), and no waiting for a turn."""
    held = {"at": datetime(2026, 9, 1, 8, 0, 0, 250_000, tzinfo=UTC)}
    monkeypatch.setattr(limits, "now", lambda: held["at"])
    monkeypatch.setattr(identity_check, "MAX_WAIT_SECONDS", 0.0)

    def next_second() -> None:
        held["at"] += timedelta(seconds=1)

    return next_second


def test_reg_5_identity_check_asks_the_configured_provider(recording: Recording) -> None:
    # Given a registered provider selected by settings, which refuses
    # When the first check of a submission runs
    state = identity_check.first_check(NAME, ID_NUMBER, PHONE)
    # Then that provider was asked (attempt 1) and the re-check is scheduled
    assert recording.asked == [(NAME, ID_NUMBER, PHONE, 1)]
    assert state is identity_check.RealNameState.RECHECK_SCHEDULED
    # And a provider that confirms lets other facts pass
    recording.answer = True
    assert identity_check.first_check(NAME, ID_NUMBER, None) == "PASSED"


def test_reg_5_the_same_facts_are_checked_once(recording: Recording) -> None:
    # Given facts the provider confirmed once
    recording.answer = True
    assert identity_check.first_check(NAME, ID_NUMBER, PHONE) is identity_check.PASSED
    # When they come again (a resubmission), typed a little differently
    recording.answer = False  # the provider would now say otherwise: it must not be asked
    again = identity_check.first_check(f" {NAME} ", ID_NUMBER.lower(), PHONE)
    # Then the first verdict is reused without a call
    assert again is identity_check.PASSED
    assert recording.asked == [(NAME, ID_NUMBER, PHONE, 1)]
    # And other facts (another phone) are asked
    assert identity_check.first_check(NAME, ID_NUMBER, "+8613900139000") is identity_check.RECHECK_SCHEDULED
    assert len(recording.asked) == 2
    # And the verdicts are keyed by a keyed hash, never the plain ID number
    items = boto3.client("dynamodb").scan(TableName="zhtj")["Items"]
    verdicts = [item for item in items if item["kind"]["S"] == "RealNameVerdict"]
    assert len(verdicts) == 2
    assert all(ID_NUMBER not in str(item) and ID_NUMBER[:17] not in str(item) for item in verdicts)


def test_reg_5_the_recheck_is_the_one_allowed_second_call(recording: Recording) -> None:
    # Given facts whose first check failed
    assert identity_check.first_check(NAME, ID_NUMBER, PHONE) is identity_check.RECHECK_SCHEDULED
    # When the automatic re-check runs (it confirms), and again for a second registration
    recording.answer = True
    assert identity_check.second_check(NAME, ID_NUMBER, PHONE) is True
    recording.answer = False
    assert identity_check.second_check(NAME, ID_NUMBER, PHONE) is True
    # Then the provider was asked twice in all: attempt 1, then attempt 2
    assert [attempt for *_, attempt in recording.asked] == [1, 2]
    # And a resubmission with the same facts passes on the kept re-check, without a call
    assert identity_check.first_check(NAME, ID_NUMBER, PHONE) is identity_check.PASSED
    assert len(recording.asked) == 2
    verdict = RealNameVerdict.get(
        keys.realname_verdict_pk(identity_check.pii.facts_index(NAME, ID_NUMBER, PHONE)), keys.META
    )
    assert (verdict.first, verdict.second) == (False, True)


def test_reg_5_the_rate_is_kept_across_concurrent_workers(
    recording: Recording, one_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a provider rate of 5 a second, and 16 workers checking different people in one second
    monkeypatch.setenv(IDENTITY_RATE_ENV, "5")
    recording.answer = True
    people = [(f"张{n:02d}", make_id(seq=200 + n), PHONE) for n in range(16)]

    def check(facts: tuple[str, str, str]) -> str:
        try:
            return identity_check.first_check(*facts)
        except identity_check.Paced:
            return "PACED"

    # When they check at once
    with ThreadPoolExecutor(8) as pool:
        first = list(pool.map(check, people))
    # Then together they asked the provider exactly 5 times; the others were paced, not asked
    assert len(recording.asked) == 5
    assert sorted(first).count("PACED") == 11 and first.count(identity_check.PASSED) == 5
    # And in the next second the next 5 get their turn (the first 5 reuse their verdicts, free)
    one_window()
    with ThreadPoolExecutor(8) as pool:
        second = list(pool.map(check, people))
    assert len(recording.asked) == 10
    assert second.count(identity_check.PASSED) == 10 and second.count("PACED") == 6


def test_reg_5_a_registration_over_budget_is_requeued_not_dropped(
    client: Any, world: World, recording: Recording, one_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a provider rate of 2 a second, and 3 registrations submitted in that second
    monkeypatch.setenv(IDENTITY_RATE_ENV, "2")
    recording.answer = True
    tickets = []
    for n in range(3):
        status, answer = submit(client, form(world, id_number=make_id(seq=300 + n)))
        assert status == 202, answer
        tickets.append(answer["registration_id"])
    # When the worker has handled the queue
    handled = drain(client)
    # Then 2 were checked and written, the third went back on the queue (no record failed)
    written = [t for t in tickets if Registration.count(keys.registration_pk(t)) == 1]
    assert handled == 3 and len(written) == 2 and len(recording.asked) == 2
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queue_url("registration"), AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"
    # And once its delay has passed, in a later second, it is checked and written
    one_window()
    time.sleep(2.2)  # the re-queued message's delay (moto keeps SQS delays in real time)
    assert drain(client) == 1
    assert all(Registration.count(keys.registration_pk(t)) == 1 for t in tickets)
    assert len(recording.asked) == 3
    # And no queue, dead-letter queues included, holds anything
    assert not any(all_depths().values()), all_depths()


def test_reg_5_a_registration_paced_again_waits_twice_as_long_up_to_sqs_limit() -> None:
    # Given work sent back 0, 1, 2, ... times, When its next delay is drawn many times
    for times in range(14):
        ceiling = min(identity_check.MAX_DELAY_SECONDS, 2**times)
        delays = {identity_check.retry_delay(times) for _ in range(50)}
        # Then it lies between half the doubled delay and all of it, never beyond SQS's 900 s
        assert all(max(1, ceiling // 2) <= d <= ceiling <= 900 for d in delays), (times, delays)
    assert identity_check.retry_delay(0, at_least=3) == 3


def test_reg_5_a_recheck_over_budget_moves_its_timer_on_instead_of_failing(
    client: Any, world: World, recording: Recording, one_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a registration whose first check failed (its re-check timer filed)
    status, answer = submit(client, form(world, id_number=make_id(seq=320)))
    assert status == 202, answer
    drain(client)
    registration_id = answer["registration_id"]
    assert Registration.get(keys.registration_pk(registration_id), keys.META).real_name_state == "RECHECK_SCHEDULED"
    due_before = Timer.get(keys.timer_pk(timers.REALNAME_RECHECK, registration_id), keys.META).due_at
    # And the provider's rate, 1 a second, spent for this second (by that first check)
    monkeypatch.setenv(IDENTITY_RATE_ENV, "1")
    assert not limits.take(identity_check.BUDGET, 1)
    # When the re-check fires
    identity_check.recheck(registration_id)
    # Then nothing was asked, the state waits, and the timer is due a few minutes from now
    assert len(recording.asked) == 1
    assert Registration.get(keys.registration_pk(registration_id), keys.META).real_name_state == "RECHECK_SCHEDULED"
    moved = Timer.get(keys.timer_pk(timers.REALNAME_RECHECK, registration_id), keys.META)
    assert moved.due_at != due_before and not moved.attempts and moved.claimed_until is None
    assert timedelta(seconds=55) < moved.due_at - datetime.now(UTC) <= timedelta(seconds=300)
    # And in a later second it is re-checked once, and decided
    one_window()
    recording.answer = True
    identity_check.recheck(registration_id)
    assert [attempt for *_, attempt in recording.asked] == [1, 2]
    assert Registration.get(keys.registration_pk(registration_id), keys.META).real_name_state == "PASSED"


def test_reg_5_the_worker_keeps_each_verdict_with_its_registration_written_or_refused(
    client: Any, world: World, recording: Recording
) -> None:
    # Given a registration whose facts the provider confirmed, written by the worker
    recording.answer = True
    id_number = make_id(seq=340)
    status, first = submit(client, form(world, id_number=id_number, phone="13800138001"))
    assert status == 202, first
    drain(client)
    # And a second with the same ID number and another phone (other facts), refused by REG-4
    second = form(world, id_number=id_number, phone="13800138002", development_number="202144010341")
    status, answer = submit(client, second)
    assert status == 202, answer
    drain(client)
    refused = Registration.get(keys.registration_pk(answer["registration_id"]), keys.META)
    assert (refused.state, refused.refusal_code) == ("REFUSED", "REG-4")
    # When the same facts come again twice more (a retry of each)
    for body in (form(world, id_number=id_number, phone="13800138001"), {**second}):
        assert submit(client, body)[0] == 202
    drain(client)
    # Then the provider was asked once per set of facts: each verdict was kept by the transaction
    # that wrote its registration, the refusal's included
    assert [(phone, attempt) for _, _, phone, attempt in recording.asked] == [
        ("+8613800138001", 1),
        ("+8613800138002", 1),
    ]
    for phone in ("+8613800138001", "+8613800138002"):
        index = identity_check.pii.facts_index("李晓明", id_number, phone)
        assert RealNameVerdict.get(keys.realname_verdict_pk(index), keys.META).first is True


def test_reg_5_a_worker_batch_checks_together_and_a_failed_question_fails_its_message_alone(
    client: Any, world: World, recording: Recording, monkeypatch: pytest.MonkeyPatch, aws_calls: list[str]
) -> None:
    # Given five registrations queued, one of them for facts checked already (a verdict kept),
    # and a provider that does not answer in time about one other person
    recording.answer = True
    people = [make_id(seq=360 + n) for n in range(5)]
    assert identity_check.first_check("李晓明", people[0], "+8613800138000") is identity_check.PASSED
    tickets = []
    for n, id_number in enumerate(people):
        status, answer = submit(client, form(world, id_number=id_number, development_number=f"2021440103{60 + n}"))
        assert status == 202, answer
        tickets.append(answer["registration_id"])
    answering = recording.verify

    def verify(name: str, id_number: str, phone: str | None, attempt: int) -> bool:
        if id_number == people[3]:
            raise TimeoutError("the provider did not answer in time")
        return answering(name, id_number, phone, attempt)

    monkeypatch.setattr(recording, "verify", verify)
    # When the worker takes them as one batch
    sqs, url = boto3.client("sqs"), queue_url("registration")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 5
    aws_calls.clear()
    payload = client.lambda_.invoke("registration_worker", {"Records": sqs_records(messages, "registration")}).payload
    # Then the kept verdicts were read in one request and the turns taken in one, each written
    # registration is its own transaction, and the provider was asked about the three people
    # not checked before whose question was answered (and the one it failed to answer)
    # (the working-day calendar's Query aside, read when its cache is cold)
    table = ("BatchGetItem", "GetItem", "UpdateItem", "TransactWriteItems")
    sent = [operation for operation in aws_calls if operation in table]
    assert sent == ["BatchGetItem", "UpdateItem"] + ["TransactWriteItems"] * 4, " ".join(sent)
    assert sorted(asked[1] for asked in recording.asked) == sorted([people[0], people[1], people[2], people[4]])
    # And the message whose question failed is the batch's one failure; the others are written
    timed_out = next(m for m in messages if json.loads(m["Body"])["registration_id"] == tickets[3])
    assert payload == {"batchItemFailures": [{"itemIdentifier": timed_out["MessageId"]}]}
    written = {t for t in tickets if Registration.count(keys.registration_pk(t)) == 1}
    assert written == set(tickets) - {tickets[3]}
    # And delivered again, it is asked once more and written
    monkeypatch.setattr(recording, "verify", answering)
    for m in messages:
        if m is not timed_out:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=timed_out["ReceiptHandle"], VisibilityTimeout=0)
    assert drain(client) == 1
    assert Registration.count(keys.registration_pk(tickets[3])) == 1
    assert [asked[1] for asked in recording.asked].count(people[3]) == 1


def test_reg_5_a_batch_whose_second_ends_while_its_turns_are_taken_takes_them_in_the_next(
    recording: Recording, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a clock at the very end of a second, which has moved on by the time the batch's
    # turns are counted (the second's turns are then not given: they would reach the provider
    # in the next one)
    recording.answer = True
    moments = iter([datetime(2026, 9, 1, 8, 0, 0, 999_000, tzinfo=UTC)] * 2)
    later = datetime(2026, 9, 1, 8, 0, 1, 1_000, tzinfo=UTC)
    monkeypatch.setattr(limits, "now", lambda: next(moments, later))
    people = [identity_check.Facts(NAME, make_id(seq=380 + n), PHONE) for n in range(3)]
    # When a batch is checked with no time to wait for a turn
    checks = identity_check.check_first_many(people, lambda ask, turn: [ask(n) for n in turn], time.monotonic())
    # Then its turns were taken again at once in the new second, and each person asked once
    assert [check.state if check else None for check in checks] == [identity_check.PASSED] * 3
    assert sorted(asked[1] for asked in recording.asked) == sorted(p.id_number for p in people)
