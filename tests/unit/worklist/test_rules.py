"""The work list's rules (MSG-4), pure: which tasks an item's image stands for, where each
waits, and how far a deadline is in Chinese working days or hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from zhtj.timers.calendar import end_of_workday
from zhtj.timers.workdays import WorkdayCalendar
from zhtj.worklist.rules import Place, WorkKind, due_in_hours, due_in_workdays, due_key, tasks

T0 = "2026-11-23T02:00:00.000000+0000"


def test_msg_4_a_pending_registration_waits_at_its_branch_and_once_escalated_also_above() -> None:
    image = {"kind": "Registration", "registration_id": "r1", "branch_id": "b1", "state": "PENDING_REVIEW",
             "name": "张三", "submitted_at": T0, "review_due": "2026-11-30T16:00:00.000000+0000"}  # fmt: skip
    (task,) = tasks(image)
    assert (task.kind, task.org_id, task.name, task.escalated) == (WorkKind.REGISTRATION, "b1", "张三", False)
    both = tasks(image | {"escalated_to": "c1"})
    assert [(t.kind, t.org_id, t.escalated) for t in both] == [
        (WorkKind.REGISTRATION, "b1", True),
        (WorkKind.OVERDUE_REVIEW, "c1", True),
    ]
    assert tasks(image | {"state": "APPROVED"}) == [] and tasks(None) == []


def test_msg_4_each_request_waits_where_its_decider_is() -> None:
    exit_image = {"kind": "ExitRequest", "request_id": "x1", "member_id": "m1", "branch_id": "b1",
                  "state": "PENDING", "exit_kind": "VOLUNTARY", "applied_at": T0}  # fmt: skip
    deletion = {"kind": "DeletionRequest", "request_id": "d1", "member_id": "m1", "branch_id": "b1",
                "city_org_id": "c1", "state": "REQUESTED", "requested_at": T0}  # fmt: skip
    join = {"kind": "EditRequest", "request_id": "e1", "member_id": "m1", "branch_id": "b1",
            "route": "PROVINCE_APPLICATION", "state": "APPLICATION_PENDING", "requested_at": T0}  # fmt: skip
    assert [(t.kind, t.place, t.org_id) for t in tasks(exit_image)] == [(WorkKind.EXIT, Place.PARENT, "b1")]
    assert [(t.place, t.org_id, t.stage) for t in tasks(deletion)] == [(Place.ORG, "c1", "REQUESTED")]
    forwarded = tasks(deletion | {"state": "FORWARDED", "forwarded_at": T0})
    assert [(t.place, t.org_id, t.stage) for t in forwarded] == [(Place.ROOT, "b1", "FORWARDED")]
    assert [(t.kind, t.place) for t in tasks(join)] == [(WorkKind.JOIN_MONTH, Place.ROOT)]
    assert tasks(join | {"state": "APPLICATION_RETURNED"}) == []


def test_msg_4_a_transfer_step_waits_at_whoever_may_answer_it() -> None:
    image = {"kind": "Transfer", "transfer_id": "t1", "member_id": "m1", "member_name": "李四", "state": "OPEN",
             "step_org_id": "b1", "step_asked_at": T0, "step_due_at": "2026-11-26T02:00:00.000000+0000"}  # fmt: skip
    (task,) = tasks(image)
    assert (task.org_id, task.unit, task.escalated, task.stage) == ("b1", "HOURS", False, "OPEN")
    (late,) = tasks(image | {"escalated_to": "c1", "step_overdue": True})
    assert (late.org_id, late.escalated) == ("c1", True)
    assert tasks(image | {"state": "RETURNED"}) == [] and tasks(image | {"state": "COMPLETED"}) == []


def test_msg_4_dated_tasks_sort_before_undated_ones_and_by_deadline() -> None:
    dated = tasks({"kind": "Registration", "registration_id": "r1", "branch_id": "b1", "state": "PENDING_REVIEW",
                   "name": "x", "submitted_at": T0, "review_due": "2027-01-01T00:00:00.000000+0000"})[0]  # fmt: skip
    undated = tasks({"kind": "AwardDeclaration", "declaration_id": "a1", "member_id": "m1", "reviewing_org_id": "o",
                     "state": "PENDING", "declared_at": T0})[0]  # fmt: skip
    assert due_key(dated) < due_key(undated)
    assert due_key(dated).startswith("2027-01-01T00:00:00.000000Z")


def test_msg_4_working_days_left_skip_holidays_and_go_negative_once_past() -> None:
    # Given National Day 2025 (1-8 October off, Saturday 11 October worked) and a deadline whose
    # last day is Thursday 9 October
    calendar = WorkdayCalendar()
    deadline = end_of_workday(date(2025, 10, 9))

    def on(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)  # 10:00 in China

    # Then from Tuesday 30 September one working day is left (the 9th), none on the 9th itself,
    # and past it the working days overdue count down (10th Friday, 11th the Saturday worked)
    assert due_in_workdays(deadline, on(date(2025, 9, 30)), calendar) == 1
    assert due_in_workdays(deadline, on(date(2025, 10, 9)), calendar) == 0
    assert due_in_workdays(deadline, on(date(2025, 10, 11)), calendar) == -2
    assert due_in_workdays(deadline, on(date(2025, 10, 12)), calendar) == -2


def test_msg_4_hours_left_round_down_and_go_negative_once_past() -> None:
    now = datetime(2026, 11, 23, 2, tzinfo=UTC)
    assert due_in_hours(now + timedelta(hours=72), now) == 72
    assert due_in_hours(now + timedelta(hours=71, minutes=59), now) == 71
    assert due_in_hours(now - timedelta(minutes=1), now) == -1
