"""Routes of a member leaving the league (EXIT-1/EXIT-2): the branch applies with its meeting's
resolution, the organisation above approves or returns, a wrongful exit is restored; the
age-out candidates and the former members kept on record. Thin: parse, call logic, shape."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib.accounts.schemas import MemberDetailOut
from chalicelib.changes.edits import STATE_PATTERN, TAG
from chalicelib.changes.schemas import AgeOutCandidateOut, ExitApply, ExitRequestOut
from chalicelib.http import PageQuery, api
from chalicelib.schemas import Page, Reason
from zhtj.changes import exits
from zhtj.changes.rules import ExitState
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)


class ExitStateQuery(PageQuery):
    state: str = Field(default=ExitState.PENDING, pattern=STATE_PATTERN)


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
    return MemberDetailOut.model_validate(exits.restore(principal, member_id, body.reason))


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
    return Page[MemberDetailOut](items=[MemberDetailOut.model_validate(m) for m in items], next_cursor=cursor)
