"""Request and response models of the changes routes (pydantic): the OpenAPI document is built from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from chalicelib.accounts.schemas import MemberDetailOut
from chalicelib.schemas import BirthMonth, Body, Out
from zhtj.changes.rules import DeletionCause, ExitKind
from zhtj.registration.rules import IncomeBand


class MemberEdit(Body):
    """EDIT-1..3: the fields a member changes; a field left out stays as it is. The first four
    are accepted only to be refused by name (EDIT-1)."""

    name: Any = Field(default=None, description="不可修改（EDIT-1）")
    id_number: Any = Field(default=None, description="不可修改（EDIT-1）")
    join_month: Any = Field(default=None, description="不可修改（EDIT-1）；更正见入团年月更正申请（EDIT-4）")
    development_number: Any = Field(default=None, description="不可修改（EDIT-1）")
    political_status: str | None = Field(default=None, max_length=10, description="须团支部审核（EDIT-2）")
    income_band: IncomeBand | None = Field(default=None, description="须团支部审核（EDIT-2）")
    is_cadre: bool | None = Field(default=None, description="须团支部审核（EDIT-2）")
    education: str | None = Field(default=None, max_length=20)
    occupation: str | None = Field(default=None, max_length=30)
    phone: str | None = Field(default=None, max_length=20)


class EditRequestOut(Out):
    request_id: str
    member_id: str
    branch_id: str
    route: str
    state: str
    changes: dict[str, object]
    previous: dict[str, object]
    reason: str | None
    requested_by: str
    requested_org_id: str | None
    requested_at: datetime
    decided_by: str | None
    decided_org_id: str | None
    decided_at: datetime | None
    return_reason: str | None


class EditOut(BaseModel):
    """The member after an edit, and the request for branch review it opened (if any)."""

    member: MemberDetailOut
    edit_request: EditRequestOut | None = None


class JoinMonthRequest(Body):
    """EDIT-4 inside a window: the member asks, the branch reviews."""

    join_month: str = Field(min_length=7, max_length=7, description="入团年月 YYYY-MM")
    reason: str = Field(min_length=1, max_length=200)


class JoinMonthApplication(Body):
    """EDIT-4 outside a window: the city-level committee applies to the province in writing."""

    join_month: str = Field(min_length=7, max_length=7, description="入团年月 YYYY-MM")
    explanation: str = Field(min_length=1, max_length=2000, description="核实情况的书面说明")


class JoinDateWindowIn(Body):
    opens_on: date
    closes_on: date


class JoinDateWindowsIn(Body):
    """EDIT-4: the province's windows for join-month corrections (replaces the current list)."""

    windows: list[JoinDateWindowIn] = Field(max_length=20)


class JoinDateWindowOut(Out):
    opens_on: date
    closes_on: date


class DeletionRequestIn(Body):
    reason: str = Field(min_length=1, max_length=500, description="申请删除原因")
    cause: DeletionCause = DeletionCause.OTHER
    explanation: str | None = Field(default=None, max_length=2000, description="误审核时的书面情况说明")


class DeletionRequestOut(Out):
    request_id: str
    member_id: str
    branch_id: str
    city_org_id: str
    state: str
    cause: str
    reason: str
    explanation: str | None
    requested_by: str
    requested_org_id: str
    requested_at: datetime
    forwarded_by: str | None
    forwarded_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    return_reason: str | None


class BulkReturnOut(BaseModel):
    """DEL-1: the province's bulk return; call again while `more` is true."""

    returned: int
    skipped: int
    more: bool


class ExitApply(Body):
    """EXIT-1/EXIT-2: the branch meeting's resolution (支部大会决议) behind an exit."""

    kind: ExitKind
    resolution_date: date
    resolution: str = Field(min_length=1, max_length=2000)


class ExitRequestOut(Out):
    request_id: str
    member_id: str
    branch_id: str
    exit_kind: ExitKind
    state: str
    resolution_date: date
    resolution: str
    applied_by: str
    applied_org_id: str
    applied_at: datetime
    decided_by: str | None
    decided_org_id: str | None
    decided_at: datetime | None
    return_reason: str | None


class AgeOutCandidateOut(Out):
    member_id: str
    name: str
    branch_id: str
    birth_month: BirthMonth
