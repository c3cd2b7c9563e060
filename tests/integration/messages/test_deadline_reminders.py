"""MSG-1's reminders before a deadline: a review's branch one working day before the review is
due (the review's one timer, filed at the reminder first, then re-filed at the deadline), a
transfer step's organisation 24 hours before the step is due; each once, to the organisation
responsible then, and nobody once the task is decided. Each test reads Given / When / Then."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.support import World, call, pay_dues
from tests.support.deadlines import at
from tests.support.http import member_headers
from tests.support.messages import deliver, of_kind
from tests.support.messages import settled as settled  # a fixture
from tests.support.registration import make_id, registered
from tests.support.transfers import approve, start
from zhtj.deadlines import service as deadlines
from zhtj.deadlines.messages import FireTimer
from zhtj.messages.rules import Kind
from zhtj.registration.models import Registration
from zhtj.table import keys
from zhtj.timers import calendar
from zhtj.timers import service as timers
from zhtj.timers.models import Timer
from zhtj.transfers import steps
from zhtj.transfers.reads import get as get_transfer


@pytest.fixture(autouse=True)
def identity_provider_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHTJ_FAKE_IDP_FAIL_PERCENT", "0")


def timer(kind: str, subject_id: str) -> Timer | None:
    try:
        return Timer.get(keys.timer_pk(kind, subject_id), keys.META, consistent_read=True)
    except Timer.DoesNotExist:
        return None


def waiting(client: Any, world: World, seq: int) -> tuple[str, Timer]:
    """A registration waiting at 华景 for its review (ID and phone numbered `seq`), and its one
    timer, its reminder still to be sent."""
    reg_id = registered(client, world, id_number=make_id(seq=seq), phone=f"13800138{seq:03d}")["registration_id"]
    found = timer(timers.REVIEW_DUE, reg_id)
    assert found is not None and found.remind_at is not None
    return reg_id, found


def fire(monkeypatch: pytest.MonkeyPatch, kind: str, subject_id: str) -> None:
    """The timer's firing message, handled a minute after it falls due next (its reminder, or
    its deadline), twice: redelivered."""
    found = timer(kind, subject_id)
    assert found is not None, (kind, subject_id)
    with monkeypatch.context() as patched:
        at(patched, timers.next_moment(found) + timedelta(minutes=1))
        deadlines.handle(FireTimer(timer_kind=kind, subject_id=subject_id))
        deadlines.handle(FireTimer(timer_kind=kind, subject_id=subject_id))


def test_msg_1_a_review_one_working_day_before_its_deadline_reminds_the_branch_once(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a registration waiting at 华景, due at the end of its fifth working day
    world = settled
    reg_id = registered(client, world, id_number=make_id(seq=301), phone="13800138301")["registration_id"]
    review = Registration.get(keys.registration_pk(reg_id), keys.META)
    near = timer(timers.REVIEW_DUE, reg_id)
    # Then its one timer is filed at the reminder, the end of the working day before
    assert near is not None and near.remind_at is not None
    assert review.review_due is not None and review.submitted_at is not None
    days = calendar.current()
    assert near.remind_at == calendar.end_of_workday(days.add_workdays(review.submitted_at, 4))
    assert near.remind_at < review.review_due == near.due_at
    assert (near.gsi2pk, near.gsi2sk) == timers.index_keys(timers.REVIEW_DUE, reg_id, near.remind_at)
    # When the reminder's firing arrives (its message delivered twice)
    fire(monkeypatch, timers.REVIEW_DUE, reg_id)
    deliver(client, monkeypatch)
    # Then 华景's operators are told once, naming the applicant; the organisation above is not
    [reminder] = of_kind(client, world.headers("huajing"), Kind.DEADLINE_NEAR)
    assert "李晓明的入团登记审核" in reminder["text"] and "到期" in reminder["text"]
    assert of_kind(client, world.headers("tianhe"), Kind.DEADLINE_NEAR) == []
    # And the same timer now waits for the deadline itself, which still runs
    deadline = timer(timers.REVIEW_DUE, reg_id)
    assert deadline is not None and deadline.remind_at is None and deadline.due_at == review.review_due
    assert (deadline.gsi2pk, deadline.gsi2sk) == timers.index_keys(timers.REVIEW_DUE, reg_id, review.review_due)
    assert (deadline.claimed_until, deadline.attempts) == (None, 0)
    assert Registration.get(keys.registration_pk(reg_id), keys.META).escalated_to is None


def test_msg_1_rev_2_a_racing_firing_of_the_reminder_sends_nothing(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch, aws_calls: list[str]
) -> None:
    # Given a registration's timer, read by two firings of its reminder at once
    world = settled
    reg_id, read = waiting(client, world, 303)
    at(monkeypatch, read.remind_at + timedelta(minutes=1))
    # When the first sends the reminder and the second commits after it
    deadlines.remind_review(read)
    aws_calls.clear()
    deadlines.remind_review(read)
    # Then the second's transaction is refused (the timer is no longer as it read it): no message
    assert "TransactWriteItems" in aws_calls and "SendMessage" not in aws_calls
    deliver(client, monkeypatch)
    assert len(of_kind(client, world.headers("huajing"), Kind.DEADLINE_NEAR)) == 1
    after = timer(timers.REVIEW_DUE, reg_id)
    assert after is not None and after.remind_at is None and after.due_at == read.due_at


def test_msg_1_rev_2_a_reminder_missed_until_the_deadline_escalates_without_reminding(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a registration waiting at 华景 whose timer was not swept at its reminder
    world = settled
    reg_id, late = waiting(client, world, 304)
    # When it first fires after its deadline (delivered twice)
    with monkeypatch.context() as patched:
        at(patched, late.due_at + timedelta(minutes=1))
        deadlines.handle(FireTimer(timer_kind=timers.REVIEW_DUE, subject_id=reg_id))
        deadlines.handle(FireTimer(timer_kind=timers.REVIEW_DUE, subject_id=reg_id))
    deliver(client, monkeypatch)
    # Then the review is escalated, the timer gone, and nobody is reminded of a deadline passed
    assert Registration.get(keys.registration_pk(reg_id), keys.META).escalated_to == world.orgs["tianhe"]
    assert timer(timers.REVIEW_DUE, reg_id) is None
    assert of_kind(client, world.headers("huajing"), Kind.DEADLINE_NEAR) == []


def test_msg_1_a_review_decided_before_the_reminder_tells_nobody(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a registration waiting at 华景, with its reminder set
    world = settled
    reg_id, near = waiting(client, world, 302)
    # When 华景 approves it, and a late firing of the reminder arrives anyway
    status, answer = call(client, "POST", f"/registrations/{reg_id}/approve", world.headers("huajing"))
    assert status == 200, answer
    assert timer(timers.REVIEW_DUE, reg_id) is None  # the one timer, deadline and reminder, cancelled
    with monkeypatch.context() as patched:
        at(patched, near.remind_at + timedelta(minutes=1))
        deadlines.handle(FireTimer(timer_kind=timers.REVIEW_DUE, subject_id=reg_id))
    deliver(client, monkeypatch)
    # Then nobody is reminded
    assert of_kind(client, world.headers("huajing"), Kind.DEADLINE_NEAR) == []


def test_msg_1_a_transfer_step_24_hours_before_its_deadline_reminds_the_organisation_responsible(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a transfer waiting at 华景
    world = settled
    moving = world.members["huajing"][2]
    pay_dues(moving)
    t = start(client, world, "member", moving, to_branch_id=world.orgs["lianhua"])
    subject = f"{moving}/{t['transfer_id']}"
    transfer = get_transfer(moving, t["transfer_id"])
    near = timer(steps.TIMER_KIND, subject)
    # Then the step's one timer carries its reminder, 24 hours before the step's deadline
    assert near is not None and transfer.step_due_at is not None
    assert (near.due_at, near.remind_at) == (transfer.step_due_at, transfer.step_due_at - timedelta(hours=24))
    # When the reminder fires (twice)
    fire(monkeypatch, steps.TIMER_KIND, subject)
    deliver(client, monkeypatch)
    # Then 华景's operators are told once, naming the member
    [reminder] = of_kind(client, world.headers("huajing"), Kind.DEADLINE_NEAR)
    assert transfer.member_name in reminder["text"] and "组织关系转接审批" in reminder["text"]
    # And the timer waits for the step's deadline
    refiled = timer(steps.TIMER_KIND, subject)
    assert refiled is not None and (refiled.due_at, refiled.remind_at) == (transfer.step_due_at, None)
    # When 华景 approves, the step moves to 天河, and its reminder fires
    approve(client, world, "huajing", t)
    fire(monkeypatch, steps.TIMER_KIND, subject)
    deliver(client, monkeypatch)
    # Then 天河 is reminded of its own step; 华景 is not reminded again
    assert len(of_kind(client, world.headers("tianhe"), Kind.DEADLINE_NEAR)) == 1
    assert len(of_kind(client, world.headers("huajing"), Kind.DEADLINE_NEAR)) == 1


def test_msg_1_a_transfer_withdrawn_before_the_reminder_tells_nobody(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a transfer waiting at 华景, with its reminder set
    world = settled
    moving = world.members["huajing"][0]
    pay_dues(moving)
    t = start(client, world, "member", moving, to_branch_id=world.orgs["lianhua"])
    subject = f"{moving}/{t['transfer_id']}"
    near = timer(steps.TIMER_KIND, subject)
    assert near is not None and near.remind_at is not None
    # When the member withdraws it, and a late firing arrives anyway
    path = f"/members/{moving}/transfers/{t['transfer_id']}/withdraw"
    status, answer = call(client, "POST", path, member_headers(world, moving), {"reason": "不转了"})
    assert status == 200, answer
    assert timer(steps.TIMER_KIND, subject) is None  # the one timer, deadline and reminder
    with monkeypatch.context() as patched:
        at(patched, near.remind_at + timedelta(minutes=1))
        deadlines.handle(FireTimer(timer_kind=steps.TIMER_KIND, subject_id=subject))
    deliver(client, monkeypatch)
    # Then nobody is reminded
    assert of_kind(client, world.headers("huajing"), Kind.DEADLINE_NEAR) == []
