"""The payment webhook (DUES-3): one notification request, verified, decided once, answered.

`provider(name).verify(headers, raw body, now)` (all crypto is in zhtj.integrations.payments)
-> business checks (our order, same provider, amount equal in fen) -> apply (dues/applying.py)
-> the provider's answer, sent only after the effect is durable. Duplicates and concurrent
deliveries of one notification run the decision once and get the same answer: an idempotency
guard (zhtj.table.idempotency) keyed on provider + order + provider status, with the amount and
the transaction id validated against the first delivery. The durable guarantee is the order's
forward-only state: a TRADE_FINISHED months after TRADE_SUCCESS (another status, its
idempotency record long gone) finds the order PAID and credits nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from zhtj.core import clock, heap
from zhtj.core.errors import NotFoundError
from zhtj.core.observability import logger, metrics
from zhtj.dues.anomalies import record_anomaly
from zhtj.dues.applying import settle, settled_outcome
from zhtj.dues.closing import close
from zhtj.dues.orders import get_order
from zhtj.dues.rules import IDEMPOTENCY_SECONDS, AnomalyCode, Decision, OrderState, Reason
from zhtj.integrations.payments import base as payments
from zhtj.integrations.payments.base import Event
from zhtj.integrations.payments.config import provider
from zhtj.table import idempotency

# A delivery being applied blocks its duplicates for at most this long (then a re-send may
# retry it): under API Gateway's 29 s, which bounds the request.
IN_PROGRESS_MILLIS = 25_000
# The idempotency records are spread over this many partitions (static pk per shard).
IDEMPOTENCY_SHARDS = 8
# Completed idempotency records remembered per shard in a container (powertools' local cache).
LOCAL_CACHE_ITEMS = 512


class _NotRemembered(Exception):
    """An outcome the idempotency record must not keep, raised out of the guarded function so
    that powertools deletes the record: the notification did not settle the order (refused, or
    a status that changes nothing), and a genuine notification with the same key (provider,
    order, status) must still apply. Only outcomes that leave the order settled are kept."""

    def __init__(self, outcome: dict[str, str]) -> None:
        super().__init__(outcome.get("code") or outcome["decision"])
        self.outcome = outcome


def _decide(notification: dict[str, Any]) -> dict[str, str]:
    """Business checks and the effect of one verified notification (run once per provider +
    order + status by the idempotency guard, as long as its outcome settles the order)."""
    provider_name, out_trade_no = notification["provider"], notification["out_trade_no"]
    amount, transaction_id = int(notification["amount_fen"]), str(notification["transaction_id"])
    refund_id = notification["delivery_id"] if notification["event"] == Event.REFUND else None

    def anomaly(code: AnomalyCode, message: str) -> dict[str, str]:
        record_anomaly(
            provider_name,
            code,
            message,
            out_trade_no,
            transaction_id,
            amount,
            notification["delivery_id"],
            notification["raw_status"],
            refund_id,
        )
        return {"decision": Decision.ANOMALY, "code": code}

    def refuse(code: AnomalyCode, message: str) -> dict[str, str]:
        raise _NotRemembered(anomaly(code, message))

    order = get_order(out_trade_no)
    if order is None:
        return refuse(AnomalyCode.UNKNOWN_ORDER, "通知所指订单不存在")
    if order.provider != provider_name:
        return refuse(AnomalyCode.PROVIDER_MISMATCH, "通知来自的支付渠道与订单不符")
    event = notification["event"]
    if event == Event.PAID:
        if amount != int(order.amount_fen):
            return refuse(AnomalyCode.AMOUNT_MISMATCH, f"通知金额{amount}分与订单金额{order.amount_fen}分不符")
        if order.state != OrderState.PENDING:
            # Decided on the order just read, without a transaction: PAID and CLOSED never move
            # again (a TRADE_FINISHED after TRADE_SUCCESS, a re-send after its record expired).
            return {"decision": settled_outcome(out_trade_no, order, transaction_id, provider_name)}
        paid_at = datetime.fromisoformat(notification["paid_at"]) if notification.get("paid_at") else clock.now()
        decision = settle(order, transaction_id, paid_at, Reason.NOTIFICATION)
        if decision == Decision.ANOMALY and _still_pending(out_trade_no):
            raise _NotRemembered({"decision": Decision.ANOMALY, "code": AnomalyCode.APPLY_CONFLICT})
        return {"decision": decision}
    if event == Event.CLOSED:
        if order.state == OrderState.PENDING:
            return {"decision": Decision.CLOSED if close(order, Reason.PROVIDER_CLOSED) else Decision.DUPLICATE}
        if order.state == OrderState.PAID:
            return anomaly(AnomalyCode.CLOSED_AFTER_PAID, "已支付订单收到关闭（全额退款）通知，需人工处理")
        return {"decision": Decision.DUPLICATE}
    if event == Event.REFUND:
        return anomaly(AnomalyCode.REFUND, "收到退款通知，需人工处理已记账的团费")
    raise _NotRemembered({"decision": Decision.IGNORED})


def _still_pending(order_id: str) -> bool:
    current = get_order(order_id)
    return current is not None and current.state == OrderState.PENDING


# One guard for every process: built on first use (inside whatever AWS endpoint the process
# talks to). Records keep the name powertools gave them when `_decide` was
# zhtj.logic.dues_payments._decide, so a re-send after a deploy finds the records written before it.
_GUARD = idempotency.Guard(
    _decide,
    name="dues",
    record_name="zhtj.logic.dues_payments._decide",
    shards=IDEMPOTENCY_SHARDS,
    data_keyword="notification",
    key_jmespath="[provider, out_trade_no, guard_status]",
    payload_jmespath="[amount_fen, transaction_id]",
    expires_after_seconds=IDEMPOTENCY_SECONDS,
    in_progress_millis=IN_PROGRESS_MILLIS,
    local_cache_items=LOCAL_CACHE_ITEMS,
)


def forget() -> None:
    """Tests: rebuild the idempotency clients inside a fresh moto."""
    idempotency.forget()


def guard_status(n: payments.Notification) -> str:
    """What the idempotency key holds besides provider and order: the provider's status, and
    for a refund also the notification's own id. Alipay notifies a partial refund as
    TRADE_SUCCESS (with refund_fee), the status of the payment it refunds, and two refunds of
    one order share their status: keyed on the status alone, a refund was answered with the
    payment's stored decision and never recorded."""
    return f"{n.raw_status}#REFUND#{n.delivery_id}" if n.event == Event.REFUND else n.raw_status


def notification_data(n: payments.Notification) -> dict[str, Any]:
    return {
        "provider": n.provider,
        "guard_status": guard_status(n),
        "delivery_id": n.delivery_id,
        "event": n.event,
        "raw_status": n.raw_status,
        "out_trade_no": n.out_trade_no,
        "transaction_id": n.transaction_id,
        "amount_fen": n.amount_fen,
        "paid_at": n.paid_at.isoformat() if n.paid_at else None,
    }


def apply_verified(n: payments.Notification) -> dict[str, str]:
    """Apply a verified notification through the idempotency guard. Raises
    idempotency.AlreadyInProgress (a concurrent delivery with the same key is being decided: a
    re-send will find it done) and whatever a retry may cure."""
    try:
        return _GUARD(n.out_trade_no, notification_data(n))
    except _NotRemembered as refused:
        return refused.outcome
    except idempotency.PayloadMismatch:
        if _still_pending(n.out_trade_no):
            # Kept records are only of outcomes that settled the order: an order still pending
            # means the record met is one still being decided (perhaps a refused notification
            # whose record is about to go), and this one may be the genuine payment.
            raise idempotency.AlreadyInProgress("同一订单的另一通知正在处理") from None
        # Same provider, order and status as a settling notification, but another amount or
        # transaction: never credited, recorded once.
        record_anomaly(
            n.provider,
            AnomalyCode.PAYLOAD_MISMATCH,
            "同一订单同一状态的通知金额或交易号不一致",
            n.out_trade_no,
            n.transaction_id,
            n.amount_fen,
            n.delivery_id,
            n.raw_status,
        )
        return {"decision": Decision.ANOMALY, "code": AnomalyCode.PAYLOAD_MISMATCH}


def failure_reply(provider_name: str) -> payments.Reply:
    """A failure answer (the provider re-sends) when even building the provider failed."""
    try:
        return provider(provider_name).reply(False, "系统繁忙，请稍后重试")
    except Exception:
        logger.exception("provider unavailable", extra={"provider": provider_name})
        return payments.Reply(500, {"Content-Type": "text/plain"}, "fail")


def receive(provider_name: str, headers: dict[str, str], body: bytes) -> payments.Reply:
    """One notification request, answered per the provider's contract. Success only once the
    effect is durable; failure (so the provider re-sends) only when a re-send could help."""
    if provider_name not in payments.PROVIDERS:
        raise NotFoundError("PROVIDER_UNKNOWN", "不支持的支付渠道", None)
    channel = provider(provider_name)
    try:
        notification = channel.verify(headers, body, clock.now())
    except payments.BusinessMismatch as error:
        n = error.notification
        if n is None:
            record_anomaly(provider_name, error.code, error.message, distinct=error.field)
        else:
            record_anomaly(
                provider_name,
                error.code,
                error.message,
                n.out_trade_no,
                n.transaction_id,
                n.amount_fen,
                n.delivery_id,
                n.raw_status,
                error.field,
            )
        return channel.reply(True)
    except payments.PaymentError as error:
        metrics.add_metric(name="NotificationsRefused", unit="Count", value=1)
        logger.warning("notification refused", extra={"provider": provider_name, "code": error.code})
        return channel.reply(False, error.message)
    try:
        outcome = apply_verified(notification)
    except idempotency.AlreadyInProgress:
        logger.info("notification in progress elsewhere", extra={"delivery_id": notification.delivery_id})
        return channel.reply(False, "处理中，请稍后重试")
    except Exception:
        logger.exception("notification not applied", extra={"delivery_id": notification.delivery_id})
        return channel.reply(False, "系统繁忙，请稍后重试")
    # Once the first notification has built the clients, the guard and the providers' keys,
    # the process's heap is kept out of the collector's full passes (the p99's pauses).
    heap.keep_loaded("dues webhook")
    logger.info(
        "notification applied",
        extra={
            "provider": provider_name,
            "delivery_id": notification.delivery_id,
            "out_trade_no": notification.out_trade_no,
            "decision": outcome.get("decision"),
        },
    )
    return channel.reply(True)
