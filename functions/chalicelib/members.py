"""Routes of the changes to a member after approval: edits (EDIT-1..4), deletion (DEL-1),
exits (EXIT-1/EXIT-2). Thin: parse, call logic, shape.

Reviews address the member (`/members/{id}/...`): a member has at most one open request of
each kind, so the member names the request, and the member's branch is what authorization
checks against."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint
from pydantic import BaseModel, Field

from chalicelib.http import PageQuery, api
from zhtj.changes import deletions, edits, exits
from zhtj.changes.models import EditRequest
from zhtj.changes.rules import DeletionState, EditState, ExitState
from zhtj.members import service as member_changes
from zhtj.schemas import (
    AgeOutCandidateOut,
    BulkReturnOut,
    DeletionRequestIn,
    DeletionRequestOut,
    EditOut,
    EditRequestOut,
    ExitApply,
    ExitRequestOut,
    JoinDateWindowOut,
    JoinDateWindowsIn,
    JoinMonthApplication,
    JoinMonthRequest,
    MemberDetailOut,
    MemberEdit,
    Page,
    Reason,
)
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "团籍"
_STATE = "^[A-Z_]{1,30}$"


class EditStateQuery(PageQuery):
    state: str = Field(default=EditState.EDIT_PENDING, pattern=_STATE)


class ApplicationStateQuery(PageQuery):
    state: str = Field(default=EditState.APPLICATION_PENDING, pattern=_STATE)


class CityDeletionQuery(PageQuery):
    state: str = Field(default=DeletionState.REQUESTED, pattern=_STATE)


class ProvinceDeletionQuery(PageQuery):
    state: str = Field(default=DeletionState.FORWARDED, pattern=_STATE)


class ExitStateQuery(PageQuery):
    state: str = Field(default=ExitState.PENDING, pattern=_STATE)


def _edit(request: EditRequest) -> EditRequestOut:
    fields: dict[str, Any] = {n: getattr(request, n) for n in EditRequestOut.model_fields}
    fields["changes"], fields["previous"] = request.changes.as_dict(), request.previous.as_dict()
    return EditRequestOut(**fields)


def _edits(items: list[Any], cursor: str | None) -> Page[EditRequestOut]:
    return Page[EditRequestOut](items=[_edit(r) for r in items], next_cursor=cursor)


# --- EDIT ---------------------------------------------------------------------------------------


@api(bp, "/members/{member_id}", "PATCH", summary="团员修改本人信息", body=MemberEdit, response=EditOut, tag=TAG)
def edit(member_id: str, principal: Principal, body: MemberEdit) -> BaseModel:
    member, request = edits.edit(principal, member_id, body.model_dump(exclude_unset=True))
    return EditOut(
        member=MemberDetailOut.model_validate(member_changes.member_view(member)),
        edit_request=_edit(request) if request is not None else None,
    )


@api(
    bp,
    "/members/{member_id}/edit-requests",
    "GET",
    summary="团员的修改申请",
    query=PageQuery,
    response=Page[EditRequestOut],
    tag=TAG,
)
def member_edits(member_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    return _edits(*edits.member_requests(principal, member_id, query.cursor, query.limit))


@api(
    bp,
    "/orgs/{org_id}/edit-requests",
    "GET",
    summary="团支部待审核的修改申请",
    query=EditStateQuery,
    response=Page[EditRequestOut],
    tag=TAG,
)
def branch_edits(org_id: str, principal: Principal, query: EditStateQuery) -> BaseModel:
    return _edits(*edits.branch_requests(principal, org_id, query.state, query.cursor, query.limit))


@api(
    bp,
    "/members/{member_id}/edit-request/approve",
    "POST",
    summary="审核通过修改申请",
    response=EditRequestOut,
    tag=TAG,
)
def approve_edit(member_id: str, principal: Principal) -> BaseModel:
    return _edit(edits.approve_edit(principal, member_id))


@api(
    bp,
    "/members/{member_id}/edit-request/return",
    "POST",
    summary="退回修改申请",
    body=Reason,
    response=EditRequestOut,
    tag=TAG,
)
def return_edit(member_id: str, principal: Principal, body: Reason) -> BaseModel:
    return _edit(edits.return_edit(principal, member_id, body.reason))


@api(
    bp,
    "/members/{member_id}/join-month-request",
    "POST",
    summary="团员申请更正入团年月（开放时段内）",
    body=JoinMonthRequest,
    response=EditRequestOut,
    status=201,
    tag=TAG,
)
def request_join_month(member_id: str, principal: Principal, body: JoinMonthRequest) -> BaseModel:
    return _edit(edits.request_join_month(principal, member_id, body.join_month, body.reason))


@api(
    bp,
    "/members/{member_id}/join-month-application",
    "POST",
    summary="市级团委申请更正入团年月（开放时段外）",
    body=JoinMonthApplication,
    response=EditRequestOut,
    status=201,
    tag=TAG,
)
def apply_join_month(member_id: str, principal: Principal, body: JoinMonthApplication) -> BaseModel:
    return _edit(edits.apply_join_month(principal, member_id, body.join_month, body.explanation))


@api(
    bp,
    "/members/{member_id}/join-month-application/approve",
    "POST",
    summary="团省委批准入团年月更正",
    response=EditRequestOut,
    tag=TAG,
)
def approve_join_month(member_id: str, principal: Principal) -> BaseModel:
    return _edit(edits.approve_join_month(principal, member_id))


@api(
    bp,
    "/members/{member_id}/join-month-application/return",
    "POST",
    summary="团省委退回入团年月更正申请",
    body=Reason,
    response=EditRequestOut,
    tag=TAG,
)
def return_join_month(member_id: str, principal: Principal, body: Reason) -> BaseModel:
    return _edit(edits.return_join_month(principal, member_id, body.reason))


@api(
    bp,
    "/join-month-applications",
    "GET",
    summary="待团省委审批的入团年月更正申请",
    query=ApplicationStateQuery,
    response=Page[EditRequestOut],
    tag=TAG,
)
def province_join_month(principal: Principal, query: ApplicationStateQuery) -> BaseModel:
    return _edits(*edits.province_applications(principal, query.state, query.cursor, query.limit))


@api(bp, "/join-date-windows", "GET", summary="入团年月更正开放时段", response=list[JoinDateWindowOut], tag=TAG)
def join_date_windows(principal: Principal) -> list[BaseModel]:
    return [JoinDateWindowOut.model_validate(w) for w in edits.windows()]


@api(
    bp,
    "/join-date-windows",
    "PUT",
    summary="设置入团年月更正开放时段（团省委）",
    body=JoinDateWindowsIn,
    response=list[JoinDateWindowOut],
    tag=TAG,
)
def set_join_date_windows(principal: Principal, body: JoinDateWindowsIn) -> list[BaseModel]:
    spans = [(w.opens_on, w.closes_on) for w in body.windows]
    return [JoinDateWindowOut.model_validate(w) for w in edits.set_windows(principal, spans)]


# --- DEL ----------------------------------------------------------------------------------------


@api(
    bp,
    "/members/{member_id}/deletion",
    "POST",
    summary="团支部申请删除团员",
    body=DeletionRequestIn,
    response=DeletionRequestOut,
    status=201,
    tag=TAG,
)
def request_deletion(member_id: str, principal: Principal, body: DeletionRequestIn) -> BaseModel:
    deletion = deletions.request(principal, member_id, body.reason, body.cause, body.explanation)
    return DeletionRequestOut.model_validate(deletion)


@api(
    bp,
    "/members/{member_id}/deletion/forward",
    "POST",
    summary="市级团委核定并上报删除申请",
    response=DeletionRequestOut,
    tag=TAG,
)
def forward_deletion(member_id: str, principal: Principal) -> BaseModel:
    return DeletionRequestOut.model_validate(deletions.forward(principal, member_id))


@api(
    bp,
    "/members/{member_id}/deletion/approve",
    "POST",
    summary="团省委批准删除团员",
    response=DeletionRequestOut,
    tag=TAG,
)
def approve_deletion(member_id: str, principal: Principal) -> BaseModel:
    return DeletionRequestOut.model_validate(deletions.approve(principal, member_id))


@api(
    bp,
    "/members/{member_id}/deletion/return",
    "POST",
    summary="退回删除申请",
    body=Reason,
    response=DeletionRequestOut,
    tag=TAG,
)
def return_deletion(member_id: str, principal: Principal, body: Reason) -> BaseModel:
    return DeletionRequestOut.model_validate(deletions.return_request(principal, member_id, body.reason))


@api(
    bp,
    "/orgs/{org_id}/deletion-requests",
    "GET",
    summary="市级团委汇总的删除申请",
    query=CityDeletionQuery,
    response=Page[DeletionRequestOut],
    tag=TAG,
)
def city_deletions(org_id: str, principal: Principal, query: CityDeletionQuery) -> BaseModel:
    items, cursor = deletions.city_requests(principal, org_id, query.state, query.cursor, query.limit)
    return Page[DeletionRequestOut](items=[DeletionRequestOut.model_validate(d) for d in items], next_cursor=cursor)


@api(
    bp,
    "/deletion-requests",
    "GET",
    summary="待团省委处理的删除申请",
    query=ProvinceDeletionQuery,
    response=Page[DeletionRequestOut],
    tag=TAG,
)
def province_deletions(principal: Principal, query: ProvinceDeletionQuery) -> BaseModel:
    items, cursor = deletions.province_requests(principal, query.state, query.cursor, query.limit)
    return Page[DeletionRequestOut](items=[DeletionRequestOut.model_validate(d) for d in items], next_cursor=cursor)


@api(
    bp,
    "/deletion-requests/return-all",
    "POST",
    summary="团省委退回全部待处理的删除申请",
    body=Reason,
    response=BulkReturnOut,
    tag=TAG,
)
def return_all_deletions(principal: Principal, body: Reason) -> BaseModel:
    result = deletions.return_all(principal, body.reason)
    return BulkReturnOut(returned=result.returned, skipped=result.skipped, more=result.more)


# --- EXIT ---------------------------------------------------------------------------------------


@api(
    bp,
    "/members/{member_id}/exit",
    "POST",
    summary="团支部申请办理离团（退团、脱团、开除团籍、超龄离团）",
    body=ExitApply,
    response=ExitRequestOut,
    status=201,
    tag=TAG,
)
def apply_exit(member_id: str, principal: Principal, body: ExitApply) -> BaseModel:
    request = exits.apply(principal, member_id, body.kind, body.resolution_date, body.resolution)
    return ExitRequestOut.model_validate(request)


@api(bp, "/members/{member_id}/exit/approve", "POST", summary="上级组织批准离团", response=ExitRequestOut, tag=TAG)
def approve_exit(member_id: str, principal: Principal) -> BaseModel:
    return ExitRequestOut.model_validate(exits.approve(principal, member_id))


@api(
    bp,
    "/members/{member_id}/exit/return",
    "POST",
    summary="上级组织退回离团申请",
    body=Reason,
    response=ExitRequestOut,
    tag=TAG,
)
def return_exit(member_id: str, principal: Principal, body: Reason) -> BaseModel:
    return ExitRequestOut.model_validate(exits.return_application(principal, member_id, body.reason))


@api(bp, "/members/{member_id}/restore", "POST", summary="恢复团籍", body=Reason, response=MemberDetailOut, tag=TAG)
def restore(member_id: str, principal: Principal, body: Reason) -> BaseModel:
    return MemberDetailOut.model_validate(member_changes.member_view(exits.restore(principal, member_id, body.reason)))


@api(
    bp,
    "/orgs/{org_id}/exit-requests",
    "GET",
    summary="团支部的离团申请",
    query=ExitStateQuery,
    response=Page[ExitRequestOut],
    tag=TAG,
)
def branch_exits(org_id: str, principal: Principal, query: ExitStateQuery) -> BaseModel:
    items, cursor = exits.branch_requests(principal, org_id, query.state, query.cursor, query.limit)
    return Page[ExitRequestOut](items=[ExitRequestOut.model_validate(x) for x in items], next_cursor=cursor)


@api(
    bp,
    "/orgs/{org_id}/age-out-candidates",
    "GET",
    summary="年满28周岁且未担任团内职务的团员",
    query=PageQuery,
    response=Page[AgeOutCandidateOut],
    tag=TAG,
)
def age_out_candidates(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = exits.age_out_candidates(principal, org_id, query.cursor, query.limit)
    return Page[AgeOutCandidateOut](items=[AgeOutCandidateOut.model_validate(m) for m in items], next_cursor=cursor)


@api(
    bp,
    "/orgs/{org_id}/former-members",
    "GET",
    summary="已离团或已删除的团员（记录保留）",
    query=PageQuery,
    response=Page[MemberDetailOut],
    tag=TAG,
)
def former_members(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = exits.former_members(principal, org_id, query.cursor, query.limit)
    return Page[MemberDetailOut](
        items=[MemberDetailOut.model_validate(member_changes.member_view(m)) for m in items], next_cursor=cursor
    )
