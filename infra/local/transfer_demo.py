"""XFER demo data: one transfer waiting on the demo branch's first step, so that the branch
secretary's inbox (GET /orgs/<branch>/transfer-inbox) has something to approve, and the
figures (GET /orgs/<org>/transfer-stats) something to count."""

from __future__ import annotations

from zhtj.clock import now, today_in_china
from zhtj.dal import keys
from zhtj.dal.models import Member, Org, PaidMonth
from zhtj.domain.transfer_rules import Cause
from zhtj.logic import dues, transfers
from zhtj.logic.tokens import Principal


def load(branch: Org, target: Org | None, skip_member_id: str, operator: Principal) -> str | None:
    """Start a transfer (through the logic layer, as the branch's operator) of a member of the
    demo branch to `target`. Returns its id, or None if the demo is too small to have one."""
    mover = next(
        (
            m
            for m in Member.by_gsi1.query(keys.branch_members_pk(branch.org_id))
            if isinstance(m, Member) and m.member_id != skip_member_id
        ),
        None,
    )
    if mover is None or target is None:
        return None
    owed = dues.months_owed(mover.member_id, today_in_china())
    if owed:  # the pre-check wants dues paid up to last month
        PaidMonth(
            keys.member_pk(mover.member_id),
            keys.paid_month_sk(owed[-1]),
            month=owed[-1],
            amount_fen=len(owed) * 20,
            order_id="demo",
            paid_at=now(),
            provider="demo",
        ).save()
    request = transfers.Request(cause=Cause.EMPLOYMENT, to_branch_id=target.org_id)
    return transfers.start(operator, mover.member_id, request).transfer_id
