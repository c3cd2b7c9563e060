"""League dues (团费): the standard as data, retention shares, bills and orders (DUES-1, DUES-2).

A bill is what a member owes now: the months since admission (or since the last paid month),
each at the standard in force that month for the member's category. "Pay now" turns the whole
bill (plus an optional voluntary extra) into one order; an organisation may pay for a list of
its members in one order. While an order is open the members' bills are locked: the lock is
`DuesAccount.open_order_id`, taken by a conditional write that also names the last paid month
seen, so no second order can be made for the same months. The lock goes when the order is paid
(dues/payments.py), closed, or expires (a timer at the order's pay-by time, which asks
the provider before closing: a payment made in the last second is settled, not lost).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.expressions.update import Action

from zhtj.accounts.service import is_self
from zhtj.core import clock
from zhtj.core.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from zhtj.core.observability import logger, metrics
from zhtj.dues import rules as dues_rules
from zhtj.dues.models import DuesAccount, DuesOrder, DuesShare, DuesStandard
from zhtj.dues.owed import MEMBER_NOT_FOUND, get_member, last_paid_month, owed_for
from zhtj.integrations.payments import base as payments
from zhtj.members.models import Member
from zhtj.orgs.authz import authorize, get_org, within
from zhtj.orgs.models import Org
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.base import Item
from zhtj.table.unit_of_work import SYSTEM_ACTOR, Actor, UnitOfWork
from zhtj.timers import service as timers
from zhtj.timers.workdays import CHINA_TZ

PENDING, PAID, CLOSED = "PENDING", "PAID", "CLOSED"
PAYER_MEMBER, PAYER_ORG = "MEMBER", "ORG"
# The order may be paid for this long (the provider is told: WeChat time_expire, Alipay
# time_expire); the expiry timer fires a little later and asks the provider before closing.
ORDER_LIFETIME = timedelta(minutes=30)
EXPIRY_GRACE = timedelta(minutes=2)
# An organisation pays for at most this many members in one order (the lock of each member
# and the order itself are one transaction).
MAX_ORG_ORDER_MEMBERS = 50
MAX_EXTRA_FEN = 1_000_000  # 10,000 yuan: a typing error guard on the voluntary extra
DEFAULT_RETENTION_BP = 0  # an organisation without a set share passes everything down

NOT_SELF = ForbiddenError("NOT_SELF", "只能为本人缴纳团费", None)
BILL_LOCKED = ConflictError("BILL_LOCKED", "已有未完成的团费订单，请完成支付或等待订单关闭后再试", None)
NOTHING_OWED = ConflictError("NOTHING_OWED", "当前没有待缴团费", None)
ORDER_NOT_FOUND = NotFoundError("ORDER_NOT_FOUND", "订单不存在", "order_id")
ORDER_NOT_OPEN = ConflictError("ORDER_NOT_OPEN", "订单已支付或已关闭", "order_id")
LOST_RACE = ConflictError("DUES_RACE", "", None)


def notify_url(provider_name: str) -> str:
    """Where the provider sends notifications: the API's public address + the webhook path."""
    base = os.environ.get("ZHTJ_PUBLIC_API_URL", "http://localhost:8000").rstrip("/")
    return f"{base}/webhooks/{provider_name}"


def check_provider(name: str) -> str:
    if name not in payments.PROVIDERS:
        raise ValidationError("PROVIDER_UNKNOWN", "不支持的支付渠道", "provider")
    return name


# --- The standard (DUES-2): versions by date, edited by the province ------------------------------------


def standard_items() -> list[DuesStandard]:
    return [i for i in DuesStandard.query(keys.DUES_STANDARD_PK, consistent_read=True) if isinstance(i, DuesStandard)]


def versions() -> list[dues_rules.StandardVersion]:
    """The standard's versions. A table without any (a fresh deployment) is seeded first with
    the shipped ones, so the standard is always data the province can edit."""
    items = standard_items()
    if not items:
        seed_standards()
        items = standard_items()
    return [
        dues_rules.StandardVersion(i.valid_from, i.valid_until, dues_rules.parse_rules(json.loads(i.rules)))
        for i in items
    ]


def _standard_item(spec: dict[str, Any], by: str) -> DuesStandard:
    return DuesStandard(
        keys.DUES_STANDARD_PK,
        spec["valid_from"],
        valid_from=spec["valid_from"],
        valid_until=spec["valid_until"],
        name=spec["name"],
        document=spec["document"],
        rules=json.dumps(spec["rules"], sort_keys=True),
        updated_by=by,
        updated_at=clock.now(),
    )


def seed_standards() -> int:
    """Provisioning and the demo: the shipped versions (2016 and the one before), each written
    only if absent (the province's edits are never overwritten). Returns how many were written."""
    written = 0
    for spec in dues_rules.SEED_STANDARDS:
        uow = UnitOfWork(SYSTEM_ACTOR)
        uow.put(_standard_item(spec, "system"), condition=DuesStandard.pk.does_not_exist(), on_fail=LOST_RACE)
        uow.audit("dues.standard_seed", "DUES_STANDARD", spec["valid_from"], "province", after={"name": spec["name"]})
        try:
            uow.commit()
            written += 1
        except ConflictError as error:
            if error is not LOST_RACE:
                raise
    return written


def set_standard(
    principal: Principal, valid_from: str, name: str, document: str, rules: dict[str, Any]
) -> DuesStandard:
    """The province adds a version of the standard from a month on (DUES-2); the version in
    force before it ends there. A version with the same start month is replaced (the months it
    already billed keep their amounts: orders carry their own). Raises ValidationError."""
    operator = authorize(principal, "dues.standard_set", None)
    dues_rules.check_month(valid_from, "valid_from")
    dues_rules.parse_rules(rules)
    existing = {i.valid_from: i for i in standard_items()}
    later = sorted(m for m in existing if m > valid_from)
    spec = {
        "valid_from": valid_from,
        "valid_until": later[0] if later else None,
        "name": name.strip(),
        "document": document.strip(),
        "rules": rules,
    }
    item = _standard_item(spec, operator.account_id)
    uow = UnitOfWork(operator.actor)
    same = existing.get(valid_from)
    if same is not None:
        item.version = same.version
    uow.put(item)  # versioned: a concurrent edit of the same version fails STALE
    earlier = sorted(m for m in existing if m < valid_from)
    if earlier:
        previous = existing[earlier[-1]]
        uow.update(previous, [DuesStandard.valid_until.set(valid_from)])
    uow.audit(
        "dues.standard_set",
        "DUES_STANDARD",
        valid_from,
        operator.org.org_id,
        before=json.loads(same.rules) if same else None,
        after=rules,
    )
    uow.commit()
    return item


def list_standards(principal: Principal) -> list[DuesStandard]:
    """Every version, oldest first. Anyone signed in may read it: it is published policy."""
    versions()
    return sorted(standard_items(), key=lambda i: i.valid_from)


# --- Retention shares (留存比例) --------------------------------------------------------------------------


def shares(org_ids: Sequence[str]) -> dict[str, int]:
    """Retention share of each organisation (basis points), one batch read."""
    found = {
        i.org_id: int(i.retention_bp)
        for i in DuesShare.batch_get([(keys.org_pk(o), keys.DUES_SHARE_SK) for o in org_ids])
        if isinstance(i, DuesShare)
    }
    return {o: found.get(o, DEFAULT_RETENTION_BP) for o in org_ids}


def set_share(principal: Principal, org_id: str, retention_bp: int) -> DuesShare:
    """The organisation above sets how much of the dues reaching an organisation it keeps
    (0-100 %, in basis points); the province, which has no organisation above it in the
    system, sets its own (as it sets the standard). Raises ValidationError, ForbiddenError."""
    org = get_org(org_id)
    if org.parent_id is None:
        operator = authorize(principal, "dues.standard_set", None)
    else:
        operator = authorize(principal, "dues.share_set", org)
    if not 0 <= retention_bp <= dues_rules.FULL_BP:
        raise ValidationError("RETENTION_RANGE", "留存比例应在0～100%之间", "retention_percent")
    before = shares([org_id])[org_id]
    item = DuesShare(
        keys.org_pk(org_id),
        keys.DUES_SHARE_SK,
        org_id=org_id,
        retention_bp=retention_bp,
        set_by=operator.account_id,
        set_at=clock.now(),
    )
    uow = UnitOfWork(operator.actor)
    uow.put(item)
    uow.audit(
        "dues.share_set", "ORG", org_id, org_id, before={"retention_bp": before}, after={"retention_bp": retention_bp}
    )
    uow.commit()
    return item


def read_share(principal: Principal, org_id: str) -> int:
    authorize(principal, "dues.read", get_org(org_id))
    return shares([org_id])[org_id]


# --- Bills -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bill:
    member_id: str
    category: str
    paid_through: str | None
    months: list[str]
    month_fen: list[int]
    open_order_id: str | None
    # The account's own `paid_through` as read: the bill lock is conditioned on it.
    seen_paid_through: str | None = None

    @property
    def total_fen(self) -> int:
        return sum(self.month_fen)


def members_with_accounts(member_ids: Sequence[str]) -> dict[str, tuple[Member, DuesAccount | None]]:
    """Members and their dues accounts (same partition), consistent, in batch reads (one for
    up to 50 members) rather than two reads per member. Raises NotFoundError for a missing member."""
    wanted = [(keys.member_pk(m), sk) for m in member_ids for sk in (keys.META, keys.DUES_ACCOUNT_SK)]
    members: dict[str, Member] = {}
    accounts: dict[str, DuesAccount] = {}
    for item in Item.batch_get(wanted, consistent_read=True):
        if isinstance(item, Member):
            members[item.member_id] = item
        elif isinstance(item, DuesAccount):
            accounts[item.member_id] = item
    if any(m not in members for m in member_ids):
        raise MEMBER_NOT_FOUND
    return {m: (members[m], accounts.get(m)) for m in member_ids}


def account_of(member_id: str) -> DuesAccount | None:
    try:
        return DuesAccount.get(keys.member_pk(member_id), keys.DUES_ACCOUNT_SK, consistent_read=True)
    except DuesAccount.DoesNotExist:
        return None


def china_today() -> date:
    return clock.now().astimezone(CHINA_TZ).date()


def bill_for(
    member: Member, account: DuesAccount | None, today: date, standard: list[dues_rules.StandardVersion]
) -> Bill:
    seen = account.paid_through if account is not None else None
    # Paid months written outside an order (migrated records) count too: the later of the two.
    newest = last_paid_month(member.member_id)
    paid_through = max((m for m in (seen, newest) if m is not None), default=None)
    months = owed_for(member, paid_through, today)
    category = dues_rules.category_of(member.income_band, member.occupation)
    income = int(account.declared_income_fen) if account and account.declared_income_fen is not None else None
    return Bill(
        member_id=member.member_id,
        category=category,
        paid_through=paid_through,
        months=months,
        month_fen=dues_rules.month_amounts(standard, months, category, income),
        open_order_id=account.open_order_id if account is not None else None,
        seen_paid_through=seen,
    )


def readable_member(principal: Principal, member_id: str) -> Member:
    """The member themself, or an operator above the member's branch. Raises ForbiddenError."""
    member = get_member(member_id)
    if not is_self(principal, member_id):
        authorize(principal, "dues.read", get_org(member.branch_id))
    return member


def bill(principal: Principal, member_id: str) -> Bill:
    member = readable_member(principal, member_id)
    return bill_for(member, account_of(member_id), china_today(), versions())


# --- Orders ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """What an order pays for one member: months, each month's dues, and the member's total
    (the months plus the voluntary extra, for the member's own order)."""

    member_id: str
    branch_id: str
    path: str
    months: list[str]
    month_fen: list[int]
    amount_fen: int

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def lines_of(order: DuesOrder) -> list[Line]:
    return [Line(**raw) for raw in json.loads(order.lines)]


def open_shard(order_id: str) -> int:
    return timers.shard_of(order_id) % keys.DUES_OPEN_SHARDS


def get_order(order_id: str) -> DuesOrder | None:
    try:
        return DuesOrder.get(keys.dues_order_pk(order_id), keys.META, consistent_read=True)
    except DuesOrder.DoesNotExist:
        return None


def lock_actions(member_id: str, order_id: str, at: datetime) -> list[Action]:
    return [
        DuesAccount.kind.set(DuesAccount),  # the update may create the item: name its kind
        DuesAccount.member_id.set(member_id),
        DuesAccount.open_order_id.set(order_id),
        DuesAccount.locked_at.set(at),
    ]


def _lock(uow: UnitOfWork, bill: Bill, order_id: str, at: datetime) -> None:
    """The bill lock: no open order, and the last paid month still the one the bill was made from."""
    seen = (
        DuesAccount.paid_through.does_not_exist()
        if bill.seen_paid_through is None
        else (DuesAccount.paid_through == bill.seen_paid_through)
    )
    uow.update(
        DuesAccount(keys.member_pk(bill.member_id), keys.DUES_ACCOUNT_SK),
        lock_actions(bill.member_id, order_id, at),
        condition=DuesAccount.open_order_id.does_not_exist() & seen,
        on_fail=BILL_LOCKED,
        versioned=False,
    )


def _create_order(
    actor: Actor,
    audit_org_id: str,
    payer: tuple[str, str],
    members: list[tuple[Member, Bill]],
    extra_fen: int,
    provider_name: str,
) -> tuple[DuesOrder, dict[str, Any]]:
    now = clock.now()
    order_id = clock.new_id("d")
    lines: list[Line] = []
    for index, (member, member_bill) in enumerate(members):
        months, fen = member_bill.months, member_bill.month_fen
        extra = extra_fen if index == 0 else 0
        lines.append(Line(member.member_id, member.branch_id, "", months, fen, sum(fen) + extra))
    amount = sum(line.amount_fen for line in lines)
    if amount <= 0:
        raise NOTHING_OWED
    branches = {o.org_id: o.path for o in _orgs({line.branch_id for line in lines})}
    lines = [Line(**{**line.to_json(), "path": branches[line.branch_id]}) for line in lines]
    pay_by = now + ORDER_LIFETIME
    shard = open_shard(order_id)
    order = DuesOrder(
        keys.dues_order_pk(order_id),
        keys.META,
        gsi1pk=keys.dues_payer_pk(*payer),
        gsi1sk=f"{timers.stamp(now)}#{order_id}",
        gsi2pk=keys.dues_open_pk(shard),
        gsi2sk=f"{PENDING}#{timers.stamp(now)}#{order_id}",
        order_id=order_id,
        provider=provider_name,
        state=PENDING,
        payer_kind=payer[0],
        payer_id=payer[1],
        amount_fen=amount,
        extra_fen=extra_fen,
        lines=json.dumps([line.to_json() for line in lines], ensure_ascii=False),
        member_count=len(lines),
        members_left=0,
        created_by=actor.account_id,
        created_at=now,
        pay_by=pay_by,
    )
    uow = UnitOfWork(actor)
    uow.put(order, condition=DuesOrder.pk.does_not_exist())
    for _, member_bill in members:
        _lock(uow, member_bill, order_id, now)
    timers.schedule(uow, timers.DUES_ORDER_EXPIRY, order_id, pay_by + EXPIRY_GRACE)
    uow.audit(
        "dues.order_create",
        "DUES_ORDER",
        order_id,
        audit_org_id,
        after={"amount_fen": amount, "members": [line.member_id for line in lines], "provider": provider_name},
    )
    uow.commit()
    metrics.add_metric(name="DuesOrdersCreated", unit="Count", value=1)
    request = payments.provider(provider_name).order_request(
        order_id, amount, "团费", notify_url(provider_name), pay_by
    )
    return order, request


def _orgs(org_ids: set[str]) -> list[Org]:
    return [o for o in Org.batch_get([(keys.org_pk(i), keys.META) for i in org_ids]) if isinstance(o, Org)]


def pay_now(
    principal: Principal, member_id: str, provider_name: str, extra_fen: int = 0
) -> tuple[DuesOrder, dict[str, Any]]:
    """The member pays the whole bill (all arrears, however many months) plus an optional
    voluntary extra, in one order. Returns the order and the provider's order-creation
    request. Raises ForbiddenError NOT_SELF, ConflictError BILL_LOCKED/NOTHING_OWED."""
    check_provider(provider_name)
    if not is_self(principal, member_id):
        raise NOT_SELF
    if not 0 <= extra_fen <= MAX_EXTRA_FEN:
        raise ValidationError("EXTRA_RANGE", "自愿多缴金额应在0～10000元之间", "extra_fen")
    member, account = members_with_accounts([member_id])[member_id]
    if account is not None and account.open_order_id:
        raise BILL_LOCKED
    member_bill = bill_for(member, account, china_today(), versions())
    actor = Actor(account_id=principal.account_id, org_id=None)
    return _create_order(
        actor, member.branch_id, (PAYER_MEMBER, member_id), [(member, member_bill)], extra_fen, provider_name
    )


def pay_for_members(
    principal: Principal, org_id: str, member_ids: list[str], provider_name: str
) -> tuple[DuesOrder, dict[str, Any]]:
    """An organisation pays the bills of a list of its members in one order (代缴). Members
    with nothing owed are refused by name, as are members outside the organisation's subtree.
    Raises ValidationError, ForbiddenError, ConflictError BILL_LOCKED."""
    check_provider(provider_name)
    org = get_org(org_id)
    operator = authorize(principal, "dues.pay_for_members", org)
    unique = list(dict.fromkeys(member_ids))
    if not 1 <= len(unique) <= MAX_ORG_ORDER_MEMBERS:
        raise ValidationError("MEMBER_COUNT", f"每笔代缴订单包含1～{MAX_ORG_ORDER_MEMBERS}名团员", "member_ids")
    today, standard = china_today(), versions()
    members: list[tuple[Member, Bill]] = []
    held = members_with_accounts(unique)
    branches = {o.org_id: o for o in _orgs({member.branch_id for member, _ in held.values()})}
    for member_id in unique:
        member, account = held[member_id]
        branch = branches.get(member.branch_id)
        if branch is None or not within(org, branch):
            raise ForbiddenError("OUT_OF_SCOPE", f"团员{member.name}不在本组织范围内", "member_ids")
        if account is not None and account.open_order_id:
            raise ConflictError("BILL_LOCKED", f"团员{member.name}已有未完成的团费订单", "member_ids")
        member_bill = bill_for(member, account, today, standard)
        if not member_bill.months:
            raise ConflictError("NOTHING_OWED", f"团员{member.name}当前没有待缴团费", "member_ids")
        members.append((member, member_bill))
    return _create_order(operator.actor, org_id, (PAYER_ORG, org_id), members, 0, provider_name)


# --- Closing (cancel, expiry, the provider's CLOSED) ----------------------------------------------------


def unlock_action_condition(order_id: str) -> tuple[list[Action], Any]:
    return (
        [DuesAccount.open_order_id.remove(), DuesAccount.locked_at.remove()],
        DuesAccount.open_order_id == order_id,
    )


def close(order: DuesOrder, reason: str, actor: Actor = SYSTEM_ACTOR) -> bool:
    """PENDING -> CLOSED and every member's bill unlocked, in one transaction. False if the
    order was no longer pending (paid or closed meanwhile: whoever won did the work)."""
    uow = UnitOfWork(actor)
    now = clock.now()
    uow.update(
        order,
        [
            DuesOrder.state.set(CLOSED),
            DuesOrder.closed_at.set(now),
            DuesOrder.close_reason.set(reason),
            DuesOrder.gsi2pk.remove(),
            DuesOrder.gsi2sk.remove(),
        ],
        condition=DuesOrder.state == PENDING,
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
    org_id = order.payer_id if order.payer_kind == PAYER_ORG else lines_of(order)[0].branch_id
    uow.audit(
        "dues.order_close",
        "DUES_ORDER",
        order.order_id,
        org_id,
        before={"state": PENDING},
        after={"state": CLOSED, "reason": reason},
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
    from zhtj.dues import payments as dues_payments

    order = get_order(order_id)
    if order is None:
        raise ORDER_NOT_FOUND
    if order.payer_kind == PAYER_MEMBER:
        if not is_self(principal, order.payer_id):
            raise NOT_SELF
        actor = Actor(account_id=principal.account_id, org_id=None)
    else:
        actor = authorize(principal, "dues.pay_for_members", get_org(order.payer_id)).actor
    if order.state != PENDING:
        raise ORDER_NOT_OPEN
    dues_payments.settle_or_close(order, "CANCELLED", actor)
    return get_order(order_id) or order


def expire(order_id: str) -> None:
    """The expiry timer: an order still pending after its pay-by time is settled if the
    provider says it was paid, else closed. Idempotent (a second firing finds it settled)."""
    from zhtj.dues import payments as dues_payments

    order = get_order(order_id)
    if order is None or order.state != PENDING:
        uow = UnitOfWork(SYSTEM_ACTOR)
        timers.cancel(uow, timers.DUES_ORDER_EXPIRY, order_id)
        uow.commit()
        return
    dues_payments.settle_or_close(order, "EXPIRED", SYSTEM_ACTOR)


# --- Reads ------------------------------------------------------------------------------------------------


def payer_orders(payer_kind: str, payer_id: str, cursor: str | None, limit: int) -> tuple[list[DuesOrder], str | None]:
    items, next_cursor = paging.query_page(
        DuesOrder.by_gsi1.query,
        keys.dues_payer_pk(payer_kind, payer_id),
        limit=limit,
        cursor=cursor,
        scan_index_forward=False,
    )
    return [i for i in items if isinstance(i, DuesOrder)], next_cursor


def member_orders(
    principal: Principal, member_id: str, cursor: str | None, limit: int
) -> tuple[list[DuesOrder], str | None]:
    readable_member(principal, member_id)
    return payer_orders(PAYER_MEMBER, member_id, cursor, limit)


def org_orders(principal: Principal, org_id: str, cursor: str | None, limit: int) -> tuple[list[DuesOrder], str | None]:
    authorize(principal, "dues.read", get_org(org_id))
    return payer_orders(PAYER_ORG, org_id, cursor, limit)


def read_order(principal: Principal, order_id: str) -> DuesOrder:
    order = get_order(order_id)
    if order is None:
        raise ORDER_NOT_FOUND
    if order.payer_kind == PAYER_MEMBER:
        readable_member(principal, order.payer_id)
    else:
        authorize(principal, "dues.read", get_org(order.payer_id))
    return order


def declare_income(principal: Principal, member_id: str, income_fen: int | None) -> DuesAccount:
    """The member declares their after-tax monthly income for the 2‰ band (FROM_2000); bills
    made afterwards use it. Refused while an order is open (the bill is locked)."""
    if not is_self(principal, member_id):
        raise NOT_SELF
    if income_fen is not None and not 0 <= income_fen <= 100_000_000:
        raise ValidationError("INCOME_RANGE", "月收入金额无效", "income_fen")
    member = get_member(member_id)
    uow = UnitOfWork(Actor(account_id=principal.account_id, org_id=None))
    actions: list[Action] = [DuesAccount.kind.set(DuesAccount), DuesAccount.member_id.set(member_id)]
    actions.append(
        DuesAccount.declared_income_fen.set(income_fen)
        if income_fen is not None
        else DuesAccount.declared_income_fen.remove()
    )
    uow.update(
        DuesAccount(keys.member_pk(member_id), keys.DUES_ACCOUNT_SK),
        actions,
        condition=DuesAccount.open_order_id.does_not_exist(),
        on_fail=BILL_LOCKED,
        versioned=False,
    )
    uow.audit("dues.declare_income", "MEMBER", member_id, member.branch_id, after={"declared": income_fen is not None})
    uow.commit()
    account = account_of(member_id)
    assert account is not None
    return account
