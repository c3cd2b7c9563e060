"""The enrolment peak in small, in-process, with every fault of the switch on at once: the
registration worker crashing (before and after its work), commits losing races (a transaction in
flight on the same item; a concurrent writer first), and the identity provider timing out. Every
registration must end PENDING_REVIEW exactly once, approvals retried through the same faults
must make exactly one member each, and the only dead letters are the poison messages, each
with its reason logged against its message id.

Why 120 is enough: each registration is its own message and its own transaction, so what is
proven per message (written once whatever the failures) does not depend on how many there are;
120 gives ~12 batches of 10 and, with the shares below, some hundred injected failures of every
kind and path (crash before, crash after, conflict, stale, timeout) in under 10 s. The 2,000-
submission burst through the subprocess stack is tests/e2e/registration/test_registration_burst.py."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from infra.local.fake_identity import FakeIdentityProvider
from infra.local.runner import EventRunner
from tests.support import World, call, world_registrations
from tests.support.faults import (
    Reasons,
    all_depths,
    assert_poison_only,
    dead_letters,
    settle,
    take_card_announcements,
)
from tests.support.registration import submit
from zhtj.core import faults
from zhtj.core.identity import check_character
from zhtj.deadlines.messages import TIMERS, FireTimer
from zhtj.orgs.models import Org
from zhtj.registration import identity_check
from zhtj.registration.messages import REGISTRATION
from zhtj.registration.models import Registration
from zhtj.registration.rules import RegistrationState
from zhtj.table import keys, pii, queues
from zhtj.table.audit_record import AuditRecord
from zhtj.timers import service as timers
from zhtj.timers.models import Timer

SUBMISSIONS = 120
APPROVALS = 20
# Per delivery of one record, about 40% fail (a crash of its batch 30%, a lost race 5%, a
# timeout 5%): every path runs often. A healthy message failing all 5 receives (~1% of them)
# is redriven from the DLQ as an operator would (tests.support.faults.settle). The seed makes a run repeat.
FAULTS = "registration_worker=0.3,dynamodb_conflict=0.05,dynamodb_stale=0.05,identity_timeout=0.05"
RACE_CODES = {"TRANSACTION_CONFLICT", "STALE_WRITE", "REGISTRATION_NOT_PENDING"}


def person(i: int, branch_id: str) -> dict[str, Any]:
    body = f"440106{2000 + i // 365:04d}{1 + (i % 365) // 31 % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    return {
        "name": "团员" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "子丑寅卯辰巳午未申酉"[i // 10 % 10],
        "id_number": body + check_character(body),
        "ethnicity": "01",
        "political_status": "03",
        "join_month": "2021-05",
        "branch_id": branch_id,
        "is_cadre": False,
        "development_number": f"2021{i:08d}",
    }


def poison(branch_id: str, n: int) -> dict[str, Any]:
    """A queued registration whose ID number was sealed for another registration: it can never
    be opened, so it fails on every delivery, before any write."""
    registration_id = f"rpoison{n:017d}"
    number = person(900 + n, branch_id)["id_number"]
    return {
        "registration_id": registration_id,
        "branch_id": branch_id,
        "previous_id": None,
        "submitted_at": "2026-01-05T02:00:00+00:00",
        "admitted_on": None,
        "person": {
            "name": "坏消息",
            "id_sealed": pii.seal(number, {"purpose": "id_number", "registration": "rother"}),
            "id_index": pii.blind_index(number),
            "id_masked": number[:6] + "********" + number[-4:],
            "birth_date": "2005-01-01",
            "sex": "M",
            "ethnicity": "01",
            "political_status": "03",
            "join_month": "2020-01",
            "development_number": None,
            "identity_proof": None,
            "is_cadre": False,
            "education": None,
            "occupation": None,
            "income_band": None,
            "phone": None,
        },
    }


def by_state(world: World, branch_id: str) -> Counter[str]:
    """The states of the branch's registrations, the world's members' own left out."""
    own = world_registrations(world)
    found = Registration.by_gsi1.query(keys.branch_registrations_pk(branch_id))
    return Counter(r.state for r in found if isinstance(r, Registration) and r.registration_id not in own)


def audits(subject_kind: str, subject_id: str, action: str) -> int:
    return sum(
        1
        for a in AuditRecord.query(keys.audit_pk(subject_kind, subject_id), consistent_read=True)
        if isinstance(a, AuditRecord) and a.action == action
    )


def member_count(branch_id: str) -> int:
    return int(Org.get(keys.org_pk(branch_id), keys.META, consistent_read=True).member_count)


def test_reg_1_burst_with_crashes_races_and_timeouts_writes_each_registration_once(
    client: Any,
    world: World,
    runner: EventRunner,
    faults_on: Callable[[str], None],
    reasons: Reasons,
) -> None:
    # Given
    branch = world.orgs["huajing"]
    tickets = []
    for i in range(SUBMISSIONS):
        status, answer = submit(client, person(i, branch))
        assert status == 202, answer
        tickets.append(answer["registration_id"])
    for n in range(2):
        REGISTRATION.send(REGISTRATION.parse(poison(branch, n)))  # well-formed, never opened

    # When
    faults_on(FAULTS)
    settle(runner, "registration", poison=[poison(branch, n) for n in range(2)])
    # Then
    # The faults did happen (~20 invocations at 30%, ~150 commits and provider calls at 5% each).
    assert all(faults.injected[n] for n in ("registration_worker", "dynamodb_conflict", "identity_timeout"))
    logged = " ".join(r for rs in reasons.by_message.values() for r in rs)
    assert "TRANSACTION_CONFLICT" in logged and "injected timeout" in logged  # and were logged per message

    # Nothing lost, nothing written twice: one registration per reg_id, one submit audit each.
    assert by_state(world, branch) == Counter({RegistrationState.PENDING: SUBMISSIONS})
    assert all(audits("REGISTRATION", t, "registration.submit") == 1 for t in tickets)
    # The dead letters are exactly the poison messages, each with its reason on every receive.
    dead = dead_letters("registration")
    expected = [poison(branch, n)["registration_id"] for n in range(2)]
    assert sorted(json.loads(m["Body"])["registration_id"] for m in dead) == expected
    for message in dead:
        logged = reasons.by_message[message["MessageId"]]
        assert len(logged) >= 1 and all("UnsealError" in reason for reason in logged), logged

    # Approvals through the same faults: a lost race is refused (409) and a retry succeeds;
    # exactly one member per registration, and the branch counts each once.
    before = member_count(branch)
    secretary = world.headers("huajing")
    for reg_id in tickets[:APPROVALS]:
        for _ in range(10):
            status, answer = call(client, "POST", f"/registrations/{reg_id}/approve", secretary)
            if status == 200:
                break
            assert status == 409 and answer["code"] in RACE_CODES, answer
        assert status == 200, answer
        status, answer = call(client, "POST", f"/registrations/{reg_id}/approve", secretary)
        assert (status, answer["code"]) == (409, "REGISTRATION_NOT_PENDING")
    assert member_count(branch) == before + APPROVALS
    assert by_state(world, branch) == Counter(
        {RegistrationState.PENDING: SUBMISSIONS - APPROVALS, RegistrationState.APPROVED: APPROVALS}
    )
    assert all(audits("REGISTRATION", t, "registration.approve") == 1 for t in tickets[:APPROVALS])

    # One card announcement per approval that landed (none for the refused tries); then every
    # queue is empty, and every DLQ but the poison's.
    assert take_card_announcements() == APPROVALS
    depths = all_depths()
    assert depths.pop("zhtj-registration-dlq") == 2
    assert not any(depths.values()), depths


RECHECKS = 40
# A timers delivery (batch of 10) crashes 30%; a re-check times out 10% and its commit loses a race 5%.
RECHECK_FAULTS = "timer_worker=0.3,identity_timeout=0.1,dynamodb_conflict=0.05"


def test_reg_5_rechecks_through_the_timers_queue_with_crashes_timeouts_and_races_decide_each_once(
    client: Any,
    world: World,
    runner: EventRunner,
    faults_on: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
    reasons: Reasons,
) -> None:
    # Every first check fails and is re-checked at once; 30% of re-checks fail again (REG-5).
    # Given
    monkeypatch.setenv("ZHTJ_FAKE_IDP_FAIL_PERCENT", "100")
    monkeypatch.setenv("ZHTJ_FAKE_IDP_REFAIL_PERCENT", "30")
    monkeypatch.setenv("ZHTJ_RECHECK_DELAY_SECONDS", "0")
    branch = world.orgs["huajing"]
    people = {}
    for i in range(RECHECKS):
        body = person(i, branch)
        status, answer = submit(client, body)
        assert status == 202, answer
        people[answer["registration_id"]] = body["id_number"]
    settle(runner, "registration")
    assert by_state(world, branch) == Counter({RegistrationState.PENDING: RECHECKS})

    # When
    poison = {"kind": "recheck_everyone"}  # no worker knows it: fails every time
    queues.send_unchecked(TIMERS, poison)
    faults_on(RECHECK_FAULTS)
    for reg_id in people:  # what the timer sweep hands out: one message per due timer
        TIMERS.send(FireTimer(timer_kind=timers.REALNAME_RECHECK, subject_id=reg_id))
    totals = settle(runner, "timers", poison=[poison])
    # Then
    assert faults.injected["identity_timeout"] + faults.injected["dynamodb_conflict"] and totals.failed
    faults_on("")

    provider = FakeIdentityProvider(100, 30)
    for reg_id, id_number in people.items():
        record = Registration.get(keys.registration_pk(reg_id), keys.META, consistent_read=True)
        expected = identity_check.PASSED if provider.verify("", id_number, None, 2) else identity_check.FAILED
        assert record.real_name_state == expected  # decided, by the provider's answer
        assert audits("REGISTRATION", reg_id, "registration.real_name") == 1  # once
        assert not list(Timer.query(keys.timer_pk(timers.REALNAME_RECHECK, reg_id)))  # the timer is gone
    assert_poison_only("timers", reasons, [poison], "malformed timers message")
    depths = all_depths()
    assert depths.pop("zhtj-timers-dlq") == 1 and not any(depths.values()), depths
