"""Routes of the audit trail (AUDIT-1)."""

from __future__ import annotations

from datetime import date

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib.audit.schemas import AuditOut
from chalicelib.http import PageQuery, api
from chalicelib.schemas import Page
from zhtj.audit import service as audit
from zhtj.audit.service import AuditEntry, TrailFilter
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "审计"


_NAMES = ("actor_name", "actor_org_name", "subject_name")
_STATES = ("before", "after")


def _out(entry: AuditEntry) -> AuditOut:
    record = entry.record
    fields = {name: getattr(record, name) for name in AuditOut.model_fields if name not in (*_STATES, *_NAMES)}
    states = {name: getattr(record, name).as_dict() if getattr(record, name) else None for name in _STATES}
    return AuditOut(
        **fields,
        **states,
        actor_name=entry.actor_name,
        actor_org_name=entry.actor_org_name,
        subject_name=entry.subject_name,
    )


def _page(items: list[AuditEntry], cursor: str | None) -> Page[AuditOut]:
    return Page[AuditOut](items=[_out(r) for r in items], next_cursor=cursor)


class TrailQuery(PageQuery):
    subject_kind: str | None = Field(
        default=None, pattern=r"^[A-Z_]{2,20}$", description="变更对象的类别：MEMBER、ORG、ACCOUNT、REGISTRATION 等"
    )
    action: str | None = Field(
        default=None,
        pattern=r"^[a-z_.]{1,40}$",
        description="操作或其前缀（如 transfer. 为全部转接操作，member.delete 为删除团员的各步）",
    )
    actor_account_id: str | None = Field(default=None, max_length=40, description="操作人（账号）")
    member_id: str | None = Field(default=None, max_length=40, description="被操作的团员：该团员的全部变更记录")
    since: date | None = Field(default=None, description="起始日期（含，中国时区）")
    until: date | None = Field(default=None, description="截止日期（含，中国时区）")


@api(
    bp,
    "/orgs/{org_id}/audit",
    "GET",
    summary="组织的操作记录（可按类别、操作、人员、日期筛选；筛选时一页可能不满，凭 next_cursor 继续）",
    query=TrailQuery,
    response=Page[AuditOut],
    tag=TAG,
)
def org_trail(org_id: str, principal: Principal, query: TrailQuery) -> BaseModel:
    narrowed = TrailFilter(
        subject_kind=query.subject_kind,
        action=query.action,
        actor_account_id=query.actor_account_id,
        member_id=query.member_id,
        since=query.since,
        until=query.until,
    )
    return _page(*audit.org_trail(principal, org_id, query.cursor, query.limit, narrowed))


@api(
    bp, "/members/{member_id}/audit", "GET", summary="团员的变更记录", query=PageQuery, response=Page[AuditOut], tag=TAG
)
def member_trail(member_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    return _page(*audit.member_trail(principal, member_id, query.cursor, query.limit))
