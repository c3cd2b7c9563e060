"""Routes of the member's own branch as the members' app shows it (WEB-1, 我的组织): the
branch, its parent and its cadres by position; the mates a member may pay for (帮TA交, DUES-5).
Only the member themself. Thin: parse, call logic (zhtj.members.branch), shape."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib.http import PageQuery, api
from chalicelib.schemas import Page
from zhtj.members import branch as my
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "团籍"


class CadreOut(BaseModel):
    position: str = Field(description="职务（书记、副书记、委员……）")
    name: str


class MyBranchOut(BaseModel):
    branch_id: str
    name: str
    full_name: str
    alias: str
    parent_name: str | None = Field(description="上级组织")
    member_count: int
    cadres: list[CadreOut] = Field(description="团支部委员（按职务），仅姓名")


class MateOut(BaseModel):
    member_id: str
    name: str


@api(
    bp,
    "/members/{member_id}/organisation",
    "GET",
    summary="我的组织：所在团支部、上级组织与支部委员（团员本人）",
    response=MyBranchOut,
    tag=TAG,
)
def organisation(member_id: str, principal: Principal) -> BaseModel:
    found = my.my_branch(principal, member_id)
    return MyBranchOut(
        branch_id=found.branch_id,
        name=found.name,
        full_name=found.full_name,
        alias=found.alias,
        parent_name=found.parent_name,
        member_count=found.member_count,
        cadres=[CadreOut(position=c.position, name=c.name) for c in found.cadres],
    )


@api(
    bp,
    "/members/{member_id}/branch-mates",
    "GET",
    summary="同支部团员（帮TA交时选择，团员本人）",
    query=PageQuery,
    response=Page[MateOut],
    tag=TAG,
)
def branch_mates(member_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = my.mates(principal, member_id, query.cursor, query.limit)
    return Page[MateOut](items=[MateOut(member_id=m.member_id, name=m.name) for m in items], next_cursor=cursor)
