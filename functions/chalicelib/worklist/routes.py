"""Routes of the work list (待办, MSG-4). Thin: parse, call logic, shape."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel

from chalicelib.http import api
from chalicelib.worklist.schemas import WorkCounts, WorkItemOut, WorkListOut, WorkListQuery
from zhtj.signin.tokens import Principal
from zhtj.worklist import reads as worklist

bp = Blueprint(__name__)
TAG = "待办"


@api(
    bp,
    "/orgs/{org_id}/work-list",
    "GET",
    summary="本组织的待办事项（按期限，最急的在前）",
    query=WorkListQuery,
    response=WorkListOut,
    tag=TAG,
)
def work_list(org_id: str, principal: Principal, query: WorkListQuery) -> BaseModel:
    counts, items, cursor = worklist.work_list(principal, org_id, query.kind, query.cursor, query.limit)
    return WorkListOut(
        counts=WorkCounts(**counts),
        items=[WorkItemOut.model_validate(i) for i in items],
        next_cursor=cursor,
    )
