"""What organisations and members see of the dues collected (DUES-4, EXIT-1): a year's
collection figures, an organisation's ledger, a member's paid months, and the branch's list of
members with six months or more unpaid; and what a branch records of dues it collected itself:
months a member paid by hand (DUES-5, `record_offline`), which claim the same per-month items
and the same dues account an online payment does (dues/applying.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import msgspec
from pynamodb.expressions.update import Action

from zhtj.cards import due as card_due
from zhtj.core import clock
from zhtj.core.errors import ConflictError, ValidationError
from zhtj.counters import raw as counters
from zhtj.counters import service as counter_totals
from zhtj.dues import rules as dues_rules
from zhtj.dues.applying import count_years, counter_shard
from zhtj.dues.bills import account_of, bill_for, china_today
from zhtj.dues.models import DuesAccount, LedgerEntry, PaidMonth
from zhtj.dues.owed import get_member, last_paid_month, online_start, owed_for
from zhtj.dues.standard import versions
from zhtj.members.models import Member
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import path_ids
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging, storage
from zhtj.table.unit_of_work import UnitOfWork
from zhtj.timers.workdays import CHINA_TZ

# The collection counters of a year's DuesCounter item (dues/applying.py writes them).
COUNTER_NAMES = frozenset(f"{kind}{m:02d}" for kind in "packn" for m in range(1, 13))
LAPSE_MONTHS = 6  # EXIT-1: six consecutive months unpaid is grounds for lapsing (never automatic)
# The lapsing list reads at most this many members of a branch.
MAX_BRANCH_MEMBERS_SCANNED = 2000


class MonthStats(msgspec.Struct, frozen=True):
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


class Lapsing(msgspec.Struct, frozen=True):
    member: Member
    months: list[str]


def lapsing(principal: Principal, branch_id: str, today: date | None = None) -> list[Lapsing]:
    """EXIT-1: the branch's members with LAPSE_MONTHS or more consecutive months unpaid up to
    last month. A list for the branch meeting to consider; nothing is done to anyone."""
    runs = _owing(principal, branch_id, today, lambda owed: dues_rules.longest_unpaid_run(owed) >= LAPSE_MONTHS)
    return sorted(runs, key=lambda x: (-len(x.months), x.member.name))


def owing(principal: Principal, branch_id: str, month: str | None = None, today: date | None = None) -> list[Lapsing]:
    """Who owes (催交's list, MSG-2): the branch's members with months unpaid up to last
    month, each with those months; with `month`, those who owe that month. Most months first."""
    if month is not None:
        dues_rules.check_month(month)
    found = _owing(principal, branch_id, today, lambda owed: bool(owed) and (month is None or month in owed))
    return sorted(found, key=lambda x: (-len(x.months), x.member.name))


def _owing(
    principal: Principal, branch_id: str, today: date | None, keep: Callable[[list[str]], bool]
) -> list[Lapsing]:
    """The branch's members whose months owed `keep` accepts: the member list (one Query),
    their dues accounts (one BatchGetItem per 100), and for each one kept, the months paid
    outside an order (migrated records), which may shorten what they owe."""
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
    since = online_start(day)
    for member in members:
        account = accounts.get(member.member_id)
        owed = owed_for(member, account.paid_through if account else None, day, since)
        if keep(owed):
            # A candidate: months paid outside an order (migrated records) may shorten the run.
            newest = last_paid_month(member.member_id)
            if newest is not None and (
                account is None or account.paid_through is None or newest > account.paid_through
            ):
                owed = owed_for(member, newest, day, since)
        if keep(owed):
            result.append(Lapsing(member, owed))
    return result


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


# --- DUES-5: months a member paid the branch by hand ------------------------------------------------

OFFLINE_PROVIDER = "offline"
RECEIPT_TYPES = {"image/jpeg": "jpg", "image/png": "png"}
MAX_RECEIPT_BYTES = 5 * 1024 * 1024
BILL_CHANGED = ConflictError(
    "DUES_BILL_CHANGED", "该团员有未完成的团费订单或刚有交纳，请刷新后重试（线下与线上不能重复交纳同一月份）", None
)
OFFLINE_MONTH_PAID = ConflictError("DUES_MONTH_ALREADY_PAID", "所选月份中已有已交纳的月份", "first_month")


def receipt_prefix(branch_id: str, member_id: str) -> str:
    return f"dues-receipts/{branch_id}/{member_id}/"


def receipt_upload(principal: Principal, member_id: str, content_type: str) -> tuple[str, str]:
    """A presigned upload of the receipt of months paid offline (JPEG or PNG)."""
    member = get_member(member_id)
    authorize(principal, "dues.offline_record", get_org(member.branch_id))
    extension = RECEIPT_TYPES.get(content_type)
    if extension is None:
        raise ValidationError("RECEIPT_TYPE", "收据照片只能是JPEG或PNG格式", "content_type")
    key = f"{receipt_prefix(member.branch_id, member_id)}{clock.new_id('f')}.{extension}"
    return key, storage.upload_url("uploads", key, content_type)


def _offline_months(
    member: Member, account: DuesAccount | None, first: str, last: str, today: date, since: str
) -> list[str]:
    """The months of a record, checked: after admission, before this month, at most
    OFFLINE_MAX_MONTHS; those from the online-collection start month on must be the next months
    the member owes (paid months stay contiguous, as the bills read them)."""
    dues_rules.check_month(first, "first_month")
    dues_rules.check_month(last, "last_month")
    months = dues_rules.months_between(first, last)
    if not 1 <= len(months) <= dues_rules.OFFLINE_MAX_MONTHS:
        raise ValidationError(
            "OFFLINE_MONTHS_RANGE", f"每次登记1～{dues_rules.OFFLINE_MAX_MONTHS}个月的线下交纳", "last_month"
        )
    if last >= dues_rules.month_of(today):
        raise ValidationError("OFFLINE_MONTH_FUTURE", "只能登记本月以前的月份", "last_month")
    if member.join_month is not None and first < member.join_month[:7]:
        raise ValidationError("OFFLINE_BEFORE_JOIN", "不能登记入团以前的月份", "first_month")
    online = [m for m in months if m >= since]
    if online:
        owed = bill_for(member, account, today, versions()).months
        if not owed or online[0] != owed[0]:
            raise ValidationError("OFFLINE_NOT_NEXT", "线上收缴开始后的月份须从最早的未交月份起连续登记", "first_month")
    return months


def record_offline(
    principal: Principal, member_id: str, first: str, last: str, note: str, receipt_key: str
) -> list[PaidMonth]:
    """DUES-5: the branch (or an organisation above it) records months the member paid by hand,
    with a note and a photo of the receipt. One transaction: each month's PaidMonth (offline,
    conditioned on not existing — the same claim an online payment's apply makes), the paid
    members of those months in the collection statistics (no money passed through the system),
    the dues account (no open order, the last paid month unchanged since read, then moved on:
    the condition an order's bill lock is made on, so an order and an offline record racing
    for the same months cannot both land), the card and the audit record."""
    member = get_member(member_id)
    branch = get_org(member.branch_id)
    operator = authorize(principal, "dues.offline_record", branch)
    if not note.strip():
        raise ValidationError("NOTE_REQUIRED", "请填写线下交纳说明", "note")
    described = (
        storage.describe("uploads", receipt_key)
        if receipt_key.startswith(receipt_prefix(branch.org_id, member_id))
        else None
    )
    if described is None:
        raise ValidationError("RECEIPT_MISSING", "请先上传收据照片", "receipt_key")
    if described[0] > MAX_RECEIPT_BYTES:
        raise ValidationError("RECEIPT_TOO_LARGE", "收据照片不能超过5MB", "receipt_key")
    account = account_of(member_id)
    if account is not None and account.open_order_id:
        raise BILL_CHANGED
    today = china_today()
    since = online_start(today)  # DUES-5: months before it were never owed online
    months = _offline_months(member, account, first, last, today, since)
    at, record_id = clock.now(), clock.new_id("off")
    uow = UnitOfWork(operator.actor)
    member_pk = keys.member_pk(member_id)
    written = [
        PaidMonth(
            member_pk,
            keys.paid_month_sk(month),
            month=month,
            amount_fen=0,
            order_id=f"offline:{record_id}",
            paid_at=at,
            provider=OFFLINE_PROVIDER,
            offline=True,
            note=note.strip(),
            receipt_key=receipt_key,
            recorded_by_org_id=operator.org.org_id,
        )
        for month in months
    ]
    for paid in written:
        uow.put(paid, condition=PaidMonth.pk.does_not_exist(), on_fail=OFFLINE_MONTH_PAID)
    by_year: dict[int, list[Action]] = {}
    for month in months:
        by_year.setdefault(int(month[:4]), []).append(counters.number(f"p{month[5:7]}").add(1))
    for depth, org_id in enumerate(path_ids(branch.path)):
        count_years(uow, org_id, counter_shard(depth, member_id), by_year)
    seen = account.paid_through if account is not None else None
    actions: list[Action] = [DuesAccount.kind.set(DuesAccount), DuesAccount.member_id.set(member_id)]
    online = [m for m in months if m >= since]
    if online and (seen is None or online[-1] > seen):
        actions.append(DuesAccount.paid_through.set(online[-1]))
    unchanged = DuesAccount.paid_through.does_not_exist() if seen is None else DuesAccount.paid_through == seen
    uow.update(
        DuesAccount(member_pk, keys.DUES_ACCOUNT_SK),
        actions,
        condition=DuesAccount.open_order_id.does_not_exist() & unchanged,
        on_fail=BILL_CHANGED,
        versioned=False,
    )
    card_due.changed(uow, member_id)
    uow.audit(
        "dues.offline_record",
        "MEMBER",
        member_id,
        branch.org_id,
        after={"months": months, "note": note.strip(), "receipt_key": receipt_key, "record_id": record_id},
    )
    uow.commit()
    return written
