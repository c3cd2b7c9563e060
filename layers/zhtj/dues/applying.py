"""Applying a payment the provider confirmed, exactly once (DUES-3, DUES-4).

Applying a payment is one transaction: the order PAID, each month a PaidMonth in the member's
partition, the bill unlocked, the amount split down the member's chain of organisations into
ledger entries, the subtree collection counters of each level, and the member's card marked.
The order only moves forward (PENDING -> PAID | CLOSED) by a conditional write inside that
transaction: the durable guarantee that nothing is credited twice. An order for many members,
or for a member's arrears longer than PART_MONTHS, is PAID in one transaction and its members
applied from the `dues` queue, one transaction per part of each member's months, in turn
(DuesOrderApplied markers make each happen once; dues/reconciliation.py re-drives an order
whose messages were lost).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime

import msgspec
from pynamodb.expressions.update import Action

from zhtj.cards import due as card_due
from zhtj.core import clock
from zhtj.core.errors import ConflictError
from zhtj.core.observability import logger, metrics
from zhtj.counters import raw as counters
from zhtj.dues import rules as dues_rules
from zhtj.dues.anomalies import record_anomaly
from zhtj.dues.messages import DUES, ApplyMember
from zhtj.dues.models import DuesAccount, DuesCounter, DuesOrder, DuesOrderApplied, LedgerEntry, PaidMonth
from zhtj.dues.orders import LOST_RACE, Line, get_order, lines_of, unlock_action_condition
from zhtj.dues.rules import AnomalyCode, Decision, OpenList, OrderState, PayerKind
from zhtj.dues.standard import share_key, shares_in
from zhtj.orgs.rules import path_ids
from zhtj.table import keys
from zhtj.table.base import get_items
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork
from zhtj.timers import service as timers
from zhtj.timers.workdays import CHINA_TZ

# Collection counters of the levels every payment passes are sharded (hot keys): the root and
# the depth-1 organisations (cities, provincial units). A read sums one year's shards.
COUNTER_SHARDS = {0: 16, 1: 4}
# All of a bill's arrears are one order (REFERENCE: "pay now" settles them all). A member's
# months are applied PART_MONTHS to a transaction, oldest first, the last part unlocking the
# bill: a part is its PaidMonth items + the p/a counters of its years at each level, and the
# last adds a ledger entry and the collection counters per level, the account, the card, the
# marker and the audit record, well under DynamoDB's 100 actions for any depth of the tree.
PART_MONTHS = 24

_MONTH_PAID_TWICE = ConflictError("DUES_MONTH_ALREADY_PAID", "", None)
_LOCK_LOST = ConflictError("DUES_LOCK_LOST", "", None)
_OUT_OF_TURN = ConflictError("DUES_PART_OUT_OF_TURN", "", None)


def counter_shard(depth: int, member_id: str) -> int:
    return zlib.crc32(member_id.encode()) % COUNTER_SHARDS.get(depth, 1)


def part_count(line: Line) -> int:
    """How many transactions apply one member's line: PART_MONTHS months each, at least one."""
    return max(1, -(-len(line.months) // PART_MONTHS))


class _Read(msgspec.Struct, frozen=True):
    """What applying a member's part reads before its transaction, in one BatchGetItem: the
    retention shares of the member's chain of organisations, and for the last part the
    member's dues account and whether their card has been rendered (so that the card's
    announcement after the commit reads nothing)."""

    share_bp: dict[str, int]
    account: DuesAccount | None
    card_rendered: bool | None


def _read(line: Line, last: bool) -> _Read:
    chain = path_ids(line.path)
    wanted = [share_key(o) for o in chain]
    account_key = (keys.member_pk(line.member_id), keys.DUES_ACCOUNT_SK)
    if last:
        wanted += [account_key, card_due.card_key(line.member_id)]
    found = get_items(wanted)
    account = found.get(account_key)
    return _Read(
        shares_in(found, chain),
        account if isinstance(account, DuesAccount) else None,
        card_due.rendered(found, line.member_id) if last else None,
    )


def _member_effects(
    uow: UnitOfWork, order: DuesOrder, line: Line, paid_at: datetime, read: _Read, part: int = 0
) -> None:
    """What one part of a member's line writes (inside the caller's transaction): its months'
    PaidMonth items and their counters; the last part also the ledger, the collection counters,
    the bill unlocked with `paid_through`, and the card. Until that last part the bill stays
    locked and the months already written are not shown (`paid_months`): the member sees the
    whole payment land at once."""
    share_bp = read.share_bp
    member_pk = keys.member_pk(line.member_id)
    first = part * PART_MONTHS
    months, month_fen = line.months[first : first + PART_MONTHS], line.month_fen[first : first + PART_MONTHS]
    # 帮TA交 (DUES-5): a branch mate's order names who paid, and the months carry it to the card.
    mate = order.payer_kind == PayerKind.MEMBER and order.payer_id != line.member_id
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
                paid_by_member_id=order.payer_id if mate else None,
                paid_by_name=order.payer_name if mate else None,
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
    account = read.account
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
                f"{collected}#{timers.stamp(paid_at)}#{order.order_id}#{line.member_id}",
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
        card_due.changed(uow, line.member_id, read.card_rendered)


def _count(uow: UnitOfWork, org_id: str, shard: int, per_year: dict[int, list[Action]]) -> None:
    """One update per year's counter item (a transaction may touch an item only once)."""
    for year, actions in per_year.items():
        uow.update(
            DuesCounter(keys.dues_stat_pk(org_id), keys.dues_stat_sk(year, shard)),
            [DuesCounter.kind.set(DuesCounter), DuesCounter.org_id.set(org_id), DuesCounter.year.set(year), *actions],
            versioned=False,
        )


def count_years(uow: UnitOfWork, org_id: str, shard: int, per_year: dict[int, list[Action]]) -> None:
    """The same counter moves for a payment applied elsewhere (DUES-5's offline months)."""
    _count(uow, org_id, shard, per_year)


def _audit_org(order: DuesOrder, lines: Sequence[Line]) -> str:
    return order.payer_id if order.payer_kind == PayerKind.ORG else lines[0].branch_id


def settle(order: DuesOrder, transaction_id: str, paid_at: datetime, source: str) -> Decision:
    """The provider says the order is paid: apply it (once). Returns CREDITED, QUEUED (a
    many-member order, or a member's arrears longer than one part: PAID now, the members'
    parts from the queue), DUPLICATE or ANOMALY."""
    lines = lines_of(order)
    many = len(lines) > 1 or part_count(lines[0]) > 1
    uow = UnitOfWork(SYSTEM_ACTOR)
    actions: list[Action] = [
        DuesOrder.state.set(OrderState.PAID),
        DuesOrder.paid_at.set(paid_at),
        DuesOrder.transaction_id.set(transaction_id),
    ]
    if many:
        actions += [
            DuesOrder.members_left.set(len(lines)),
            DuesOrder.gsi2sk.set(f"{OpenList.APPLYING}#{timers.stamp(paid_at)}#{order.order_id}"),
        ]
    else:
        actions += [DuesOrder.gsi2pk.remove(), DuesOrder.gsi2sk.remove()]
    uow.update(order, actions, condition=DuesOrder.state == OrderState.PENDING, on_fail=LOST_RACE, versioned=False)
    timers.cancel(uow, timers.DUES_ORDER_EXPIRY, order.order_id)
    if many:
        uow.after_commit(
            f"dues:{order.order_id}", lambda: queue_parts(order.order_id, [(x.member_id, 0) for x in lines])
        )
    else:
        _member_effects(uow, order, lines[0], paid_at, _read(lines[0], last=True))
    uow.audit(
        "dues.order_paid",
        "DUES_ORDER",
        order.order_id,
        _audit_org(order, lines),
        before={"state": OrderState.PENDING},
        after={"state": OrderState.PAID, "amount_fen": order.amount_fen, "source": source},
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
            if current is not None and current.state != OrderState.PENDING:
                return settled_outcome(order.order_id, current, transaction_id, order.provider)
            record_anomaly(
                order.provider,
                AnomalyCode.APPLY_CONFLICT,
                "订单涉及的月份已缴或账单锁已变更，需人工核对",
                order.order_id,
                transaction_id,
                int(order.amount_fen),
            )
            return Decision.ANOMALY
        raise
    metrics.add_metric(name="DuesPaymentsApplied", unit="Count", value=1)
    metrics.add_metric(name="DuesAmountFen", unit="Count", value=order.amount_fen)
    logger.info("dues order paid", extra={"order_id": order.order_id, "source": source, "members": len(lines)})
    return Decision.QUEUED if many else Decision.CREDITED


def _already_settled(order_id: str, transaction_id: str, provider_name: str) -> Decision:
    """After a lost race: what the winner made of the order (read again: it changed)."""
    return settled_outcome(order_id, get_order(order_id), transaction_id, provider_name)


def settled_outcome(order_id: str, current: DuesOrder | None, transaction_id: str, provider_name: str) -> Decision:
    """A payment for an order no longer pending: the same transaction is a duplicate; another
    transaction, or a payment after the order closed, is recorded and alerted, never credited."""
    if current is not None and current.state == OrderState.PAID and current.transaction_id == transaction_id:
        return Decision.DUPLICATE
    if current is not None and current.state == OrderState.CLOSED:
        record_anomaly(
            provider_name,
            AnomalyCode.PAID_AFTER_CLOSE,
            "订单已关闭后收到支付成功通知，需退款或人工处理",
            order_id,
            transaction_id,
            int(current.amount_fen),
        )
    else:
        record_anomaly(
            provider_name, AnomalyCode.PAID_TWICE, "订单已由另一笔交易支付，需人工核对", order_id, transaction_id, None
        )
    return Decision.ANOMALY


def queue_parts(order_id: str, parts: Iterable[tuple[str, int]]) -> None:
    for member_id, part in parts:
        DUES.send(ApplyMember(order_id=order_id, member_id=member_id, part=part))


def part_marker_sk(line: Line, part: int) -> str:
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
    if order is None or order.state != OrderState.PAID or order.paid_at is None:
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
            part_marker_sk(line, part),
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
            part_marker_sk(line, part - 1),
            DuesOrderApplied.pk.exists(),
            on_fail=_OUT_OF_TURN,
        )
    _member_effects(uow, order, line, order.paid_at, _read(line, last), part)
    first = part * PART_MONTHS
    if last:
        uow.update(order, [DuesOrder.members_left.add(-1)], versioned=False)
    else:
        uow.after_commit(f"dues:{order_id}:{member_id}", lambda: queue_parts(order_id, [(member_id, part + 1)]))
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
        finish_if_done(order_id)
    return True


def finish_if_done(order_id: str) -> None:
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
