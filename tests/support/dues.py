"""Dues for tests that need a member paid up."""

from __future__ import annotations

from zhtj.core.clock import now
from zhtj.table import keys


def pay_dues(member_id: str) -> None:
    """Record the member's dues as paid up to last month (what a settled "pay now" order leaves:
    it covers all arrears, so its last month is the member's paid-through month), so that XFER's
    pre-check passes."""
    from zhtj.dues import owed as dues
    from zhtj.dues.models import PaidMonth
    from zhtj.registration.service import today_in_china

    owed = dues.months_owed(member_id, today_in_china())
    if owed:
        PaidMonth(
            keys.member_pk(member_id),
            keys.paid_month_sk(owed[-1]),
            month=owed[-1],
            amount_fen=20,
            order_id="test-order",
            paid_at=now(),
            provider="test",
        ).save()
