"""Public routes of the organisation tree (WEB-1, REG-1): the branch lookup a person
registering uses before they belong anywhere, and one branch as its registration QR link
(/m/join/<branch_id>) shows it. No sign-in; rate-limited per caller address. Thin: parse, call
logic (zhtj.orgs.lookup), shape."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import api, current_request, source_ip
from zhtj.orgs import lookup

bp = Blueprint(__name__)
TAG = "组织"


class LookupQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    q: str = Field(min_length=1, max_length=50, description="团支部名称片段或代称")


class BranchHit(BaseModel):
    id: str
    name: str
    alias: str


class PublicBranchOut(BranchHit):
    parent_name: str | None = Field(description="上级组织名称")


def _caller() -> str:
    """The caller's address (the lookup's limit per caller)."""
    return source_ip(current_request())


@api(
    bp,
    "/branches/lookup",
    "GET",
    summary="按名称片段或代称查找团支部（公开，限频；报到时选择团支部）",
    query=LookupQuery,
    response=list[BranchHit],
    public=True,
    tag=TAG,
)
def branch_lookup(query: LookupQuery) -> list[BaseModel]:
    return [BranchHit(id=b.id, name=b.name, alias=b.alias) for b in lookup.lookup(query.q, _caller())]


@api(
    bp,
    "/branches/{branch_id}/public",
    "GET",
    summary="团支部公开信息（报到二维码链接）",
    response=PublicBranchOut,
    public=True,
    tag=TAG,
)
def public_branch(branch_id: str) -> BaseModel:
    branch = lookup.public_branch(branch_id, _caller())
    return PublicBranchOut(id=branch.id, name=branch.name, alias=branch.alias, parent_name=branch.parent_name)
