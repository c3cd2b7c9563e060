"""The daily bulletin (日通报, STAT-2): per direct child, the day's registrations and reviews,
what is overdue, the transfer 72-hour rate and this month's dues; as rows or a spreadsheet."""

from __future__ import annotations

from datetime import date

import msgspec

from zhtj.core import clock
from zhtj.core.errors import ValidationError
from zhtj.counters.service import sub_totals
from zhtj.dues import ledger as dues_ledger
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.signin.tokens import Principal
from zhtj.stats import rules as stat_rules
from zhtj.stats.figures import active_children
from zhtj.table import storage
from zhtj.transfers import figures as transfer_figures


class BulletinRow(msgspec.Struct, frozen=True):
    org_id: str
    name: str
    members: int
    registrations_today: int
    reviews_today: int
    pending_reviews: int
    overdue: int  # reviews past 5 working days + transfer steps past 72 hours
    transfer_responses: int
    transfer_within_72h_rate: float | None
    dues_paid_members: int  # members who paid this month (the month's collection, as dues_this_month)
    dues_paid_fen: int
    dues_rate: float | None


def bulletin(principal: Principal, org_id: str, day: str | None = None) -> tuple[Org, str, list[BulletinRow]]:
    """Per direct child: the day's registrations and reviews, what is overdue, the transfer
    72-hour rate, this month's dues. One BatchGetItem for every child's counters, plus one Query
    each for its transfer and dues figures."""
    org = get_org(org_id)
    authorize(principal, "stats.read", org)
    the_day = _day(day)
    children = active_children(principal, org_id)
    totals = sub_totals(children)
    rows = []
    for child in children:
        t = totals[child.org_id]
        moved = transfer_figures.figures(child.org_id)
        month = dues_ledger.year_stats(child.org_id, the_day.year)[the_day.month - 1]
        members = t.get("members", 0)
        rows.append(
            BulletinRow(
                org_id=child.org_id,
                name=child.short_name,
                members=members,
                registrations_today=t.get(stat_rules.day_field(the_day.isoformat(), "reg"), 0),
                reviews_today=t.get(stat_rules.day_field(the_day.isoformat(), "rev"), 0),
                pending_reviews=t.get(f"r_{stat_rules.PENDING_REVIEW}", 0),
                overdue=t.get("r_overdue", 0) + t.get("xfer_overdue", 0),
                transfer_responses=moved.responses,
                transfer_within_72h_rate=moved.within_deadline_rate,
                dues_paid_members=month.collected_members,
                dues_paid_fen=month.collected_fen,
                dues_rate=round(month.collected_members / members, 4) if members else None,
            )
        )
    return org, the_day.isoformat(), rows


def _day(text: str | None) -> date:
    if text is None:
        return clock.today_in_china()
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValidationError("DAY_FORMAT", "日期格式应为YYYY-MM-DD", "day") from error


BULLETIN_COLUMNS = (
    ("name", "单位"),
    ("members", "团员数"),
    ("registrations_today", "当日报到"),
    ("reviews_today", "当日审核"),
    ("pending_reviews", "待审核"),
    ("overdue", "逾期事项"),
    ("transfer_responses", "转接处理数"),
    ("transfer_within_72h_rate", "72小时内处理率"),
    ("dues_paid_members", "本月交纳人数"),
    ("dues_paid_fen", "本月交纳金额（分）"),
    ("dues_rate", "团费交纳率"),
)


def bulletin_xlsx(principal: Principal, org_id: str, day: str | None = None) -> tuple[str, str]:
    """The bulletin as a spreadsheet in the documents bucket; returns (download URL, file name)."""
    from io import BytesIO

    from openpyxl import Workbook  # type: ignore[import-untyped]

    org, the_day, rows = bulletin(principal, org_id, day)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "日通报"
    sheet.append([f"{org.short_name} 日通报 {the_day}"])
    sheet.append([title for _, title in BULLETIN_COLUMNS])
    for row in rows:
        sheet.append([getattr(row, name) for name, _ in BULLETIN_COLUMNS])
    out = BytesIO()
    book.save(out)
    key = f"bulletins/{org.org_id}/{the_day}-{clock.new_id('b')}.xlsx"
    storage.put_bytes(
        "documents", key, out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"{org.short_name}日通报{the_day}.xlsx"
    return storage.download_url("documents", key, name), name
