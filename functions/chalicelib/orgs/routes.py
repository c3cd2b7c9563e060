"""Routes of the organisation tree (ORG). Thin: parse, call logic.orgs, shape."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import PageQuery, api
from chalicelib.orgs.schemas import (
    MergeOut,
    NameCheckIn,
    NameCheckOut,
    OrgCreate,
    OrgEdit,
    OrgMerge,
    OrgMove,
    OrgNameCheckIn,
    OrgOut,
    OrgSearchHit,
    TreeJobOut,
)
from chalicelib.schemas import FieldErrorOut, Page, Reason
from zhtj.core.errors import DomainError
from zhtj.orgs import service as orgs
from zhtj.orgs.models import Org
from zhtj.orgs.rules import NameDraft, NewOrg, OrgChanges, OrgType
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "组织"


class SubtreeQuery(PageQuery):
    org_type: OrgType | None = None


class SearchQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")
    q: str = Field(min_length=1, max_length=50)


def _page(items: list[Org], cursor: str | None) -> Page[OrgOut]:
    return Page[OrgOut](items=[OrgOut.model_validate(o) for o in items], next_cursor=cursor)


@api(bp, "/orgs/{org_id}", "GET", summary="查看组织", response=OrgOut, tag=TAG)
def read(org_id: str, principal: Principal) -> BaseModel:
    return OrgOut.model_validate(orgs.read(principal, org_id))


@api(bp, "/orgs/{org_id}/children", "GET", summary="下级组织列表", query=PageQuery, response=Page[OrgOut], tag=TAG)
def children(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    return _page(*orgs.list_children(principal, org_id, query.cursor, query.limit))


@api(
    bp, "/orgs/{org_id}/children", "POST", summary="创建下级组织", body=OrgCreate, response=OrgOut, status=201, tag=TAG
)
def create_child(org_id: str, principal: Principal, body: OrgCreate) -> BaseModel:
    return OrgOut.model_validate(orgs.create_child(principal, org_id, NewOrg(**body.model_dump())))


@api(
    bp,
    "/orgs/{org_id}/children/name-check",
    "POST",
    summary="检查下级组织的名称（ORG-5，边输入边检查，不创建）",
    body=NameCheckIn,
    response=NameCheckOut,
    tag=TAG,
)
def check_child_names(org_id: str, principal: Principal, body: NameCheckIn) -> BaseModel:
    return _name_check(orgs.check_child_names(principal, org_id, NameDraft(**body.model_dump())))


@api(
    bp,
    "/orgs/{org_id}",
    "PATCH",
    summary="修改组织信息（名称、行业、地区、入学年份）",
    body=OrgEdit,
    response=OrgOut,
    tag=TAG,
)
def edit(org_id: str, principal: Principal, body: OrgEdit) -> BaseModel:
    changes = OrgChanges(**body.model_dump(exclude={"version"}))
    return OrgOut.model_validate(orgs.edit(principal, org_id, changes, body.version))


@api(
    bp,
    "/orgs/{org_id}/name-check",
    "POST",
    summary="检查组织修改后的名称（ORG-5，边输入边检查，不修改；本组织现用名称不算重名）",
    body=OrgNameCheckIn,
    response=NameCheckOut,
    tag=TAG,
)
def check_names(org_id: str, principal: Principal, body: OrgNameCheckIn) -> BaseModel:
    return _name_check(orgs.check_edit_names(principal, org_id, OrgChanges(**body.model_dump())))


def _name_check(refusals: list[DomainError]) -> NameCheckOut:
    errors = [FieldErrorOut.model_validate(e.to_body()) for e in refusals]
    first = errors[0] if errors else None
    return NameCheckOut(
        ok=not errors,
        code=first.code if first else None,
        message=first.message if first else None,
        field=first.field if first else None,
        errors=errors,
    )


@api(
    bp,
    "/orgs/{org_id}/subtree",
    "GET",
    summary="组织树（本级及全部下级）",
    query=SubtreeQuery,
    response=Page[OrgOut],
    tag=TAG,
)
def subtree(org_id: str, principal: Principal, query: SubtreeQuery) -> BaseModel:
    return _page(*orgs.list_subtree(principal, org_id, query.cursor, query.limit, query.org_type))


@api(
    bp,
    "/orgs/{org_id}/search",
    "GET",
    summary="按名称片段查找组织",
    query=SearchQuery,
    response=Page[OrgSearchHit],
    tag=TAG,
)
def search(org_id: str, principal: Principal, query: SearchQuery) -> BaseModel:
    tokens, cursor = orgs.search(principal, org_id, query.q, query.cursor, query.limit)
    hits = [OrgSearchHit(org_id=t.ref_id, short_name=t.label, org_type=OrgType(t.org_type), path=t.sk) for t in tokens]
    return Page[OrgSearchHit](items=hits, next_cursor=cursor)


@api(bp, "/orgs/{org_id}/move", "POST", summary="调整隶属关系", body=OrgMove, response=TreeJobOut, status=202, tag=TAG)
def move(org_id: str, principal: Principal, body: OrgMove) -> BaseModel:
    return TreeJobOut.model_validate(orgs.move(principal, org_id, body.new_parent_id, body.reason))


@api(bp, "/tree-jobs/{job_id}", "GET", summary="查看调整隶属关系任务", response=TreeJobOut, tag=TAG)
def tree_job(job_id: str, principal: Principal) -> BaseModel:
    return TreeJobOut.model_validate(orgs.read_job(principal, job_id))


@api(bp, "/orgs/{org_id}/dissolve", "POST", summary="撤销组织", body=Reason, response=OrgOut, tag=TAG)
def dissolve(org_id: str, principal: Principal, body: Reason) -> BaseModel:
    return OrgOut.model_validate(orgs.dissolve(principal, org_id, body.reason))


@api(bp, "/orgs/{org_id}/merge", "POST", summary="合并团支部", body=OrgMerge, response=MergeOut, tag=TAG)
def merge(org_id: str, principal: Principal, body: OrgMerge) -> BaseModel:
    moved, dissolved = orgs.merge(principal, org_id, body.into_org_id, body.reason)
    return MergeOut(moved_members=moved, dissolved=OrgOut.model_validate(dissolved))


@api(bp, "/system-org", "GET", summary="非本省所辖团组织（ORG-7）", response=OrgOut, tag=TAG)
def system_org(principal: Principal) -> BaseModel:
    return OrgOut.model_validate(orgs.system_org(principal))
