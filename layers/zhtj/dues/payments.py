"""League dues (团费): payments confirmed by the providers, applied exactly once (DUES-3, DUES-4).

The webhook path: `provider(name).verify(headers, raw body, now)` (all crypto is in
zhtj.payments) -> business checks (our order, same provider, amount equal in fen) -> apply ->
the provider's answer. Two guards make "exactly once":

- powertools Idempotency on the one table, keyed on provider + order + provider status, with
  the amount and the transaction id validated against the first delivery: duplicates and
  concurrent deliveries of one notification run the apply once and get the same answer.
- the durable guarantee: the order only moves forward (PENDING -> PAID | CLOSED) by a
  conditional write inside the apply transaction. A TRADE_FINISHED months after TRADE_SUCCESS
  (another status, its idempotency record long gone) finds the order PAID and credits nothing.

Applying a payment is one transaction: the order PAID, each month a PaidMonth in the member's
partition, the bill unlocked, the amount split down the member's chain of organisations into
ledger entries, the subtree collection counters of each level, and the member's card marked.
An order for many members, or for a member's arrears longer than PART_MONTHS, is PAID in one
transaction and its members applied from the `dues` queue, one transaction per part of each
member's months, in turn (DuesOrderApplied markers make each happen once; the reconciliation
schedule re-drives an order whose messages were lost). The answer to the provider is sent only
after the transaction has landed.
"""

from __future__ import annotations

import hashlib
import json
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from pynamodb.expressions.update import Action

from zhtj.cards import service as cards
from zhtj.core import clock
from zhtj.core.errors import ConflictError, NotFoundError, ValidationError
from zhtj.core.observability import logger, metrics
from zhtj.core.settings import get_settings
from zhtj.dues import rules as dues_rules
from zhtj.dues.models import (
    AnomalyMark,
    DuesAccount,
    DuesCounter,
    DuesOrder,
    DuesOrderApplied,
    LedgerEntry,
    PaidMonth,
    PaymentAnomaly,
    ReconciliationReport,
)
from zhtj.dues.orders import (
    CLOSED,
    LOST_RACE,
    PAID,
    PENDING,
    Line,
    account_of,
    close,
    get_order,
    lines_of,
    shares,
    unlock_action_condition,
)
from zhtj.integrations.payments import base as payments
from zhtj.members.models import Member
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import path_ids
from zhtj.signin.tokens import Principal
from zhtj.table import counters, keys, paging, queues
from zhtj.table.unit_of_work import SYSTEM_ACTOR, Actor, UnitOfWork
from zhtj.timers import service as timers
from zhtj.timers.workdays import CHINA_TZ

QUEUE = "dues"
CREDITED, DUPLICATE, ANOMALY, CLOSED_NOW, IGNORED, QUEUED = (
    "CREDITED",
    "DUPLICATE",
    "ANOMALY",
    "CLOSED",
    "IGNORED",
    "QUEUED",
)
# Idempotency records outlive the providers' re-send windows (WeChat 24 h 4 m, Alipay ~25 h).
IDEMPOTENCY_SECONDS = 72 * 3600
# A delivery being applied blocks its duplicates for at most this long (then a re-send may
# retry it): under API Gateway's 29 s, which bounds the request.
IN_PROGRESS_MILLIS = 25_000
# The idempotency records are spread over this many partitions (static pk per shard).
IDEMPOTENCY_SHARDS = 8
# Completed idempotency records remembered per shard in a container (powertools' local cache).
LOCAL_CACHE_ITEMS = 512
# Reconciliation asks the provider about orders still pending after the re-send windows.
RETRY_WINDOW = timedelta(hours=25)
# A many-member order whose members are not all applied after this long is driven again.
APPLYING_STALL = timedelta(minutes=10)
# Collection counters of the levels every payment passes are sharded (hot keys): the root and
# the depth-1 organisations (cities, provincial units). A read sums one year's shards.
COUNTER_SHARDS = {0: 16, 1: 4}
COUNTER_NAMES = frozenset(f"{kind}{m:02d}" for kind in "packn" for m in range(1, 13))
LAPSE_MONTHS = 6  # EXIT-1: six consecutive months unpaid is grounds for lapsing (never automatic)
# All of a bill's arrears are one order (REFERENCE: "pay now" settles them all). A member's
# months are applied PART_MONTHS to a transaction, oldest first, the last part unlocking the
# bill: a part is its PaidMonth items + the p/a counters of its years at each level, and the
# last adds a ledger entry and the collection counters per level, the account, the card, the
# marker and the audit record, well under DynamoDB's 100 actions for any depth of the tree.
PART_MONTHS = 24
MAX_BRANCH_MEMBERS_SCANNED = 2000
# Unpaid = members now in the subtree - paid: counted over at most this many branches.

_MONTH_PAID_TWICE = ConflictError("DUES_MONTH_ALREADY_PAID", "", None)
_LOCK_LOST = ConflictError("DUES_LOCK_LOST", "", None)
_ANOMALY_RECORDED = ConflictError("DUES_ANOMALY_RECORDED", "", None)
_OUT_OF_TURN = ConflictError("DUES_PART_OUT_OF_TURN", "", None)


# --- Applying ------------------------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return timers.stamp(moment)


def counter_shard(depth: int, member_id: str) -> int:
    return zlib.crc32(member_id.encode()) % COUNTER_SHARDS.get(depth, 1)


def part_count(line: Line) -> int:
    """How many transactions apply one member's line: PART_MONTHS months each, at least one."""
    return max(1, -(-len(line.months) // PART_MONTHS))


def _member_effects(
    uow: UnitOfWork, order: DuesOrder, line: Line, paid_at: datetime, share_bp: dict[str, int], part: int = 0
) -> None:
    """What one part of a member's line writes (inside the caller's transaction): its months'
    PaidMonth items and their counters; the last part also the ledger, the collection counters,
    the bill unlocked with `paid_through`, and the card. Until that last part the bill stays
    locked and the months already written are not shown (`paid_months`): the member sees the
    whole payment land at once."""
    member_pk = keys.member_pk(line.member_id)
    first = part * PART_MONTHS
    months, month_fen = line.months[first : first + PART_MONTHS], line.month_fen[first : first + PART_MONTHS]
    for month, fen in zip(months, month_fen, strict=True):
        uow.put(
            PaidMonth(
                member_pk,
                keys.paid_month_sk(month),
                month=month,
                amount_fen=fen,
                order_id=order.order_id,
                paid_at=paid_at,
                provider=order.provider,
            ),
            condition=PaidMonth.pk.does_not_exist(),
            on_fail=_MONTH_PAID_TWICE,
        )
    by_year: dict[int, list[Action]] = {}
    for month, fen in zip(months, month_fen, strict=True):
        mm = month[5:7]
        by_year.setdefault(int(month[:4]), []).extend(
            [counters.number(f"p{mm}").add(1), counters.number(f"a{mm}").add(fen)]
        )
    chain = path_ids(line.path)
    if part < part_count(line) - 1:
        for depth, org_id in enumerate(chain):
            _count(uow, org_id, counter_shard(depth, line.member_id), by_year)
        return
    collected = dues_rules.month_of(paid_at.astimezone(CHINA_TZ).date())
    # Read before the transaction: the account is locked to this order, so only this order's
    # apply (which fails if another already applied it) can change it meanwhile.
    account = account_of(line.member_id)
    seen = account.last_collected_month if account is not None else None
    unlock, held = unlock_action_condition(order.order_id)
    account_actions = [
        DuesAccount.kind.set(DuesAccount),
        DuesAccount.member_id.set(line.member_id),
        DuesAccount.last_collected_month.set(collected),
        *unlock,
    ]
    if line.months:
        account_actions.append(DuesAccount.paid_through.set(line.months[-1]))
    unchanged = (
        DuesAccount.last_collected_month.does_not_exist() if seen is None else DuesAccount.last_collected_month == seen
    )
    uow.update(
        DuesAccount(member_pk, keys.DUES_ACCOUNT_SK),
        account_actions,
        condition=held & unchanged,
        on_fail=_LOCK_LOST,
        versioned=False,
    )
    kept = dues_rules.split(line.amount_fen, [share_bp[o] for o in chain])
    passed = line.amount_fen
    for org_id, share in zip(chain, kept, strict=True):
        uow.put(
            LedgerEntry(
                keys.ledger_pk(org_id),
                f"{collected}#{_stamp(paid_at)}#{order.order_id}#{line.member_id}",
                org_id=org_id,
                order_id=order.order_id,
                member_id=line.member_id,
                collected_month=collected,
                received_fen=passed,
                kept_fen=share,
                passed_fen=passed - share,
                retention_bp=share_bp[org_id],
                at=paid_at,
            ),
            condition=LedgerEntry.pk.does_not_exist(),
            on_fail=_MONTH_PAID_TWICE,
        )
        passed -= share
    for depth, org_id in enumerate(chain):
        per_year = {year: list(actions) for year, actions in by_year.items()}
        cmm = collected[5:7]
        per_year.setdefault(int(collected[:4]), []).extend(
            [counters.number(f"c{cmm}").add(line.amount_fen), counters.number(f"k{cmm}").add(kept[depth])]
        )
        if seen != collected:
            per_year[int(collected[:4])].append(counters.number(f"n{cmm}").add(1))
        _count(uow, org_id, counter_shard(depth, line.member_id), per_year)
    if line.months:
        cards.changed(uow, line.member_id)


def _count(uow: UnitOfWork, org_id: str, shard: int, per_year: dict[int, list[Action]]) -> None:
    """One update per year's counter item (a transaction may touch an item only once)."""
    for year, actions in per_year.items():
        uow.update(
            DuesCounter(keys.dues_stat_pk(org_id), keys.dues_stat_sk(year, shard)),
            [DuesCounter.kind.set(DuesCounter), DuesCounter.org_id.set(org_id), DuesCounter.year.set(year), *actions],
            versioned=False,
        )


def _audit_org(order: DuesOrder, lines: Sequence[Line]) -> str:
    return order.payer_id if order.payer_kind == "ORG" else lines[0].branch_id


def settle(order: DuesOrder, transaction_id: str, paid_at: datetime, source: str) -> str:
    """The provider says the order is paid: apply it (once). Returns CREDITED, QUEUED (a
    many-member order, or a member's arrears longer than one part: PAID now, the members'
    parts from the queue), DUPLICATE or ANOMALY."""
    lines = lines_of(order)
    many = len(lines) > 1 or part_count(lines[0]) > 1
    uow = UnitOfWork(SYSTEM_ACTOR)
    actions: list[Action] = [
        DuesOrder.state.set(PAID),
        DuesOrder.paid_at.set(paid_at),
        DuesOrder.transaction_id.set(transaction_id),
    ]
    if many:
        actions += [
            DuesOrder.members_left.set(len(lines)),
            DuesOrder.gsi2sk.set(f"APPLYING#{_stamp(paid_at)}#{order.order_id}"),
        ]
    else:
        actions += [DuesOrder.gsi2pk.remove(), DuesOrder.gsi2sk.remove()]
    uow.update(order, actions, condition=DuesOrder.state == PENDING, on_fail=LOST_RACE, versioned=False)
    timers.cancel(uow, timers.DUES_ORDER_EXPIRY, order.order_id)
    if many:
        uow.after_commit(
            f"dues:{order.order_id}", lambda: _queue_parts(order.order_id, [(x.member_id, 0) for x in lines])
        )
    else:
        share_bp = shares(path_ids(lines[0].path))
        _member_effects(uow, order, lines[0], paid_at, share_bp)
    uow.audit(
        "dues.order_paid",
        "DUES_ORDER",
        order.order_id,
        _audit_org(order, lines),
        before={"state": PENDING},
        after={"state": PAID, "amount_fen": order.amount_fen, "source": source},
    )
    try:
        uow.commit()
    except ConflictError as error:
        if error is LOST_RACE:
            return _already_settled(order.order_id, transaction_id, order.provider)
        if error in (_MONTH_PAID_TWICE, _LOCK_LOST):
            # DynamoDB names every failed condition; the first one named may be a ledger entry
            # or the bill lock that a concurrent settle of the same order (TRADE_FINISHED racing
            # TRADE_SUCCESS: another idempotency key) has just written. Then the race was lost.
            current = get_order(order.order_id)
            if current is not None and current.state != PENDING:
                return _settled_outcome(order.order_id, current, transaction_id, order.provider)
            record_anomaly(
                order.provider,
                "APPLY_CONFLICT",
                "订单涉及的月份已缴或账单锁已变更，需人工核对",
                order.order_id,
                transaction_id,
                int(order.amount_fen),
            )
            return ANOMALY
        raise
    metrics.add_metric(name="DuesPaymentsApplied", unit="Count", value=1)
    metrics.add_metric(name="DuesAmountFen", unit="Count", value=order.amount_fen)
    logger.info("dues order paid", extra={"order_id": order.order_id, "source": source, "members": len(lines)})
    return QUEUED if many else CREDITED


def _already_settled(order_id: str, transaction_id: str, provider_name: str) -> str:
    """After a lost race: what the winner made of the order (read again: it changed)."""
    return _settled_outcome(order_id, get_order(order_id), transaction_id, provider_name)


def _settled_outcome(order_id: str, current: DuesOrder | None, transaction_id: str, provider_name: str) -> str:
    """A payment for an order no longer pending: the same transaction is a duplicate; another
    transaction, or a payment after the order closed, is recorded and alerted, never credited."""
    if current is not None and current.state == PAID and current.transaction_id == transaction_id:
        return DUPLICATE
    if current is not None and current.state == CLOSED:
        record_anomaly(
            provider_name,
            "PAID_AFTER_CLOSE",
            "订单已关闭后收到支付成功通知，需退款或人工处理",
            order_id,
            transaction_id,
            int(current.amount_fen),
        )
    else:
        record_anomaly(
            provider_name, "PAID_TWICE", "订单已由另一笔交易支付，需人工核对", order_id, transaction_id, None
        )
    return ANOMALY


def _queue_parts(order_id: str, parts: Iterable[tuple[str, int]]) -> None:
    for member_id, part in parts:
        queues.send(QUEUE, {"kind": "apply_member", "order_id": order_id, "member_id": member_id, "part": part})


def _part_marker_sk(line: Line, part: int) -> str:
    """A member's last part is marked as the member applied; the parts before it on their own."""
    if part == part_count(line) - 1:
        return keys.dues_order_member_sk(line.member_id)
    return keys.dues_order_part_sk(line.member_id, part)


def apply_member(order_id: str, member_id: str, part: int = 0) -> bool:
    """One part of one member of a paid queued order, in its own transaction, once (the
    marker's conditional put), after the part before it (a condition on its marker); the next
    part is queued once it has landed. Returns False if already applied, out of turn, or the
    order is not paid."""
    order = get_order(order_id)
    if order is None or order.state != PAID or order.paid_at is None:
        logger.warning("dues member apply without a paid order", extra={"order_id": order_id})
        return False
    line = next((x for x in lines_of(order) if x.member_id == member_id), None)
    if line is None or not 0 <= part < part_count(line):
        return False
    last = part == part_count(line) - 1
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.put(
        DuesOrderApplied(
            keys.dues_order_pk(order_id),
            _part_marker_sk(line, part),
            order_id=order_id,
            member_id=member_id,
            part=part,
            applied_at=clock.now(),
        ),
        condition=DuesOrderApplied.pk.does_not_exist(),
        on_fail=LOST_RACE,
    )
    if part > 0:
        uow.check(
            DuesOrderApplied,
            keys.dues_order_pk(order_id),
            _part_marker_sk(line, part - 1),
            DuesOrderApplied.pk.exists(),
            on_fail=_OUT_OF_TURN,
        )
    _member_effects(uow, order, line, order.paid_at, shares(path_ids(line.path)), part)
    first = part * PART_MONTHS
    if last:
        uow.update(order, [DuesOrder.members_left.add(-1)], versioned=False)
    else:
        uow.after_commit(f"dues:{order_id}:{member_id}", lambda: _queue_parts(order_id, [(member_id, part + 1)]))
    uow.audit(
        "dues.member_paid",
        "MEMBER",
        member_id,
        line.branch_id,
        after={"order_id": order_id, "months": line.months[first : first + PART_MONTHS], "part": part},
    )
    try:
        uow.commit()
    except ConflictError as error:
        if error is _OUT_OF_TURN:
            # Reconciliation queues the first part missing, so the order still completes.
            logger.warning("dues part out of turn", extra={"order_id": order_id, "part": part})
            return False
        if error is not LOST_RACE:
            raise
        return False
    if last:
        _finish_if_done(order_id)
    return True


def _finish_if_done(order_id: str) -> None:
    """Take a fully applied order off the open index (a no-op while members are left)."""
    order = get_order(order_id)
    if order is None or int(order.members_left or 0) > 0 or order.gsi2pk is None:
        return
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.update(
        order,
        [DuesOrder.gsi2pk.remove(), DuesOrder.gsi2sk.remove()],
        condition=DuesOrder.members_left == 0,
        on_fail=LOST_RACE,
        versioned=False,
    )
    try:
        uow.commit()
    except ConflictError as error:
        if error is not LOST_RACE:
            raise


def settle_or_close(order: DuesOrder, reason: str, actor: Actor = SYSTEM_ACTOR) -> str:
    """Ask the provider (query-order) before giving up on a pending order: paid there ->
    settled through the same apply path; otherwise closed and the bills unlocked. Paid there
    with another amount: recorded and alerted, never credited, and the order closed so that the
    members' bills do not stay locked (the money is refunded by hand)."""
    found = payments.provider(order.provider).query(order.order_id)
    if found is not None and found.event == payments.PAID:
        if found.amount_fen != order.amount_fen:
            record_anomaly(
                order.provider,
                "AMOUNT_MISMATCH",
                "查询订单金额与订单不符",
                order.order_id,
                found.transaction_id,
                found.amount_fen,
            )
            close(order, "AMOUNT_MISMATCH", actor)
            return ANOMALY
        return settle(order, found.transaction_id, found.paid_at or clock.now(), reason)
    return CLOSED_NOW if close(order, reason, actor) else DUPLICATE


# --- Anomalies (WEBHOOKS rule 5) ---------------------------------------------------------------------------


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
        f"{_stamp(at)}#{anomaly_id}",
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
            keys.dues_anomaly_mark_pk(fingerprint), keys.META, expires_at=at + timedelta(seconds=IDEMPOTENCY_SECONDS)
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


# --- The webhook --------------------------------------------------------------------------------------------


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
    refund_id = notification["delivery_id"] if notification["event"] == payments.REFUND else None

    def anomaly(code: str, message: str) -> dict[str, str]:
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
        return {"decision": ANOMALY, "code": code}

    def refuse(code: str, message: str) -> dict[str, str]:
        raise _NotRemembered(anomaly(code, message))

    order = get_order(out_trade_no)
    if order is None:
        return refuse("UNKNOWN_ORDER", "通知所指订单不存在")
    if order.provider != provider_name:
        return refuse("PROVIDER_MISMATCH", "通知来自的支付渠道与订单不符")
    event = notification["event"]
    if event == payments.PAID:
        if amount != int(order.amount_fen):
            return refuse("AMOUNT_MISMATCH", f"通知金额{amount}分与订单金额{order.amount_fen}分不符")
        if order.state != PENDING:
            # Decided on the order just read, without a transaction: PAID and CLOSED never move
            # again (a TRADE_FINISHED after TRADE_SUCCESS, a re-send after its record expired).
            return {"decision": _settled_outcome(out_trade_no, order, transaction_id, provider_name)}
        paid_at = datetime.fromisoformat(notification["paid_at"]) if notification.get("paid_at") else clock.now()
        decision = settle(order, transaction_id, paid_at, "NOTIFICATION")
        if decision == ANOMALY and _still_pending(out_trade_no):
            raise _NotRemembered({"decision": ANOMALY, "code": "APPLY_CONFLICT"})
        return {"decision": decision}
    if event == payments.CLOSED:
        if order.state == PENDING:
            return {"decision": CLOSED_NOW if close(order, "PROVIDER_CLOSED") else DUPLICATE}
        if order.state == PAID:
            return anomaly("CLOSED_AFTER_PAID", "已支付订单收到关闭（全额退款）通知，需人工处理")
        return {"decision": DUPLICATE}
    if event == payments.REFUND:
        return anomaly("REFUND", "收到退款通知，需人工处理已记账的团费")
    raise _NotRemembered({"decision": IGNORED})


def _still_pending(order_id: str) -> bool:
    current = get_order(order_id)
    return current is not None and current.state == PENDING


class _RequestBudget:
    """What powertools asks a Lambda context for: how long an in-progress record may block
    duplicates before a re-send may retry it (a crashed request must not block for days)."""

    def get_remaining_time_in_millis(self) -> int:
        return IN_PROGRESS_MILLIS


_GUARDS_LOCK = threading.Lock()


def _guards() -> tuple[Callable[..., dict[str, str]], ...]:
    """One idempotent entry per shard of the idempotency records, built once per process (inside
    whatever AWS endpoint the process talks to), under a lock: a process serving requests on
    threads (the local API in a storm) would otherwise build them once per request in flight."""
    with _GUARDS_LOCK:
        return _build_guards()


@lru_cache(maxsize=1)
def _build_guards() -> tuple[Callable[..., dict[str, str]], ...]:
    # One DynamoDB client for every shard: powertools makes a boto3 session and a client per
    # persistence layer otherwise (tens of milliseconds of model loading each).
    client = boto3.client("dynamodb", region_name=get_settings().region)
    config = IdempotencyConfig(
        event_key_jmespath="[provider, out_trade_no, guard_status]",
        payload_validation_jmespath="[amount_fen, transaction_id]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_SECONDS,
        # A completed record is kept in memory too: a re-send reaching the same container is
        # answered (and its payload validated) without a DynamoDB request. Records being
        # processed are never cached, so concurrent duplicates still meet at the table.
        # (powertools' LRU is not locked: in a threaded server a lookup racing the eviction of
        # the same key raises, and the notification gets a failure answer and is re-sent.)
        use_local_cache=True,
        local_cache_max_items=LOCAL_CACHE_ITEMS,
    )
    config.register_lambda_context(_RequestBudget())  # type: ignore[arg-type]
    guards = []
    for shard in range(IDEMPOTENCY_SHARDS):
        store = DynamoDBPersistenceLayer(
            table_name=get_settings().table_name,
            key_attr="pk",
            sort_key_attr="sk",
            static_pk_value=f"IDEMPOTENCY#dues#{shard}",
            expiry_attr="expires_at",
            in_progress_expiry_attr="in_progress_expires_at",
            boto3_client=client,
        )
        guards.append(
            idempotent_function(_decide, data_keyword_argument="notification", persistence_store=store, config=config)
        )
    return tuple(guards)


def forget() -> None:
    """Tests: rebuild the idempotency clients inside a fresh moto."""
    _build_guards.cache_clear()


def guard_status(n: payments.Notification) -> str:
    """What the idempotency key holds besides provider and order: the provider's status, and
    for a refund also the notification's own id. Alipay notifies a partial refund as
    TRADE_SUCCESS (with refund_fee), the status of the payment it refunds, and two refunds of
    one order share their status: keyed on the status alone, a refund was answered with the
    payment's stored decision and never recorded."""
    return f"{n.raw_status}#REFUND#{n.delivery_id}" if n.event == payments.REFUND else n.raw_status


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
    IdempotencyAlreadyInProgressError (a concurrent delivery with the same key is being
    decided: a re-send will find it done) and whatever a retry may cure."""
    guard = _guards()[zlib.crc32(n.out_trade_no.encode()) % IDEMPOTENCY_SHARDS]
    try:
        return guard(notification=notification_data(n))
    except _NotRemembered as refused:
        return refused.outcome
    except IdempotencyValidationError:
        if _still_pending(n.out_trade_no):
            # Kept records are only of outcomes that settled the order: an order still pending
            # means the record met is one still being decided (perhaps a refused notification
            # whose record is about to go), and this one may be the genuine payment.
            raise IdempotencyAlreadyInProgressError("同一订单的另一通知正在处理") from None
        # Same provider, order and status as a settling notification, but another amount or
        # transaction: never credited, recorded once.
        record_anomaly(
            n.provider,
            "PAYLOAD_MISMATCH",
            "同一订单同一状态的通知金额或交易号不一致",
            n.out_trade_no,
            n.transaction_id,
            n.amount_fen,
            n.delivery_id,
            n.raw_status,
        )
        return {"decision": ANOMALY, "code": "PAYLOAD_MISMATCH"}


def failure_reply(provider_name: str) -> payments.Reply:
    """A failure answer (the provider re-sends) when even building the provider failed."""
    try:
        return payments.provider(provider_name).reply(False, "系统繁忙，请稍后重试")
    except Exception:
        logger.exception("provider unavailable", extra={"provider": provider_name})
        return payments.Reply(500, {"Content-Type": "text/plain"}, "fail")


def receive(provider_name: str, headers: dict[str, str], body: bytes) -> payments.Reply:
    """One notification request, answered per the provider's contract. Success only once the
    effect is durable; failure (so the provider re-sends) only when a re-send could help."""
    if provider_name not in payments.PROVIDERS:
        raise NotFoundError("PROVIDER_UNKNOWN", "不支持的支付渠道", None)
    provider = payments.provider(provider_name)
    try:
        notification = provider.verify(headers, body, clock.now())
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
        return provider.reply(True)
    except payments.PaymentError as error:
        metrics.add_metric(name="NotificationsRefused", unit="Count", value=1)
        logger.warning("notification refused", extra={"provider": provider_name, "code": error.code})
        return provider.reply(False, error.message)
    try:
        outcome = apply_verified(notification)
    except IdempotencyAlreadyInProgressError:
        logger.info("notification in progress elsewhere", extra={"delivery_id": notification.delivery_id})
        return provider.reply(False, "处理中，请稍后重试")
    except Exception:
        logger.exception("notification not applied", extra={"delivery_id": notification.delivery_id})
        return provider.reply(False, "系统繁忙，请稍后重试")
    logger.info(
        "notification applied",
        extra={
            "provider": provider_name,
            "delivery_id": notification.delivery_id,
            "out_trade_no": notification.out_trade_no,
            "decision": outcome.get("decision"),
        },
    )
    return provider.reply(True)


# --- Reconciliation (WEBHOOKS rule 6) ---------------------------------------------------------------------


def _open_orders(state: str, before: datetime) -> Iterable[DuesOrder]:
    for shard in range(keys.DUES_OPEN_SHARDS):
        for item in DuesOrder.by_gsi2.query(
            keys.dues_open_pk(shard), DuesOrder.gsi2sk.between(f"{state}#", f"{state}#{_stamp(before)}")
        ):
            if isinstance(item, DuesOrder):
                yield item


def reconcile(now: datetime | None = None) -> dict[str, int]:
    """Schedule: orders still pending past the re-send windows are settled or closed after
    asking the provider; many-member orders whose member messages were lost are driven again."""
    moment = now or clock.now()
    counts = {"settled": 0, "closed": 0, "anomalies": 0, "requeued": 0}
    for order in _open_orders(PENDING, moment - RETRY_WINDOW):
        current = get_order(order.order_id)
        if current is None or current.state != PENDING:
            continue
        try:
            outcome = settle_or_close(current, "RECONCILED")
        except Exception:
            logger.exception("reconciliation of an order failed", extra={"order_id": order.order_id})
            continue
        key = {CREDITED: "settled", QUEUED: "settled", CLOSED_NOW: "closed", ANOMALY: "anomalies"}.get(outcome)
        if key:
            counts[key] += 1
    for order in _open_orders("APPLYING", moment - APPLYING_STALL):
        marked = {
            i.sk
            for i in DuesOrderApplied.query(
                keys.dues_order_pk(order.order_id), DuesOrderApplied.sk.startswith("MEMBER#")
            )
            if isinstance(i, DuesOrderApplied)
        }
        # Each member's first part not applied: the parts after it follow it from the queue.
        missing = [
            (line.member_id, next(p for p in range(part_count(line)) if _part_marker_sk(line, p) not in marked))
            for line in lines_of(order)
            if keys.dues_order_member_sk(line.member_id) not in marked
        ]
        _queue_parts(order.order_id, missing)
        counts["requeued"] += len(missing)
        if not missing:
            _finish_if_done(order.order_id)
    if any(counts.values()):
        logger.info("dues reconciliation", extra=counts)
    return counts


@dataclass(frozen=True)
class BillRow:
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
            differences.append({"kind": "NOT_OURS", "out_trade_no": row.out_trade_no, "theirs": row.amount_fen})
        elif order.state != PAID:
            differences.append(
                {"kind": "NOT_PAID_HERE", "out_trade_no": row.out_trade_no, "ours": order.state, "theirs": row.state}
            )
        elif int(order.amount_fen) != row.amount_fen or order.transaction_id != row.transaction_id:
            differences.append(
                {
                    "kind": "AMOUNT_OR_TRANSACTION",
                    "out_trade_no": row.out_trade_no,
                    "ours": int(order.amount_fen),
                    "theirs": row.amount_fen,
                }
            )
        else:
            matched += 1
    for order in _paid_on(provider_name, bill_date):
        if order.order_id not in theirs:
            differences.append({"kind": "NOT_ON_BILL", "out_trade_no": order.order_id, "ours": int(order.amount_fen)})
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
            LedgerEntry.sk.between(f"{month}#{_stamp(start)}", f"{month}#{_stamp(end)}"),
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
        for line in payments.provider(provider_name).bill(bill_date)
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


def anomalies(
    principal: Principal, month: str, limit: int, cursor: str | None
) -> tuple[list[PaymentAnomaly], str | None]:
    authorize(principal, "dues.reconciliation_read", None)
    dues_rules.check_month(month)
    items, next_cursor = paging.query_page(
        PaymentAnomaly.query, keys.dues_anomaly_pk(month), limit=limit, cursor=cursor, scan_index_forward=False
    )
    return [i for i in items if isinstance(i, PaymentAnomaly)], next_cursor


# --- What organisations see (DUES-4) ---------------------------------------------------------------------


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
    from zhtj.stats import service as stats

    return int(stats.sub_totals([org])[org.org_id].get("members", 0))


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
    from zhtj.dues.owed import last_paid_month, owed_for

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
