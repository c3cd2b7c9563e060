"""Reconciliation (WEBHOOKS rule 6), on a schedule: orders still pending past the providers'
re-send windows are settled or closed after asking the provider; many-member orders whose
member messages were lost are driven again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from zhtj.core import clock
from zhtj.core.observability import logger
from zhtj.dues.applying import finish_if_done, part_count, part_marker_sk, queue_parts
from zhtj.dues.closing import settle_or_close
from zhtj.dues.models import DuesOrder, DuesOrderApplied
from zhtj.dues.orders import get_order, lines_of
from zhtj.dues.rules import Decision, OpenList, OrderState, Reason
from zhtj.table import keys
from zhtj.timers import service as timers

# Reconciliation asks the provider about orders still pending after the re-send windows.
RETRY_WINDOW = timedelta(hours=25)
# A many-member order whose members are not all applied after this long is driven again.
APPLYING_STALL = timedelta(minutes=10)


def _open_orders(state: OpenList, before: datetime) -> Iterable[DuesOrder]:
    for shard in range(keys.DUES_OPEN_SHARDS):
        for item in DuesOrder.by_gsi2.query(
            keys.dues_open_pk(shard), DuesOrder.gsi2sk.between(f"{state}#", f"{state}#{timers.stamp(before)}")
        ):
            if isinstance(item, DuesOrder):
                yield item


def reconcile(now: datetime | None = None) -> dict[str, int]:
    """Schedule: orders still pending past the re-send windows are settled or closed after
    asking the provider; many-member orders whose member messages were lost are driven again."""
    moment = now or clock.now()
    counts = {"settled": 0, "closed": 0, "anomalies": 0, "requeued": 0}
    for order in _open_orders(OpenList.PENDING, moment - RETRY_WINDOW):
        current = get_order(order.order_id)
        if current is None or current.state != OrderState.PENDING:
            continue
        try:
            outcome = settle_or_close(current, Reason.RECONCILED)
        except Exception:
            logger.exception("reconciliation of an order failed", extra={"order_id": order.order_id})
            continue
        key = {
            Decision.CREDITED: "settled",
            Decision.QUEUED: "settled",
            Decision.CLOSED: "closed",
            Decision.ANOMALY: "anomalies",
        }.get(outcome)
        if key:
            counts[key] += 1
    for order in _open_orders(OpenList.APPLYING, moment - APPLYING_STALL):
        marked = {
            i.sk
            for i in DuesOrderApplied.query(
                keys.dues_order_pk(order.order_id), DuesOrderApplied.sk.startswith("MEMBER#")
            )
            if isinstance(i, DuesOrderApplied)
        }
        # Each member's first part not applied: the parts after it follow it from the queue.
        missing = [
            (line.member_id, next(p for p in range(part_count(line)) if part_marker_sk(line, p) not in marked))
            for line in lines_of(order)
            if keys.dues_order_member_sk(line.member_id) not in marked
        ]
        queue_parts(order.order_id, missing)
        counts["requeued"] += len(missing)
        if not missing:
            finish_if_done(order.order_id)
    if any(counts.values()):
        logger.info("dues reconciliation", extra=counts)
    return counts
