"""Routes of edits to a member after approval (EDIT-1..4): the member's own edits and their
review, join-month corrections and the windows that open them. Thin: parse, call logic, shape.
Deletions (deletions.py) and exits (exits.py) are the other changes.

Reviews address the member (`/members/{id}/...`): a member has at most one open request of
each kind, so the member names the request, and the member's branch is what authorization
checks against."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib.accounts.schemas import MemberDetailOut
from chalicelib.changes.schemas import (
    EditOut,
    EditRequestOut,
    JoinDateWindowOut,
    JoinDateWindowsIn,
    JoinMonthApplication,
    JoinMonthRequest,
    MemberEdit,
)
from chalicelib.http import PageQuery, api
from chalicelib.schemas import Page, Reason
from zhtj.changes import edits
from zhtj.changes.models import EditRequest
from zhtj.changes.rules import EditState
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "团籍"
STATE_PATTERN = "^[A-Z_]{1,30}$"


class EditStateQuery(PageQuery):
    state: str = Field(default=EditState.EDIT_PENDING, pattern=STATE_PATTERN)


class ApplicationStateQuery(PageQuery):
    state: str = Field(default=EditState.APPLICATION_PENDING, pattern=STATE_PATTERN)


def _edit(request: EditRequest) -> EditRequestOut:
    fields: dict[str, Any] = {n: getattr(request, n) for n in EditRequestOut.model_fields}
    fields["changes"], fields["previous"] = request.changes.as_dict(), request.previous.as_dict()
    return EditRequestOut(**fields)


def _edits(items: list[Any], cursor: str | None) -> Page[EditRequestOut]:
    return Page[EditRequestOut](items=[_edit(r) for r in items], next_cursor=cursor)


@api(bp, "/members/{member_id}", "PATCH", summary="团员修改本人信息", body=MemberEdit, response=EditOut, tag=TAG)
def edit(member_id: str, principal: Principal, body: MemberEdit) -> BaseModel:
    member, request = edits.edit(principal, member_id, body.model_dump(exclude_unset=True))
    return EditOut(
        member=MemberDetailOut.model_validate(member),
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
