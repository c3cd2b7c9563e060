"""League dues (团费): what a member owes (DUES-1, DUES-2).

`months_owed` is the read other capabilities rely on (XFER: "dues paid up to last month"
before a transfer). Bills, orders, payments and the ledger are in the other modules of this
package (README.md lists them); the rules themselves in dues/rules.py.
"""

from __future__ import annotations

from datetime import date

from zhtj.core import clock
from zhtj.core.errors import ConflictError, NotFoundError
from zhtj.dues import rules as dues_rules
from zhtj.dues.models import DuesOnlineStart, PaidMonth
from zhtj.members.models import Member
from zhtj.table import keys
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

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


# --- DUES-5: the online-collection start month, as data versioned by date -------------------------

SEED_EFFECTIVE_FROM = "2018-09-01"
_SEEDED = ConflictError("DUES_RACE", "", None)


def online_start_items() -> list[DuesOnlineStart]:
    """Every version, oldest first (one Query of a small partition)."""
    return [
        i
        for i in DuesOnlineStart.query(keys.DUES_ONLINE_START_PK, consistent_read=True)
        if isinstance(i, DuesOnlineStart)
    ]


def seed_online_start() -> bool:
    """Provisioning, the demo and a fresh table: the shipped start month (2018-09 in Guangdong),
    written only if absent (the province's versions are never overwritten)."""
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.put(
        DuesOnlineStart(
            keys.DUES_ONLINE_START_PK,
            SEED_EFFECTIVE_FROM,
            effective_from=SEED_EFFECTIVE_FROM,
            start_month=dues_rules.ONLINE_SINCE,
            document=dues_rules.ONLINE_SINCE_DOCUMENT,
            updated_by="system",
            updated_at=clock.now(),
        ),
        condition=DuesOnlineStart.pk.does_not_exist(),
        on_fail=_SEEDED,
    )
    uow.audit(
        "dues.online_start_seed",
        "DUES_STANDARD",
        "online-start",
        "province",
        after={"start_month": dues_rules.ONLINE_SINCE},
    )
    try:
        uow.commit()
    except ConflictError as error:
        if error is not _SEEDED:
            raise
        return False
    return True


def online_start(today: date) -> str:
    """DUES-5: the start month in force on `today` (the latest version effective by then); the
    shipped one before any version is in force. A table without any is seeded first."""
    items = online_start_items()
    if not items:
        seed_online_start()
        items = online_start_items()
    in_force = [i for i in items if i.effective_from <= today.isoformat()]
    return max(in_force, key=lambda i: i.effective_from).start_month if in_force else dues_rules.ONLINE_SINCE


def owed_for(member: Member, paid_through: str | None, today: date, online_since: str | None = None) -> list[str]:
    """The member's months owed; `online_since` (DUES-5's start month) is read if not given."""
    left_on = date.fromisoformat(member.left_on) if member.left_on else None
    since = online_since if online_since is not None else online_start(today)
    return dues_rules.owed_months(member.join_month, paid_through, today, left_on, since)


def months_owed(member_id: str, today: date) -> list[str]:
    """Months ("YYYY-MM") the member owes up to and including the month before `today`
    (China date), from admission (never before the province's online-collection start month,
    DUES-5) or the month after the last paid one. [] when paid up. Raises NotFoundError."""
    member = get_member(member_id)
    return owed_for(member, last_paid_month(member_id), today)
