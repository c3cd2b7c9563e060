"""Reading the audit trail (AUDIT-1). Records are written only by UnitOfWork.audit."""

from __future__ import annotations

from zhtj.dal import keys, paging
from zhtj.dal.models import AuditRecord
from zhtj.logic.accounts import get_member
from zhtj.logic.auth import authorize, get_org
from zhtj.logic.tokens import Principal


def org_trail(
    principal: Principal, org_id: str, cursor: str | None, limit: int
) -> tuple[list[AuditRecord], str | None]:
    """Every change made in an organisation (to it, its grants and its members), newest first."""
    authorize(principal, "org.audit", get_org(org_id))
    return paging.query_page(
        AuditRecord.by_gsi1.query, keys.audit_org_pk(org_id), scan_index_forward=False, limit=limit, cursor=cursor
    )


def member_trail(
    principal: Principal, member_id: str, cursor: str | None, limit: int
) -> tuple[list[AuditRecord], str | None]:
    """Every change to one member, newest first."""
    authorize(principal, "member.audit", get_org(get_member(member_id).branch_id))
    return paging.query_page(
        AuditRecord.query, keys.audit_pk("MEMBER", member_id), scan_index_forward=False, limit=limit, cursor=cursor
    )
