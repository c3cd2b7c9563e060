"""Payment anomalies (WEBHOOKS rule 5): what a person must look into, recorded and alerted once
per distinct set of facts, never credited; and their list for the province.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from zhtj.core import clock
from zhtj.core.errors import ConflictError
from zhtj.core.observability import logger, metrics
from zhtj.dues import rules as dues_rules
from zhtj.dues.models import AnomalyMark, PaymentAnomaly
from zhtj.orgs.authz import authorize
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork
from zhtj.timers import service as timers
from zhtj.timers.workdays import CHINA_TZ

_ANOMALY_RECORDED = ConflictError("DUES_ANOMALY_RECORDED", "", None)


def record_anomaly(
    provider_name: str,
    code: str,
    message: str,
    out_trade_no: str | None = None,
    transaction_id: str | None = None,
    amount_fen: int | None = None,
    delivery_id: str | None = None,
    raw_status: str | None = None,
    distinct: str | None = None,
) -> PaymentAnomaly | None:
    """Record (an item, its mark and its audit record, one transaction) and alert (metric +
    error log), once per distinct set of facts: the provider re-sends a notification we refuse
    (and reconciliation meets the same order again), and each re-send is the same anomaly, not a
    new one. The trade's status is not a fact of it: a wrong amount notified as TRADE_SUCCESS,
    then TRADE_FINISHED, then met by the expiry's query (no status) is one anomaly. `distinct`
    tells apart anomalies whose other facts are equal (two refunds of one trade: their
    notification ids). Returns None when it was already recorded."""
    at = clock.now()
    facts = [provider_name, code, out_trade_no, transaction_id, amount_fen, distinct]
    fingerprint = hashlib.sha256(json.dumps(facts, ensure_ascii=False).encode()).hexdigest()
    anomaly_id = clock.new_id("x")
    item = PaymentAnomaly(
        keys.dues_anomaly_pk(dues_rules.month_of(at.astimezone(CHINA_TZ).date())),
        f"{timers.stamp(at)}#{anomaly_id}",
        anomaly_id=anomaly_id,
        provider=provider_name,
        code=code,
        message=message,
        out_trade_no=out_trade_no,
        transaction_id=transaction_id,
        delivery_id=delivery_id,
        raw_status=raw_status,
        amount_fen=amount_fen,
        at=at,
    )
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.put(
        AnomalyMark(
            keys.dues_anomaly_mark_pk(fingerprint),
            keys.META,
            expires_at=at + timedelta(seconds=dues_rules.IDEMPOTENCY_SECONDS),
        ),
        condition=AnomalyMark.pk.does_not_exist(),
        on_fail=_ANOMALY_RECORDED,
    )
    uow.put(item, condition=PaymentAnomaly.pk.does_not_exist())
    uow.audit(
        "dues.payment_anomaly",
        "DUES_ORDER",
        out_trade_no or "unknown",
        "province",
        after={"code": code, "provider": provider_name},
    )
    try:
        uow.commit()
    except ConflictError as error:
        if error is not _ANOMALY_RECORDED:
            raise
        logger.info(
            "payment anomaly already recorded",
            extra={"code": code, "provider": provider_name, "out_trade_no": out_trade_no, "delivery_id": delivery_id},
        )
        return None
    metrics.add_metric(name="PaymentAnomalies", unit="Count", value=1)
    logger.error(
        "payment anomaly",
        extra={"code": code, "provider": provider_name, "out_trade_no": out_trade_no, "delivery_id": delivery_id},
    )
    return item


def anomalies(
    principal: Principal, month: str, limit: int, cursor: str | None
) -> tuple[list[PaymentAnomaly], str | None]:
    authorize(principal, "dues.reconciliation_read", None)
    dues_rules.check_month(month)
    items, next_cursor = paging.query_page(
        PaymentAnomaly.query, keys.dues_anomaly_pk(month), limit=limit, cursor=cursor, scan_index_forward=False
    )
    return [i for i in items if isinstance(i, PaymentAnomaly)], next_cursor
