"""Reading the audit trail (AUDIT-1). Records are written only by UnitOfWork.audit.

A record keeps the actor's account id and the organisation it acted for, as the change saw
them; the names an operator reads beside them are looked up when a page is read, with one
BatchGetItem for the page's distinct accounts and organisations (PynamoDB splits it per 100
keys: a page of 100 rows by 100 different actors in 100 organisations takes two). Looking up
at read time costs nothing on the write path (every change of the system writes an audit
record; storing the name there would add a read of the account to each), and the trail is
read far less often than it is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhtj.accounts.models import Account
from zhtj.members.service import get_member
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.audit_record import AuditRecord
from zhtj.table.base import Item
from zhtj.table.unit_of_work import SYSTEM_ACTOR

SYSTEM_NAME = "系统"
UNNAMED_ACCOUNT = "本人（尚未报到的账号）"


@dataclass(frozen=True)
class AuditEntry:
    """A record with the names of who made the change and the organisation they acted for
    (None where the account or organisation no longer exists)."""

    record: AuditRecord
    actor_name: str | None
    actor_org_name: str | None


def _with_names(records: list[AuditRecord]) -> list[AuditEntry]:
    accounts = {r.actor_account_id for r in records}
    accounts -= {SYSTEM_ACTOR.account_id}
    organisations = {r.actor_org_id for r in records if r.actor_org_id}
    wanted = [(keys.account_pk(a), keys.META) for a in sorted(accounts)]
    wanted += [(keys.org_pk(o), keys.META) for o in sorted(organisations)]
    names: dict[str, str] = {SYSTEM_ACTOR.account_id: SYSTEM_NAME}
    for item in Item.batch_get(wanted) if wanted else ():
        if isinstance(item, Account):
            names[item.account_id] = item.name or UNNAMED_ACCOUNT
        elif isinstance(item, Org):
            names[item.org_id] = item.short_name
    return [
        AuditEntry(
            r,
            names.get(r.actor_account_id),
            names.get(r.actor_org_id) if r.actor_org_id else None,
        )
        for r in records
    ]


def org_trail(principal: Principal, org_id: str, cursor: str | None, limit: int) -> tuple[list[AuditEntry], str | None]:
    """Every change made in an organisation (to it, its grants and its members), newest first."""
    authorize(principal, "org.audit", get_org(org_id))
    records, next_cursor = paging.query_page(
        AuditRecord.by_gsi1.query, keys.audit_org_pk(org_id), scan_index_forward=False, limit=limit, cursor=cursor
    )
    return _with_names(records), next_cursor


def member_trail(
    principal: Principal, member_id: str, cursor: str | None, limit: int
) -> tuple[list[AuditEntry], str | None]:
    """Every change to one member, newest first."""
    authorize(principal, "member.audit", get_org(get_member(member_id).branch_id))
    records, next_cursor = paging.query_page(
        AuditRecord.query, keys.audit_pk("MEMBER", member_id), scan_index_forward=False, limit=limit, cursor=cursor
    )
    return _with_names(records), next_cursor
