"""What organisations and members see of the dues collected (DUES-4, EXIT-1): a year's
collection figures, an organisation's ledger, a member's paid months, and the branch's list of
members with six months or more unpaid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from zhtj.core import clock
from zhtj.core.errors import ValidationError
from zhtj.counters import raw as counters
from zhtj.counters import service as counter_totals
from zhtj.dues import rules as dues_rules
from zhtj.dues.bills import account_of
from zhtj.dues.models import DuesAccount, LedgerEntry, PaidMonth
from zhtj.dues.owed import last_paid_month, owed_for
from zhtj.members.models import Member
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.timers.workdays import CHINA_TZ

# The collection counters of a year's DuesCounter item (dues/applying.py writes them).
COUNTER_NAMES = frozenset(f"{kind}{m:02d}" for kind in "packn" for m in range(1, 13))
LAPSE_MONTHS = 6  # EXIT-1: six consecutive months unpaid is grounds for lapsing (never automatic)
# The lapsing list reads at most this many members of a branch.
MAX_BRANCH_MEMBERS_SCANNED = 2000


@dataclass(frozen=True)
class MonthStats:
    month: str
    paid_members: int  # members whose dues for this month are paid, whenever paid
    paid_fen: int  # dues for this month, whenever paid
    collected_members: int  # members who paid in this month (for whatever months)
    collected_fen: int  # money that arrived this month (incl. arrears and extras)
    kept_fen: int  # what this organisation kept of it


def year_stats(org_id: str, year: int) -> list[MonthStats]:
    """One Query: the year's counter shards of the organisation, summed."""
    totals = counters.sum_numbers(keys.dues_stat_pk(org_id), f"{year:04d}#", COUNTER_NAMES)
    return [
        MonthStats(
            month=f"{year:04d}-{m:02d}",
            paid_members=totals.get(f"p{m:02d}", 0),
            paid_fen=totals.get(f"a{m:02d}", 0),
            collected_members=totals.get(f"n{m:02d}", 0),
            collected_fen=totals.get(f"c{m:02d}", 0),
            kept_fen=totals.get(f"k{m:02d}", 0),
        )
        for m in range(1, 13)
    ]


def statistics(principal: Principal, org_id: str, year: int) -> tuple[Org, list[MonthStats], int]:
    """The year's collection figures (O(1): one Query of the counter shards) and the members now
    in the subtree (from the statistics counters)."""
    org = get_org(org_id)
    authorize(principal, "dues.read", org)
    if not 2000 <= year <= 2100:
        raise ValidationError("YEAR_RANGE", "年份无效", "year")
    return org, year_stats(org_id, year), subtree_members(org)


def subtree_members(org: Org) -> int:
    """Members of the subtree now, from its statistics counters (STAT-1: O(1) at any level)."""
    return int(counter_totals.sub_totals([org])[org.org_id].get("members", 0))


def ledger(
    principal: Principal, org_id: str, month: str, cursor: str | None, limit: int
) -> tuple[list[LedgerEntry], str | None]:
    authorize(principal, "dues.read", get_org(org_id))
    dues_rules.check_month(month)
    items, next_cursor = paging.query_page(
        LedgerEntry.query, keys.ledger_pk(org_id), LedgerEntry.sk.startswith(f"{month}#"), limit=limit, cursor=cursor
    )
    return [i for i in items if isinstance(i, LedgerEntry)], next_cursor


@dataclass(frozen=True)
class Lapsing:
    member: Member
    months: list[str]


def lapsing(principal: Principal, branch_id: str, today: date | None = None) -> list[Lapsing]:
    """EXIT-1: the branch's members with LAPSE_MONTHS or more consecutive months unpaid up to
    last month. A list for the branch meeting to consider; nothing is done to anyone."""
    branch = get_org(branch_id)
    authorize(principal, "dues.read", branch)
    day = today or clock.now().astimezone(CHINA_TZ).date()
    members: list[Member] = []
    for item in Member.by_gsi1.query(keys.branch_members_pk(branch_id)):
        if isinstance(item, Member):
            members.append(item)
        if len(members) >= MAX_BRANCH_MEMBERS_SCANNED:
            break
    accounts: dict[str, DuesAccount] = {}
    for start in range(0, len(members), 100):
        batch = [(keys.member_pk(m.member_id), keys.DUES_ACCOUNT_SK) for m in members[start : start + 100]]
        for found in DuesAccount.batch_get(batch):
            if isinstance(found, DuesAccount):
                accounts[found.member_id] = found
    result = []
    for member in members:
        account = accounts.get(member.member_id)
        owed = owed_for(member, account.paid_through if account else None, day)
        if dues_rules.longest_unpaid_run(owed) >= LAPSE_MONTHS:
            # A candidate: months paid outside an order (migrated records) may shorten the run.
            newest = last_paid_month(member.member_id)
            if newest is not None and (
                account is None or account.paid_through is None or newest > account.paid_through
            ):
                owed = owed_for(member, newest, day)
        if dues_rules.longest_unpaid_run(owed) >= LAPSE_MONTHS:
            result.append(Lapsing(member, owed))
    return sorted(result, key=lambda x: (-len(x.months), x.member.name))


def paid_months(member_id: str) -> list[PaidMonth]:
    """The member's paid months, without those of an order still being applied part by part
    (its bill still locked to it): a payment shows whole or not at all."""
    account = account_of(member_id)
    applying = account.open_order_id if account is not None else None
    return [
        i
        for i in PaidMonth.query(
            keys.member_pk(member_id), PaidMonth.sk.startswith(keys.PAID_PREFIX), consistent_read=True
        )
        if isinstance(i, PaidMonth) and i.order_id != applying
    ]
