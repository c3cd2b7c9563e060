"""Closing a pending order (cancel, expiry, the provider's CLOSED): PENDING -> CLOSED and every
member's bill unlocked. Before giving up on an order the provider is asked (query-order): an
order paid there is settled through the same apply path instead (dues/applying.py).
"""

from __future__ import annotations

from zhtj.accounts.reads import is_self
from zhtj.core import clock
from zhtj.core.errors import ConflictError
from zhtj.core.observability import logger, metrics
from zhtj.dues.anomalies import record_anomaly
from zhtj.dues.applying import settle
from zhtj.dues.bills import NOT_SELF
from zhtj.dues.models import DuesAccount, DuesOrder
from zhtj.dues.orders import LOST_RACE, ORDER_NOT_FOUND, ORDER_NOT_OPEN, get_order, lines_of, unlock_action_condition
from zhtj.dues.rules import AnomalyCode, Decision, OrderState, PayerKind, Reason
from zhtj.integrations.payments.base import Event
from zhtj.integrations.payments.config import provider
from zhtj.orgs.authz import authorize, get_org
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import SYSTEM_ACTOR, Actor, UnitOfWork
from zhtj.timers import service as timers


def close(order: DuesOrder, reason: Reason, actor: Actor = SYSTEM_ACTOR) -> bool:
    """PENDING -> CLOSED and every member's bill unlocked, in one transaction. False if the
    order was no longer pending (paid or closed meanwhile: whoever won did the work)."""
    uow = UnitOfWork(actor)
    now = clock.now()
    uow.update(
        order,
        [
            DuesOrder.state.set(OrderState.CLOSED),
            DuesOrder.closed_at.set(now),
            DuesOrder.close_reason.set(reason),
            DuesOrder.gsi2pk.remove(),
            DuesOrder.gsi2sk.remove(),
        ],
        condition=DuesOrder.state == OrderState.PENDING,
        on_fail=LOST_RACE,
        versioned=False,
    )
    actions, condition = unlock_action_condition(order.order_id)
    for line in lines_of(order):
        uow.update(
            DuesAccount(keys.member_pk(line.member_id), keys.DUES_ACCOUNT_SK),
            actions,
            condition=condition,
            on_fail=LOST_RACE,
            versioned=False,
        )
    timers.cancel(uow, timers.DUES_ORDER_EXPIRY, order.order_id)
    org_id = order.payer_id if order.payer_kind == PayerKind.ORG else lines_of(order)[0].branch_id
    uow.audit(
        "dues.order_close",
        "DUES_ORDER",
        order.order_id,
        org_id,
        before={"state": OrderState.PENDING},
        after={"state": OrderState.CLOSED, "reason": reason},
    )
    try:
        uow.commit()
    except ConflictError as error:
        if error is not LOST_RACE:
            raise
        return False
    metrics.add_metric(name="DuesOrdersClosed", unit="Count", value=1)
    logger.info("dues order closed", extra={"order_id": order.order_id, "reason": reason})
    return True


def cancel(principal: Principal, order_id: str) -> DuesOrder:
    """The payer gives up an open order (the bill unlocks). The provider is asked first: an
    order already paid there is settled instead. Raises NotFoundError, ForbiddenError, ConflictError."""
    order = get_order(order_id)
    if order is None:
        raise ORDER_NOT_FOUND
    if order.payer_kind == PayerKind.MEMBER:
        if not is_self(principal, order.payer_id):
            raise NOT_SELF
        actor = Actor(account_id=principal.account_id, org_id=None)
    else:
        actor = authorize(principal, "dues.pay_for_members", get_org(order.payer_id)).actor
    if order.state != OrderState.PENDING:
        raise ORDER_NOT_OPEN
    settle_or_close(order, Reason.CANCELLED, actor)
    return get_order(order_id) or order


def expire(order_id: str) -> None:
    """The expiry timer: an order still pending after its pay-by time is settled if the
    provider says it was paid, else closed. Idempotent (a second firing finds it settled)."""
    order = get_order(order_id)
    if order is None or order.state != OrderState.PENDING:
        uow = UnitOfWork(SYSTEM_ACTOR)
        timers.cancel(uow, timers.DUES_ORDER_EXPIRY, order_id)
        uow.commit()
        return
    settle_or_close(order, Reason.EXPIRED, SYSTEM_ACTOR)


def settle_or_close(order: DuesOrder, reason: Reason, actor: Actor = SYSTEM_ACTOR) -> Decision:
    """Ask the provider (query-order) before giving up on a pending order: paid there ->
    settled through the same apply path; otherwise closed and the bills unlocked. Paid there
    with another amount: recorded and alerted, never credited, and the order closed so that the
    members' bills do not stay locked (the money is refunded by hand)."""
    found = provider(order.provider).query(order.order_id)
    if found is not None and found.event == Event.PAID:
        if found.amount_fen != order.amount_fen:
            record_anomaly(
                order.provider,
                AnomalyCode.AMOUNT_MISMATCH,
                "查询订单金额与订单不符",
                order.order_id,
                found.transaction_id,
                found.amount_fen,
            )
            close(order, Reason.AMOUNT_MISMATCH, actor)
            return Decision.ANOMALY
        return settle(order, found.transaction_id, found.paid_at or clock.now(), reason)
    return Decision.CLOSED if close(order, reason, actor) else Decision.DUPLICATE
