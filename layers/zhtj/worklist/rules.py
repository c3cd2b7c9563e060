"""The work list's rules (待办, MSG-4), pure: which open tasks a stored item stands for, which
organisation each waits on, its deadline, and how far that deadline is. No I/O.

A task is read off the item's image as the table's stream delivers it (a dict of plain values):
the same function gives the tasks before a change (old image) and after it (new image), and the
work list moves by the difference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

import msgspec
from msgspec.structs import replace

from zhtj.awards.rules import DeclarationState
from zhtj.changes.rules import DeletionState, EditRoute, EditState, ExitState
from zhtj.party.rules import RecommendationState
from zhtj.registration.rules import RegistrationState
from zhtj.timers.workdays import CHINA_TZ, WorkdayCalendar
from zhtj.transfers.rules import TransferState


class WorkKind(StrEnum):
    """What kind of task waits on an organisation."""

    REGISTRATION = "REGISTRATION"  # 报到待审核 (REV-1; 5 working days, REV-2)
    OVERDUE_REVIEW = "OVERDUE_REVIEW"  # 逾期未审核、上报本组织的报到 (REV-2)
    EDIT = "EDIT"  # 信息修改待审核 (EDIT-2, EDIT-4 inside a window)
    JOIN_MONTH = "JOIN_MONTH"  # 入团年月更正申请，待团省委审批 (EDIT-4 outside a window)
    TRANSFER = "TRANSFER"  # 转接审批环节或申诉 (XFER-2; 72 hours)
    AWARD_DECLARATION = "AWARD_DECLARATION"  # 团员申报的奖惩 (AWARD)
    EXIT = "EXIT"  # 离团申请，待上级审批 (EXIT-1/EXIT-2)
    DELETION = "DELETION"  # 删除团员：市级团委核定上报，团省委审批 (DEL-1)
    PARTY = "PARTY"  # 推优入党，待上级团委审批 (PARTY-1)


def count_field(kind: str) -> str:
    """The WorkCount attribute (and the counts' field) of a kind: REGISTRATION -> registration."""
    return kind.lower()


class DueUnit(StrEnum):
    """How a task's deadline is counted."""

    WORKDAYS = "WORKDAYS"  # Chinese working days (REV-2)
    HOURS = "HOURS"  # hours (XFER-2's 72 hours)


class Place(StrEnum):
    """How the organisation a task waits on is found from the item."""

    ORG = "ORG"  # the organisation named
    PARENT = "PARENT"  # the parent of the branch named
    ROOT = "ROOT"  # the province above the branch named


# The item kinds (discriminators) whose changes open or close tasks: the stream function's filter.
SOURCE_KINDS: Final = (
    "Registration",
    "Transfer",
    "EditRequest",
    "ExitRequest",
    "DeletionRequest",
    "AwardDeclaration",
    "PartyRecommendation",
)


class Task(msgspec.Struct, frozen=True):
    """One open task as an item shows it. `org_id` is resolved by `place` (ORG: as it is);
    `name` is None when the item does not carry the member's name (read from the member)."""

    kind: WorkKind
    task_id: str
    place: Place
    org_id: str
    created_at: datetime
    member_id: str | None = None
    registration_id: str | None = None
    transfer_id: str | None = None
    request_id: str | None = None
    name: str | None = None
    deadline: datetime | None = None
    unit: DueUnit | None = None
    escalated: bool = False
    stage: str | None = None  # the item's state where a kind has several (DEL-1, an appeal)

    @property
    def identity(self) -> tuple[WorkKind, str]:
        return self.kind, self.task_id

    def placed(self, org_id: str, name: str | None) -> Task:
        """The task once its organisation and name are known."""
        return replace(self, place=Place.ORG, org_id=org_id, name=self.name if self.name is not None else name)


def stamp(moment: datetime) -> str:
    """A moment as a fixed-width UTC string: sort keys compare as times do."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def due_key(task: Task) -> str:
    """The sort key's first part: the deadline, or (no deadline) `~` and the creation time, so
    that tasks without a deadline come after every dated one, oldest first."""
    return stamp(task.deadline) if task.deadline else f"~{stamp(task.created_at)}"


def _moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value))


def _required_moment(value: Any) -> datetime:
    moment = _moment(value)
    if moment is None:
        raise ValueError("a task's item has no creation time")
    return moment


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _registration(image: Mapping[str, Any]) -> list[Task]:
    if image.get("state") != RegistrationState.PENDING:
        return []
    registration_id = str(image["registration_id"])
    escalated_to = _text(image.get("escalated_to"))
    base = Task(
        kind=WorkKind.REGISTRATION,
        task_id=registration_id,
        place=Place.ORG,
        org_id=str(image["branch_id"]),
        created_at=_required_moment(image.get("submitted_at")),
        registration_id=registration_id,
        name=_text(image.get("name")) or "",
        deadline=_moment(image.get("review_due")),
        unit=DueUnit.WORKDAYS,
        escalated=escalated_to is not None,
    )
    if escalated_to is None:
        return [base]
    # REV-2: past its deadline the review is also the organisation above's (it may act).
    return [base, replace(base, kind=WorkKind.OVERDUE_REVIEW, org_id=escalated_to)]


def _transfer(image: Mapping[str, Any]) -> list[Task]:
    state, step_org = image.get("state"), _text(image.get("step_org_id"))
    if state not in (TransferState.OPEN, TransferState.APPEALED) or step_org is None:
        return []
    escalated_to = _text(image.get("escalated_to"))
    transfer_id = str(image["transfer_id"])
    return [
        Task(
            kind=WorkKind.TRANSFER,
            task_id=transfer_id,
            place=Place.ORG,
            # As the inbox (XFERQ#): once overdue the step is the organisation above's.
            org_id=escalated_to or step_org,
            created_at=_required_moment(image.get("step_asked_at") or image.get("requested_at")),
            member_id=str(image["member_id"]),
            transfer_id=transfer_id,
            name=_text(image.get("member_name")) or "",
            deadline=_moment(image.get("step_due_at")),
            unit=DueUnit.HOURS,
            escalated=bool(image.get("step_overdue")) or escalated_to is not None,
            stage=str(state),
        )
    ]


def _request(kind: WorkKind, image: Mapping[str, Any], place: Place, org_id: str, created: Any) -> Task:
    """A member's request (edit, join month, exit, deletion) waiting on an organisation."""
    request_id = str(image["request_id"])
    return Task(
        kind,
        task_id=request_id,
        place=place,
        org_id=org_id,
        created_at=_required_moment(created),
        member_id=str(image["member_id"]),
        request_id=request_id,
    )


def _edit(image: Mapping[str, Any]) -> list[Task]:
    state, route, branch = image.get("state"), image.get("route"), str(image["branch_id"])
    if route == EditRoute.BRANCH_REVIEW and state == EditState.EDIT_PENDING:
        return [_request(WorkKind.EDIT, image, Place.ORG, branch, image.get("requested_at"))]
    if route == EditRoute.PROVINCE_APPLICATION and state == EditState.APPLICATION_PENDING:
        return [_request(WorkKind.JOIN_MONTH, image, Place.ROOT, branch, image.get("requested_at"))]
    return []


def _exit(image: Mapping[str, Any]) -> list[Task]:
    if image.get("state") != ExitState.PENDING:
        return []
    # The organisation above the branch decides (never the branch itself).
    task = _request(WorkKind.EXIT, image, Place.PARENT, str(image["branch_id"]), image.get("applied_at"))
    return [replace(task, stage=_text(image.get("exit_kind")))]


def _deletion(image: Mapping[str, Any]) -> list[Task]:
    state = image.get("state")
    if state == DeletionState.REQUESTED:  # the city-level committee collects and forwards
        task = _request(WorkKind.DELETION, image, Place.ORG, str(image["city_org_id"]), image.get("requested_at"))
    elif state == DeletionState.FORWARDED:  # the province approves or returns
        created = image.get("forwarded_at") or image.get("requested_at")
        task = _request(WorkKind.DELETION, image, Place.ROOT, str(image["branch_id"]), created)
    else:
        return []
    return [replace(task, stage=str(state))]


def _declaration(image: Mapping[str, Any]) -> list[Task]:
    if image.get("state") != DeclarationState.PENDING:
        return []
    declaration_id = str(image["declaration_id"])
    return [
        Task(
            WorkKind.AWARD_DECLARATION,
            task_id=declaration_id,
            place=Place.ORG,
            org_id=str(image["reviewing_org_id"]),
            created_at=_required_moment(image.get("declared_at")),
            member_id=str(image["member_id"]),
            request_id=declaration_id,
        )
    ]


def _party(image: Mapping[str, Any]) -> list[Task]:
    if image.get("state") != RecommendationState.PROPOSED:
        return []
    recommendation_id = str(image["recommendation_id"])
    return [
        Task(
            WorkKind.PARTY,
            task_id=recommendation_id,
            place=Place.ORG,
            org_id=str(image["reviewing_org_id"]),
            created_at=_required_moment(image.get("proposed_at")),
            member_id=str(image["member_id"]),
            request_id=recommendation_id,
            name=_text(image.get("member_name")) or "",
        )
    ]


_BY_KIND = {
    "Registration": _registration,
    "Transfer": _transfer,
    "EditRequest": _edit,
    "ExitRequest": _exit,
    "DeletionRequest": _deletion,
    "AwardDeclaration": _declaration,
    "PartyRecommendation": _party,
}


def tasks(image: Mapping[str, Any] | None) -> list[Task]:
    """The open tasks an item's image stands for (none for a closed one, or another kind)."""
    if not image:
        return []
    read = _BY_KIND.get(str(image.get("kind")))
    return read(image) if read else []


# --- How far a deadline is -----------------------------------------------------------------------


def due_in_workdays(deadline: datetime, now: datetime, calendar: WorkdayCalendar) -> int:
    """Working days left to a deadline that ends a China day at midnight (REV-2): 0 on its last
    day, 1 the working day before; negative once past (working days overdue)."""
    last_day = (deadline.astimezone(CHINA_TZ) - timedelta(microseconds=1)).date()
    today = now.astimezone(CHINA_TZ).date()
    if last_day >= today:
        return calendar.workdays_between(today, last_day)
    return -calendar.workdays_between(last_day, today)


def due_in_hours(deadline: datetime, now: datetime) -> int:
    """Whole hours left to a deadline (negative: hours overdue, rounded away from zero)."""
    return math.floor((deadline - now).total_seconds() / 3600)
