"""Deadlines (REV-2, REG-7) and timers (REG-5's re-check): the real timer_sweep state machine
executing in moto, the timers queue and its worker, the overdue list and calendar loading."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from moto import mock_aws

from tests.support import World, call, moto_state
from tests.support.deadlines import at, drain_timers, sweep
from tests.support.registration import make_id, registered
from zhtj.core import clock
from zhtj.deadlines import service as deadlines
from zhtj.deadlines.messages import TIMERS, FireTimer, SweepShard
from zhtj.orgs.models import Org
from zhtj.registration import applicant as registration_applicant
from zhtj.registration import review as registration_review
from zhtj.registration import service as registration
from zhtj.registration import submit as registration_submit
from zhtj.registration import worker as registration_worker
from zhtj.registration.models import Registration
from zhtj.registration.rules import RegistrationState
from zhtj.table import keys
from zhtj.table.audit_record import AuditRecord
from zhtj.table.queues import MalformedMessage
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork
from zhtj.timers import calendar
from zhtj.timers import service as timers
from zhtj.timers.models import Timer
from zhtj.timers.workdays import CHINA_TZ, WorkdayCalendar, YearSchedule


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[None]:
    """The shared `aws` fixture, with state machines that really execute (moto runs them only
    when told before they are created): a saved state of its own (tests/support/moto_state.py)."""
    from infra.provision import provision

    monkeypatch.setenv("ZHTJ_RECOMPUTE_DELAY_SECONDS", "0")
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        moto_state.reset_caches()
        moto_state.prepare(request, "provisioned, executing state machines", provision)
        yield
        moto_state.reset_caches()


@pytest.fixture(autouse=True)
def identity_provider_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHTJ_FAKE_IDP_FAIL_PERCENT", "0")


def reg(registration_id: str) -> Registration:
    return Registration.get(keys.registration_pk(registration_id), keys.META, consistent_read=True)


def timer(kind: str, subject_id: str) -> Timer | None:
    try:
        return Timer.get(keys.timer_pk(kind, subject_id), keys.META, consistent_read=True)
    except Timer.DoesNotExist:
        return None


def submitted_at(client: Any, world: World, monkeypatch: pytest.MonkeyPatch, submitted: datetime) -> str:
    """A registration submitted (and written) at `submitted`, the clock left there: its id."""
    for module in (registration_submit, registration_worker, registration_applicant, registration_review):
        monkeypatch.setattr(module, "now", lambda: submitted)
    at(monkeypatch, submitted)
    return str(registered(client, world)["registration_id"])


def overdue_reviews(world: World, branch: str) -> int:
    return int(Org.get(keys.org_pk(world.orgs[branch]), keys.META, consistent_read=True).overdue_reviews)


def overdue_list(client: Any, world: World, org: str, caller: str) -> tuple[int, Any]:
    return call(client, "GET", f"/orgs/{world.orgs[org]}/overdue-reviews", world.headers(caller))


def escalated(client: Any, world: World, monkeypatch: pytest.MonkeyPatch, **overrides: Any) -> str:
    """A registration in 华景 whose review deadline has passed, escalated by a sweep."""
    reg_id = str(registered(client, world, **overrides)["registration_id"])
    due = reg(reg_id).review_due
    assert due is not None
    at(monkeypatch, due + timedelta(minutes=1))
    sweep(client)
    drain_timers(client)
    return reg_id


# --- REV-2: the sweep escalates -----------------------------------------------------------------


def test_rev_2_sweep_state_machine_queues_one_message_per_shard_and_escalates_the_overdue_review(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    reg_id = registered(client, world)["registration_id"]
    record = reg(reg_id)
    assert record.review_due is not None
    at(monkeypatch, record.review_due - timedelta(minutes=1))
    execution = sweep(client)
    assert execution["queued"] == keys.TIMER_SHARDS
    assert execution["shards"] == list(range(keys.TIMER_SHARDS))
    assert execution["days"][-1] == (record.review_due - timedelta(minutes=1)).astimezone(CHINA_TZ).date().isoformat()
    drain_timers(client)
    assert reg(reg_id).escalated_to is None  # a minute early: nothing happens

    # When
    at(monkeypatch, record.review_due + timedelta(minutes=1))
    sweep(client)
    handled, failed = drain_timers(client)
    # Then
    assert (handled, failed) == (keys.TIMER_SHARDS + 1, set())  # 8 shard sweeps + 1 firing
    after = reg(reg_id)
    assert after.escalated_to == world.orgs["tianhe"]
    assert after.state == RegistrationState.PENDING
    assert timer(timers.REVIEW_DUE, reg_id) is None
    assert overdue_reviews(world, "huajing") == 1
    trail = [r.action for r in AuditRecord.query(keys.audit_pk("REGISTRATION", reg_id))]
    assert trail.count("registration.escalate") == 1


def test_rev_2_escalation_is_counted_once_however_often_it_fires(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    reg_id = escalated(client, world, monkeypatch)
    assert overdue_reviews(world, "huajing") == 1
    # When
    # A redelivered firing message, a redelivered shard message and another full sweep.
    deadlines.handle(FireTimer(timer_kind=timers.REVIEW_DUE, subject_id=reg_id))
    shard = timers.shard_of(reg_id)
    days = timers.sweep_days(clock.now())
    deadlines.handle(SweepShard(shard=shard, days=days, now=clock.now().isoformat()))
    sweep(client)
    drain_timers(client)
    # Then
    assert overdue_reviews(world, "huajing") == 1
    assert reg(reg_id).escalated_to == world.orgs["tianhe"]
    trail = [r.action for r in AuditRecord.query(keys.audit_pk("REGISTRATION", reg_id))]
    assert trail.count("registration.escalate") == 1


def test_rev_2_overdue_list_shows_the_escalation_to_the_parent_and_its_ancestors_only(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    reg_id = escalated(client, world, monkeypatch)
    # When
    status, page = overdue_list(client, world, "tianhe", "tianhe")
    # Then
    assert status == 200
    assert [r["registration_id"] for r in page["items"]] == [reg_id]
    assert page["items"][0]["escalated_to"] == world.orgs["tianhe"]
    assert page["items"][0]["id_masked"] and "id_number" not in page["items"][0]
    status, page = overdue_list(client, world, "tianhe", "gz")  # an ancestor reads it too
    assert (status, len(page["items"])) == (200, 1)
    status, page = overdue_list(client, world, "yuexiu", "yuexiu")  # the sibling has none
    assert (status, page["items"]) == (200, [])
    status, answer = overdue_list(client, world, "tianhe", "yuexiu")
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")
    status, answer = overdue_list(client, world, "tianhe", "huajing")  # the branch cannot look above
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")


def test_rev_2_parent_reviews_the_escalated_registration(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg_id = escalated(client, world, monkeypatch)
    status, answer = call(client, "POST", f"/registrations/{reg_id}/approve", world.headers("sz"))
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")
    status, approved = call(client, "POST", f"/registrations/{reg_id}/approve", world.headers("tianhe"))
    assert (status, approved["state"]) == (200, "APPROVED")


def test_rev_2_grandparent_reviews_the_escalated_registration(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg_id = escalated(client, world, monkeypatch)
    status, returned = call(
        client, "POST", f"/registrations/{reg_id}/return", world.headers("gz"), {"reason": "逾期未审，退回核对"}
    )
    assert (status, returned["state"]) == (200, "RETURNED")


def test_rev_2_a_reviewed_registration_leaves_the_overdue_list(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Needs timers.clear_overdue_actions() in registration.approve/return/withdraw."""
    # Given
    approved = escalated(client, world, monkeypatch)
    returned = registered(client, world, id_number=make_id(seq=141), development_number="202144010011")[
        "registration_id"
    ]
    applied = registered(client, world, id_number=make_id(seq=143), development_number="202144010013")
    withdrawn = applied["registration_id"]
    for reg_id in (returned, withdrawn):
        due = reg(reg_id).review_due
        assert due is not None
        at(monkeypatch, due + timedelta(minutes=1))
    # When
    sweep(client)
    drain_timers(client)
    # Then
    _, page = overdue_list(client, world, "tianhe", "tianhe")
    assert {r["registration_id"] for r in page["items"]} == {approved, returned, withdrawn}
    assert call(client, "POST", f"/registrations/{approved}/approve", world.headers("tianhe"))[0] == 200
    assert (
        call(client, "POST", f"/registrations/{returned}/return", world.headers("tianhe"), {"reason": "有误"})[0] == 200
    )
    withdrawal = call(
        client, "POST", f"/me/registrations/{withdrawn}/withdraw", applied["headers"], {"reason": "不报了"}
    )
    assert withdrawal[0] == 200
    _, page = overdue_list(client, world, "tianhe", "tianhe")
    assert page["items"] == []
    assert overdue_reviews(world, "huajing") == 3  # counted against the branch for good


def test_rev_2_a_review_done_in_time_is_never_escalated(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    reg_id = registered(client, world)["registration_id"]
    due = reg(reg_id).review_due
    assert due is not None
    assert call(client, "POST", f"/registrations/{reg_id}/approve", world.headers("huajing"))[0] == 200
    # When
    at(monkeypatch, due + timedelta(minutes=1))
    sweep(client)
    handled, _ = drain_timers(client)
    # Then
    assert handled == keys.TIMER_SHARDS  # nothing was due: no firing
    assert reg(reg_id).escalated_to is None
    assert overdue_reviews(world, "huajing") == 0


def test_rev_2_a_failing_timer_fails_only_its_own_record(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    reg_id = registered(client, world)["registration_id"]
    due = reg(reg_id).review_due
    assert due is not None
    # A timer of a kind this code does not know, due at the same moment in the same shard.
    broken = timers.build("BOGUS", reg_id, due)
    broken.save()
    # When
    at(monkeypatch, due + timedelta(minutes=1))
    sweep(client)
    _, failed = drain_timers(client)
    # Then
    assert [json.loads(b)["timer_kind"] for b in failed] == ["BOGUS"]
    assert reg(reg_id).escalated_to == world.orgs["tianhe"]  # its neighbour fired
    # While its message is being retried, later sweeps do not hand it out again.
    sweep(client)
    handled, failed = drain_timers(client)
    assert (handled, failed) == (keys.TIMER_SHARDS, set())
    claimed = timer("BOGUS", reg_id)
    assert claimed is not None and claimed.attempts == 1


# --- REG-5: the re-check -------------------------------------------------------------------------


def test_reg_5_failed_real_name_is_rechecked_by_the_sweep(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    monkeypatch.setenv("ZHTJ_FAKE_IDP_FAIL_PERCENT", "100")
    monkeypatch.setenv("ZHTJ_FAKE_IDP_REFAIL_PERCENT", "0")
    # When
    reg_id = registered(client, world)["registration_id"]
    # Then
    assert reg(reg_id).real_name_state == "RECHECK_SCHEDULED"
    recheck = timer(timers.REALNAME_RECHECK, reg_id)
    assert recheck is not None
    at(monkeypatch, recheck.due_at + timedelta(minutes=1))
    sweep(client)
    drain_timers(client)
    assert reg(reg_id).real_name_state == "PASSED"
    assert timer(timers.REALNAME_RECHECK, reg_id) is None
    assert reg(reg_id).escalated_to is None  # the review deadline is days away
    assert timer(timers.REVIEW_DUE, reg_id) is not None


# --- REG-7: the admission window ------------------------------------------------------------------


def _admitted(reg_id: str, admitted_on: date) -> datetime:
    uow = UnitOfWork(SYSTEM_ACTOR)
    window_end = timers.track_admission_window(uow, reg_id, admitted_on)
    uow.commit()
    return window_end


def test_reg_7_registering_after_the_admission_window_is_marked_late(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    late = registered(client, world)["registration_id"]
    in_time = registered(client, world, id_number=make_id(seq=151), development_number="202144010021")[
        "registration_id"
    ]
    submitted = reg(late).submitted_at
    today = submitted.astimezone(CHINA_TZ).date()
    window_end = _admitted(late, today - timedelta(days=30))
    assert window_end < submitted
    # When
    # Filed already past: swept at once, not under a day the sweep no longer looks at.
    sweep(client)
    drain_timers(client)
    # Then
    assert reg(late).late_registration is True
    assert timer(timers.REG7_DUE, late) is None

    window_end = _admitted(in_time, today)
    expected = calendar.end_of_workday(calendar.current().add_workdays(today, timers.ADMISSION_WORKDAYS))
    assert window_end == expected
    sweep(client)
    drain_timers(client)
    assert reg(in_time).late_registration is None  # undecided until the window closes
    at(monkeypatch, window_end + timedelta(minutes=1))
    sweep(client)
    drain_timers(client)
    assert reg(in_time).late_registration is False
    trail = [r.action for r in AuditRecord.query(keys.audit_pk("REGISTRATION", in_time))]
    assert trail.count("registration.admission_window") == 1


# --- REV-2: the calendar ---------------------------------------------------------------------------


def test_rev_2_deadline_filed_late_december_2026_falls_in_2027_then_moves_when_2027_is_loaded(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    submitted = datetime(2026, 12, 28, 10, 0, tzinfo=CHINA_TZ).astimezone(UTC)  # a Monday
    # When
    reg_id = submitted_at(client, world, monkeypatch, submitted)
    # chinesecalendar stops at 2026: January 2027 is counted Monday to Friday.
    # Then
    assert WorkdayCalendar().knows(2027) == "fallback"
    fallback_day = WorkdayCalendar().add_workdays(submitted, registration.REVIEW_WORKDAYS)
    assert fallback_day == date(2027, 1, 4)
    assert reg(reg_id).review_due == calendar.end_of_workday(fallback_day)
    status, view = call(client, "GET", "/calendar/2027", world.headers("huajing"))
    assert (status, view["source"], view["schedule"]) == (200, "fallback", None)

    # The State Council's notice: New Year off from 1 to 4 January (made up for on other days).
    body = {"holidays": ["2027-01-01", {"first": "2027-01-02", "last": "2027-01-04"}], "workdays": []}
    status, loaded = call(client, "PUT", "/calendar/2027", world.headers("root"), body)
    assert (status, loaded["source"]) == (200, "loaded")
    assert loaded["schedule"]["holidays"] == ["2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04"]
    drain_timers(client)

    schedule = YearSchedule.from_ranges(2027, [(date(2027, 1, 1), date(2027, 1, 4))], [])
    moved_day = WorkdayCalendar({2027: schedule}).add_workdays(submitted, registration.REVIEW_WORKDAYS)
    assert moved_day == date(2027, 1, 6)
    moved = calendar.end_of_workday(moved_day)
    assert moved == datetime(2027, 1, 7, 0, 0, tzinfo=CHINA_TZ)
    assert reg(reg_id).review_due == moved
    deadline = timer(timers.REVIEW_DUE, reg_id)
    assert deadline is not None and deadline.due_at == moved
    # MSG-1: its reminder, not yet sent, moves too (end of the 4th working day, 5 January), and
    # the timer stays filed at it
    reminder = calendar.end_of_workday(date(2027, 1, 5))
    assert deadline.remind_at == reminder
    assert (deadline.gsi2pk, deadline.gsi2sk) == timers.index_keys(timers.REVIEW_DUE, reg_id, reminder)
    trail = [r.action for r in AuditRecord.query(keys.audit_pk("REGISTRATION", reg_id))]
    assert trail.count("registration.deadline_move") == 1
    status, view = call(client, "GET", "/calendar/2027", world.headers("huajing"))
    assert (status, view["source"], len(view["schedule"]["holidays"])) == (200, "loaded", 4)

    # The old deadline passes: nothing happens. The new one passes: escalated.
    at(monkeypatch, calendar.end_of_workday(fallback_day) + timedelta(minutes=1))
    sweep(client)
    drain_timers(client)
    assert reg(reg_id).escalated_to is None
    at(monkeypatch, moved + timedelta(minutes=1))
    sweep(client)
    drain_timers(client)
    assert reg(reg_id).escalated_to == world.orgs["tianhe"]


def test_rev_2_msg_1_a_calendar_load_after_the_reminder_moves_the_deadline_it_waits_for(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a registration submitted on Monday 28 December 2026, counted with January 2027 as
    # Monday to Friday: reminded at the end of 1 January, due at the end of 4 January
    submitted = datetime(2026, 12, 28, 10, 0, tzinfo=CHINA_TZ).astimezone(UTC)
    reg_id = submitted_at(client, world, monkeypatch, submitted)
    first = timer(timers.REVIEW_DUE, reg_id)
    assert first is not None and first.remind_at == datetime(2027, 1, 2, 0, 0, tzinfo=CHINA_TZ)
    assert first.due_at == datetime(2027, 1, 5, 0, 0, tzinfo=CHINA_TZ)
    # And its reminder has been sent by the sweep
    at(monkeypatch, datetime(2027, 1, 2, 0, 1, tzinfo=CHINA_TZ))
    sweep(client)
    drain_timers(client)
    reminded = timer(timers.REVIEW_DUE, reg_id)
    assert reminded is not None and reminded.remind_at is None
    # When the province loads 2027 with 1 to 4 January off
    body = {"holidays": [{"first": "2027-01-01", "last": "2027-01-04"}], "workdays": []}
    status, answer = call(client, "PUT", "/calendar/2027", world.headers("root"), body)
    assert status == 200, answer
    drain_timers(client)
    # Then the timer and the registration move to the new deadline (end of 6 January), and the
    # timer is filed at it: no second reminder to wait for
    moved = datetime(2027, 1, 7, 0, 0, tzinfo=CHINA_TZ)
    deadline = timer(timers.REVIEW_DUE, reg_id)
    assert deadline is not None and (deadline.due_at, deadline.remind_at) == (moved, None)
    assert (deadline.gsi2pk, deadline.gsi2sk) == timers.index_keys(timers.REVIEW_DUE, reg_id, moved)
    assert reg(reg_id).review_due == moved
    # And it escalates at the new deadline, not before
    at(monkeypatch, datetime(2027, 1, 5, 0, 1, tzinfo=CHINA_TZ))
    sweep(client)
    drain_timers(client)
    assert reg(reg_id).escalated_to is None
    at(monkeypatch, moved + timedelta(minutes=1))
    sweep(client)
    drain_timers(client)
    assert reg(reg_id).escalated_to == world.orgs["tianhe"]
    assert timer(timers.REVIEW_DUE, reg_id) is None


def test_rev_2_msg_1_a_recomputation_racing_the_reminder_still_moves_the_deadline(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a registration submitted on Monday 28 December 2026 (January 2027 counted Monday to
    # Friday: reminded at the end of 1 January, due at the end of 4 January), its timer read by a
    # recomputation just before the reminder's firing re-files it at the deadline
    submitted = datetime(2026, 12, 28, 10, 0, tzinfo=CHINA_TZ).astimezone(UTC)
    reg_id = submitted_at(client, world, monkeypatch, submitted)
    read = timer(timers.REVIEW_DUE, reg_id)
    assert read is not None and read.remind_at is not None
    at(monkeypatch, datetime(2027, 1, 2, 0, 1, tzinfo=CHINA_TZ))
    deadlines.handle(FireTimer(timer_kind=timers.REVIEW_DUE, subject_id=reg_id))
    # When the recomputation (2027 loaded with 1 to 4 January off) writes with what it read
    loaded = WorkdayCalendar({2027: YearSchedule.from_ranges(2027, [(date(2027, 1, 1), date(2027, 1, 4))], [])})
    moved = deadlines._move(read, loaded, 2027)
    # Then it reads the timer again and moves the deadline the reminded timer waits for
    new_due = datetime(2027, 1, 7, 0, 0, tzinfo=CHINA_TZ)
    after = timer(timers.REVIEW_DUE, reg_id)
    assert moved is True and after is not None and (after.due_at, after.remind_at) == (new_due, None)
    assert (after.gsi2pk, after.gsi2sk) == timers.index_keys(timers.REVIEW_DUE, reg_id, new_due)
    assert reg(reg_id).review_due == new_due


def test_rev_2_calendar_of_a_known_year_comes_from_the_package(client: Any, world: World) -> None:
    status, view = call(client, "GET", "/calendar/2026", world.headers("huajing"))
    assert (status, view["source"]) == (200, "package")


def test_rev_2_only_the_province_loads_a_calendar(client: Any, world: World) -> None:
    body = {"holidays": ["2027-01-01"], "workdays": []}
    status, answer = call(client, "PUT", "/calendar/2027", world.headers("gz"), body)
    assert (status, answer["code"]) == (403, "PROVINCE_ONLY")
    status, view = call(client, "GET", "/calendar/2027", world.headers("gz"))
    assert view["source"] == "fallback"


@pytest.mark.parametrize(
    ("year", "body", "code", "field"),
    [
        ("2027", {"holidays": [], "workdays": ["2027-01-04"]}, "SCHEDULE_MAKEUP_NOT_WEEKEND", "workdays"),
        ("2027", {"holidays": ["2026-12-31"], "workdays": []}, "SCHEDULE_DATE_OUTSIDE_YEAR", "holidays"),
        (
            "2027",
            {"holidays": [{"first": "2027-01-04", "last": "2027-01-01"}], "workdays": []},
            "SCHEDULE_RANGE_REVERSED",
            "holidays",
        ),
        ("2027", {"holidays": ["2027-01-02"], "workdays": ["2027-01-02"]}, "SCHEDULE_CONFLICT", "workdays"),
        ("2027", {"holidays": ["2027-02-30"], "workdays": []}, "INVALID_FIELD", "holidays.0.first"),
        ("2027", {"holidays": []}, "INVALID_FIELD", "workdays"),
        ("2027", {"holidays": [], "workdays": [], "note": "x"}, "INVALID_FIELD", "note"),
        ("20x7", {"holidays": [], "workdays": []}, "CALENDAR_YEAR", "year"),
        ("1999", {"holidays": [], "workdays": []}, "CALENDAR_YEAR", "year"),
    ],
)
def test_rev_2_malformed_schedules_are_refused_with_a_field(
    client: Any, world: World, year: str, body: dict[str, Any], code: str, field: str
) -> None:
    status, answer = call(client, "PUT", f"/calendar/{year}", world.headers("root"), body)
    assert (status, answer["code"], answer["field"]) == (400, code, field), answer
    assert answer["message"]
    status, view = call(client, "GET", "/calendar/2027", world.headers("root"))
    assert view["source"] == "fallback"  # nothing was stored


def test_timer_worker_refuses_an_unknown_message_kind(client: Any) -> None:
    # Given a timers message of a kind no worker knows
    # When the worker parses it
    # Then it is refused as malformed (the record fails, then dead-letters)
    with pytest.raises(MalformedMessage, match="malformed timers message"):
        TIMERS.parse({"kind": "nonsense"})
