"""Routes of the audit trail (AUDIT-1)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint
from pydantic import BaseModel

from chalicelib.http import PageQuery, api
from zhtj.logic import audit
from zhtj.logic.tokens import Principal
from zhtj.schemas import AuditOut, Page

bp = Blueprint(__name__)
TAG = "审计"


def _out(record: Any) -> AuditOut:
    fields = {name: getattr(record, name) for name in AuditOut.model_fields if name not in ("before", "after")}
    states = {name: getattr(record, name).as_dict() if getattr(record, name) else None for name in ("before", "after")}
    return AuditOut(**fields, **states)


def _page(items: list[Any], cursor: str | None) -> Page[AuditOut]:
    return Page[AuditOut](items=[_out(r) for r in items], next_cursor=cursor)


@api(bp, "/orgs/{org_id}/audit", "GET", summary="组织的操作记录", query=PageQuery, response=Page[AuditOut], tag=TAG)
def org_trail(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    return _page(*audit.org_trail(principal, org_id, query.cursor, query.limit))


@api(
    bp, "/members/{member_id}/audit", "GET", summary="团员的变更记录", query=PageQuery, response=Page[AuditOut], tag=TAG
)
def member_trail(member_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    return _page(*audit.member_trail(principal, member_id, query.cursor, query.limit))
