"""The daily bill comparison (对账): each provider's trade bill of a China date against our
orders; differences are stored in a ReconciliationReport (and alerted), never corrected
silently. Also the reports' list for the province.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from zhtj.core import clock
from zhtj.core.observability import logger, metrics
from zhtj.dues import rules as dues_rules
from zhtj.dues.models import DuesOrder, LedgerEntry, ReconciliationReport
from zhtj.dues.orders import get_order
from zhtj.dues.rules import BillDifference, OrderState
from zhtj.integrations.payments import base as payments
from zhtj.integrations.payments.config import provider
from zhtj.orgs.authz import authorize
from zhtj.orgs.models import Org
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork
from zhtj.timers import service as timers
from zhtj.timers.workdays import CHINA_TZ


class BillRow(msgspec.Struct, frozen=True):
    """One line of a provider's daily bill, as the comparison needs it."""

    out_trade_no: str
    transaction_id: str
    amount_fen: int
    state: str


def compare_bill(provider_name: str, bill_date: date, rows: Sequence[BillRow]) -> ReconciliationReport:
    """The daily comparison: every trade of the provider's bill must be an order of ours, PAID,
    with the same amount and transaction; every order we marked paid that day must be on the
    bill. Differences are stored (and alerted), never corrected silently."""
    differences: list[dict[str, Any]] = []
    theirs = {row.out_trade_no: row for row in rows}
    matched = 0
    for row in rows:
        order = get_order(row.out_trade_no)
        if order is None or order.provider != provider_name:
            differences.append(
                {"kind": BillDifference.NOT_OURS, "out_trade_no": row.out_trade_no, "theirs": row.amount_fen}
            )
        elif order.state != OrderState.PAID:
            differences.append(
                {
                    "kind": BillDifference.NOT_PAID_HERE,
                    "out_trade_no": row.out_trade_no,
                    "ours": order.state,
                    "theirs": row.state,
                }
            )
        elif int(order.amount_fen) != row.amount_fen or order.transaction_id != row.transaction_id:
            differences.append(
                {
                    "kind": BillDifference.AMOUNT_OR_TRANSACTION,
                    "out_trade_no": row.out_trade_no,
                    "ours": int(order.amount_fen),
                    "theirs": row.amount_fen,
                }
            )
        else:
            matched += 1
    for order in _paid_on(provider_name, bill_date):
        if order.order_id not in theirs:
            differences.append(
                {"kind": BillDifference.NOT_ON_BILL, "out_trade_no": order.order_id, "ours": int(order.amount_fen)}
            )
    report = ReconciliationReport(
        keys.DUES_RECON_PK,
        f"{bill_date.isoformat()}#{provider_name}",
        bill_date=bill_date.isoformat(),
        provider=provider_name,
        matched=matched,
        differences=json.dumps(differences, ensure_ascii=False),
        made_at=clock.now(),
    )
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.put(report)
    uow.audit(
        "dues.bill_compare",
        "DUES_RECON",
        report.sk,
        "province",
        after={"matched": matched, "differences": len(differences)},
    )
    uow.commit()
    if differences:
        metrics.add_metric(name="ReconciliationDifferences", unit="Count", value=len(differences))
        logger.error(
            "bill differences",
            extra={"provider": provider_name, "date": bill_date.isoformat(), "count": len(differences)},
        )
    return report


def _paid_on(provider_name: str, bill_date: date) -> Iterable[DuesOrder]:
    """Orders we marked paid on a China date, from the ledger of the root (each paid member
    leaves one entry there, sorted by collection month and time)."""
    seen: set[str] = set()
    start = datetime.combine(bill_date, datetime.min.time(), CHINA_TZ)
    end = start + timedelta(days=1)
    for root in Org.by_gsi1.query(keys.children_pk("ROOT")):
        if not isinstance(root, Org):
            continue
        month = dues_rules.month_of(bill_date)
        for entry in LedgerEntry.query(
            keys.ledger_pk(root.org_id),
            LedgerEntry.sk.between(f"{month}#{timers.stamp(start)}", f"{month}#{timers.stamp(end)}"),
        ):
            if isinstance(entry, LedgerEntry) and entry.order_id not in seen:
                seen.add(entry.order_id)
                order = get_order(entry.order_id)
                if order is not None and order.provider == provider_name:
                    yield order


def bill_rows(provider_name: str, bill_date: date) -> list[BillRow]:
    """The provider's trade bill for a China date (downloaded by the provider's protocol)."""
    return [
        BillRow(line.out_trade_no, line.transaction_id, int(line.amount_fen), str(line.state))
        for line in provider(provider_name).bill(bill_date)
    ]


def daily_bill_check(today: date | None = None) -> dict[str, int]:
    """Schedule: compare yesterday's bill of each provider."""
    day = (today or clock.now().astimezone(CHINA_TZ).date()) - timedelta(days=1)
    result: dict[str, int] = {}
    for name in payments.PROVIDERS:
        try:
            rows = bill_rows(name, day)
        except payments.PaymentError as error:
            logger.error("bill not available", extra={"provider": name, "code": error.code})
            metrics.add_metric(name="BillDownloadFailures", unit="Count", value=1)
            continue
        report = compare_bill(name, day, rows)
        result[name] = len(json.loads(report.differences))
    return result


def reports(principal: Principal, limit: int, cursor: str | None) -> tuple[list[ReconciliationReport], str | None]:
    authorize(principal, "dues.reconciliation_read", None)
    items, next_cursor = paging.query_page(
        ReconciliationReport.query, keys.DUES_RECON_PK, limit=limit, cursor=cursor, scan_index_forward=False
    )
    return [i for i in items if isinstance(i, ReconciliationReport)], next_cursor
