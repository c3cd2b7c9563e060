"""Reading transfers: one by its key, one as a reader may see it (the member, or an operator
above either branch or the organisation asked now), a member's history, and the inbox of an
organisation (the steps waiting on it, oldest deadline first)."""

from __future__ import annotations

from zhtj.accounts import reads as accounts
from zhtj.core.errors import ForbiddenError, NotFoundError
from zhtj.members import service as member_records
from zhtj.orgs.authz import authorize, get_org
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.transfers.models import Transfer

NO_TRANSFER = NotFoundError("TRANSFER_NOT_FOUND", "转接申请不存在", "transfer_id")


def get(member_id: str, transfer_id: str) -> Transfer:
    try:
        return Transfer.get(keys.member_pk(member_id), keys.transfer_sk(transfer_id), consistent_read=True)
    except Transfer.DoesNotExist as error:
        raise NO_TRANSFER from error


def read(principal: Principal, member_id: str, transfer_id: str) -> Transfer:
    """The member, or an operator above either branch or the organisation asked now."""
    transfer = get(member_id, transfer_id)
    if accounts.is_self(principal, member_id):
        return transfer
    for org_id in (transfer.from_branch_id, transfer.to_branch_id, transfer.step_org_id, transfer.escalated_to):
        if org_id:
            try:
                authorize(principal, "transfer.read", get_org(org_id))
                return transfer
            except ForbiddenError:
                continue
    authorize(principal, "transfer.read", get_org(transfer.from_branch_id))  # raises the usual refusal
    return transfer


def history(principal: Principal, member_id: str) -> list[Transfer]:
    """A member's transfers, oldest first (one query of the member partition)."""
    member = member_records.get_member(member_id)
    if not accounts.is_self(principal, member_id):
        authorize(principal, "member.read", get_org(member.branch_id))
    return [
        t
        for t in Transfer.query(keys.member_pk(member_id), Transfer.sk.startswith(keys.TRANSFER_SK_PREFIX))
        if isinstance(t, Transfer)
    ]


def inbox(principal: Principal, org_id: str, cursor: str | None, limit: int) -> tuple[list[Transfer], str | None]:
    """The steps waiting on an organisation (its own, and those escalated to it), oldest deadline first."""
    authorize(principal, "transfer.read", get_org(org_id))
    return paging.query_page(Transfer.by_gsi1.query, keys.transfer_inbox_pk(org_id), limit=limit, cursor=cursor)
