"""Routes of deleting a member (DEL-1): the branch asks, the city checks and forwards, the
province approves or returns (one by one or all at once). Thin: parse, call logic, shape."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib.changes.edits import STATE_PATTERN, TAG
from chalicelib.changes.schemas import BulkReturnOut, DeletionRequestIn, DeletionRequestOut
from chalicelib.http import PageQuery, api
from chalicelib.schemas import Page, Reason
from zhtj.changes import deletions
from zhtj.changes.rules import DeletionState
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)


class CityDeletionQuery(PageQuery):
    state: str = Field(default=DeletionState.REQUESTED, pattern=STATE_PATTERN)


class ProvinceDeletionQuery(PageQuery):
    state: str = Field(default=DeletionState.FORWARDED, pattern=STATE_PATTERN)


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
