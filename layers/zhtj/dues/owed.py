"""League dues (团费): what a member owes (DUES-1, DUES-2).

`months_owed` is the read other capabilities rely on (XFER: "dues paid up to last month"
before a transfer). Bills, orders, payments and the ledger are in the other modules of this
package (README.md lists them); the rules themselves in dues/rules.py.
"""

from __future__ import annotations

from datetime import date

from zhtj.core.errors import NotFoundError
from zhtj.dues import rules as dues_rules
from zhtj.dues.models import PaidMonth
from zhtj.members.models import Member
from zhtj.table import keys

MEMBER_NOT_FOUND = NotFoundError("MEMBER_NOT_FOUND", "团员不存在", "member_id")


def get_member(member_id: str) -> Member:
    """Raises NotFoundError."""
    try:
        return Member.get(keys.member_pk(member_id), keys.META, consistent_read=True)
    except Member.DoesNotExist as error:
        raise MEMBER_NOT_FOUND from error


def last_paid_month(member_id: str) -> str | None:
    """The latest PAID#<month> of the member's partition (one item read, newest first)."""
    for item in PaidMonth.query(
        keys.member_pk(member_id),
        PaidMonth.sk.startswith(keys.PAID_PREFIX),
        scan_index_forward=False,
        limit=1,
        consistent_read=True,
    ):
        if isinstance(item, PaidMonth):
            return item.month
    return None


def owed_for(member: Member, paid_through: str | None, today: date) -> list[str]:
    left_on = date.fromisoformat(member.left_on) if member.left_on else None
    return dues_rules.owed_months(member.join_month, paid_through, today, left_on)


def months_owed(member_id: str, today: date) -> list[str]:
    """Months ("YYYY-MM") the member owes up to and including the month before `today`
    (China date), from admission (never before online collection began, DUES-1) or the month
    after the last paid one. [] when paid up. Raises NotFoundError."""
    member = get_member(member_id)
    return owed_for(member, last_paid_month(member_id), today)
