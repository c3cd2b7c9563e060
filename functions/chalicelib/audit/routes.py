"""Routes of the audit trail (AUDIT-1)."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel

from chalicelib.audit.schemas import AuditOut
from chalicelib.http import PageQuery, api
from chalicelib.schemas import Page
from zhtj.audit import service as audit
from zhtj.audit.service import AuditEntry
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "审计"


_NAMES = ("actor_name", "actor_org_name")
_STATES = ("before", "after")


def _out(entry: AuditEntry) -> AuditOut:
    record = entry.record
    fields = {name: getattr(record, name) for name in AuditOut.model_fields if name not in (*_STATES, *_NAMES)}
    states = {name: getattr(record, name).as_dict() if getattr(record, name) else None for name in _STATES}
    return AuditOut(**fields, **states, actor_name=entry.actor_name, actor_org_name=entry.actor_org_name)


def _page(items: list[AuditEntry], cursor: str | None) -> Page[AuditOut]:
    return Page[AuditOut](items=[_out(r) for r in items], next_cursor=cursor)


@api(bp, "/orgs/{org_id}/audit", "GET", summary="组织的操作记录", query=PageQuery, response=Page[AuditOut], tag=TAG)
def org_trail(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    return _page(*audit.org_trail(principal, org_id, query.cursor, query.limit))


@api(
    bp, "/members/{member_id}/audit", "GET", summary="团员的变更记录", query=PageQuery, response=Page[AuditOut], tag=TAG
)
def member_trail(member_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    return _page(*audit.member_trail(principal, member_id, query.cursor, query.limit))
