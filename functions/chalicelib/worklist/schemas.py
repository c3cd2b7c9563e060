"""HTTP models of the work list (待办, MSG-4): what the console reads."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import PageQuery
from zhtj.worklist.rules import DueUnit, WorkKind


class WorkListQuery(PageQuery):
    """A page of the work list, optionally of one kind."""

    kind: WorkKind | None = None


class WorkCounts(BaseModel):
    """Open tasks by kind, and their total."""

    registration: int = Field(description="报到待审核")
    overdue_review: int = Field(description="逾期未审核、上报本组织的报到")
    edit: int = Field(description="信息修改待审核")
    join_month: int = Field(description="入团年月更正申请（团省委审批）")
    transfer: int = Field(description="转接审批环节与申诉")
    award_declaration: int = Field(description="团员申报的奖惩")
    exit: int = Field(description="离团申请")
    deletion: int = Field(description="删除团员申请")
    party: int = Field(description="推优入党")
    total: int


class WorkItemOut(BaseModel):
    """One task waiting on the organisation. `id` is the task's own id (the registration, the
    transfer, the request, declaration or recommendation); `member_id`, `registration_id`,
    `transfer_id`, `request_id` are what the routes that decide it take. `due_in`: how far the
    deadline is, in `unit` (working days: 0 on its last day; hours), negative once past."""

    model_config = ConfigDict(from_attributes=True)

    kind: WorkKind
    id: str
    name: str = Field(description="团员或报到人姓名")
    member_id: str | None
    registration_id: str | None
    transfer_id: str | None
    request_id: str | None
    created_at: datetime
    deadline: datetime | None
    unit: DueUnit | None
    due_in: int | None
    escalated: bool
    stage: str | None = Field(description="多阶段事项的当前阶段：删除申请 REQUESTED/FORWARDED，转接 OPEN/APPEALED")


class WorkListOut(BaseModel):
    """An organisation's work list: counts by kind, a page of tasks (most urgent first), and the
    cursor of the next page."""

    counts: WorkCounts
    items: list[WorkItemOut]
    next_cursor: str | None = None
