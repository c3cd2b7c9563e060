"""Dues orders (DUES-1): "pay now" and paying for members make an order; its lines, its lock
on the members' bills, the order reads, and the payer's checkout on a phone (WEB-1: WeChat
Pay JSAPI or H5, Alipay's mobile website; built by zhtj.integrations.payments.checkout). A JSAPI
payment is made for the openid kept on the payer's account (zhtj.accounts.wechat): the members'
app binds it once, on entering the app inside WeChat.

"Pay now" turns the whole bill (plus an optional voluntary extra) into one order; an
organisation may pay for a list of its members in one order. The order and the lock of each
member's bill (`DuesAccount.open_order_id`, conditioned on the last paid month seen, so no
second order can be made for the same months) are one transaction, with the expiry timer at the
order's pay-by time. The lock goes when the order is paid (dues/applying.py), closed, or expires
(dues/closing.py: the provider is asked before closing, so a payment made in the last second is
settled, not lost).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import msgspec
from msgspec.structs import replace
from pynamodb.expressions.update import Action

from zhtj.accounts import wechat as account_wechat
from zhtj.accounts.reads import get_account, is_self
from zhtj.core import clock
from zhtj.core.app_pages import is_app_page
from zhtj.core.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from zhtj.core.observability import logger, metrics
from zhtj.core.settings import dues_public_api_url, jsapi_stand_in
from zhtj.dues.bills import (
    BILL_LOCKED,
    NOT_SELF,
    Bill,
    bill_for,
    china_today,
    members_with_accounts,
    readable_member,
)
from zhtj.dues.models import DuesAccount, DuesOrder
from zhtj.dues.rules import OpenList, OrderState, PayerKind
from zhtj.dues.standard import versions
from zhtj.integrations.payments import checkout as mobile
from zhtj.integrations.payments.base import PROVIDERS, PaymentError
from zhtj.integrations.payments.config import provider
from zhtj.members.models import Member
from zhtj.members.rules import MemberState
from zhtj.orgs.authz import authorize, get_org, within
from zhtj.orgs.models import Org
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.unit_of_work import Actor, UnitOfWork
from zhtj.timers import service as timers

# The order may be paid for this long (the provider is told: WeChat time_expire, Alipay
# time_expire); the expiry timer fires a little later and asks the provider before closing.
ORDER_LIFETIME = timedelta(minutes=30)
EXPIRY_GRACE = timedelta(minutes=2)
# An organisation pays for at most this many members in one order (the lock of each member
# and the order itself are one transaction).
MAX_ORG_ORDER_MEMBERS = 50
MAX_EXTRA_FEN = 1_000_000  # 10,000 yuan: a typing error guard on the voluntary extra

NOTHING_OWED = ConflictError("NOTHING_OWED", "当前没有待缴团费", None)
ORDER_NOT_FOUND = NotFoundError("ORDER_NOT_FOUND", "订单不存在", "order_id")
ORDER_NOT_OPEN = ConflictError("ORDER_NOT_OPEN", "订单已支付或已关闭", "order_id")
LOST_RACE = ConflictError("DUES_RACE", "", None)


def notify_url(provider_name: str) -> str:
    """Where the provider sends notifications: the API's public address + the webhook path."""
    base = dues_public_api_url().rstrip("/")
    return f"{base}/webhooks/{provider_name}"


def check_provider(name: str) -> str:
    if name not in PROVIDERS:
        raise ValidationError("PROVIDER_UNKNOWN", "不支持的支付渠道", "provider")
    return name


class Line(msgspec.Struct, frozen=True):
    """What an order pays for one member: months, each month's dues, and the member's total
    (the months plus the voluntary extra, for the member's own order)."""

    member_id: str
    branch_id: str
    path: str
    months: list[str]
    month_fen: list[int]
    amount_fen: int

    def to_json(self) -> dict[str, Any]:
        return msgspec.structs.asdict(self)


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


def unlock_action_condition(order_id: str) -> tuple[list[Action], Any]:
    return (
        [DuesAccount.open_order_id.remove(), DuesAccount.locked_at.remove()],
        DuesAccount.open_order_id == order_id,
    )


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
    payer: tuple[PayerKind, str],
    members: list[tuple[Member, Bill]],
    extra_fen: int,
    provider_name: str,
    payer_name: str | None = None,
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
        gsi2sk=f"{OpenList.PENDING}#{timers.stamp(now)}#{order_id}",
        order_id=order_id,
        provider=provider_name,
        state=OrderState.PENDING,
        payer_kind=payer[0],
        payer_id=payer[1],
        payer_name=payer_name,
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
        after={
            "amount_fen": amount,
            "members": [line.member_id for line in lines],
            "provider": provider_name,
            **({"paid_by": payer[1]} if payer_name is not None else {}),
        },
    )
    uow.commit()
    metrics.add_metric(name="DuesOrdersCreated", unit="Count", value=1)
    request = provider(provider_name).order_request(order_id, amount, "团费", notify_url(provider_name), pay_by)
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
        actor, member.branch_id, (PayerKind.MEMBER, member_id), [(member, member_bill)], extra_fen, provider_name
    )


NOT_SAME_BRANCH = ForbiddenError("NOT_SAME_BRANCH", "只能为同一团支部的团员交纳团费", "member_id")


def pay_for_mate(principal: Principal, member_id: str, provider_name: str) -> tuple[DuesOrder, dict[str, Any]]:
    """帮TA交 (DUES-5): a member, from their own session, pays the whole bill of a member of the
    same branch. The order names the payer (payer MEMBER, `payer_name`) and the member (its one
    line); the provider's notification is applied as any order's, crediting the line's member
    once, and the paid months carry who paid (the card shows it). Raises ForbiddenError
    NOT_SELF/NOT_SAME_BRANCH, ValidationError, ConflictError BILL_LOCKED/NOTHING_OWED."""
    check_provider(provider_name)
    payer_id = get_account(principal.account_id).member_id if principal.acting_org_id is None else None
    if payer_id is None:
        raise NOT_SELF
    if payer_id == member_id:
        raise ValidationError("MATE_IS_SELF", "为本人交纳请使用“立即交纳”", "member_id")
    held = members_with_accounts([payer_id, member_id])
    payer, _ = held[payer_id]
    member, account = held[member_id]
    if payer.branch_id != member.branch_id or payer.state != MemberState.NORMAL:
        raise NOT_SAME_BRANCH
    if account is not None and account.open_order_id:
        raise BILL_LOCKED
    member_bill = bill_for(member, account, china_today(), versions())
    if not member_bill.months:
        raise NOTHING_OWED
    actor = Actor(account_id=principal.account_id, org_id=None)
    return _create_order(
        actor, member.branch_id, (PayerKind.MEMBER, payer_id), [(member, member_bill)], 0, provider_name, payer.name
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
    return _create_order(operator.actor, org_id, (PayerKind.ORG, org_id), members, 0, provider_name)


def payer_orders(
    payer_kind: PayerKind, payer_id: str, cursor: str | None, limit: int
) -> tuple[list[DuesOrder], str | None]:
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
    return payer_orders(PayerKind.MEMBER, member_id, cursor, limit)


def org_orders(principal: Principal, org_id: str, cursor: str | None, limit: int) -> tuple[list[DuesOrder], str | None]:
    authorize(principal, "dues.read", get_org(org_id))
    return payer_orders(PayerKind.ORG, org_id, cursor, limit)


def read_order(principal: Principal, order_id: str) -> DuesOrder:
    order = get_order(order_id)
    if order is None:
        raise ORDER_NOT_FOUND
    if order.payer_kind == PayerKind.MEMBER:
        readable_member(principal, order.payer_id)
    else:
        authorize(principal, "dues.read", get_org(order.payer_id))
    return order


# --- The payer's checkout on a phone (WEB-1) ------------------------------------------------------

RETURN_URL_REFUSED = ValidationError(
    "RETURN_URL_NOT_ALLOWED", "支付完成后的返回地址必须是本系统团员端的页面", "return_url"
)
WECHAT_NOT_BOUND = ConflictError(
    "WECHAT_NOT_BOUND", "尚未取得您的微信授权，请在微信内重新打开团员端后再支付", "channel"
)
CHANNEL_UNKNOWN = ValidationError("CHANNEL_UNKNOWN", "不支持的支付方式", "channel")
CHANNEL_NOT_ORDERS = ValidationError("CHANNEL_PROVIDER_MISMATCH", "该订单只能用下单时选择的支付渠道支付", "channel")
CHANNEL_UNAVAILABLE = ConflictError(
    "PAYMENT_CHANNEL_UNAVAILABLE", "支付渠道暂时不可用，请稍后重试或取消订单", "channel"
)


def check_return_url(url: str) -> str:
    """The page a payment sends the browser back to: one of the app's own pages
    (zhtj.core.app_pages), nothing else (an open redirect)."""
    if not is_app_page(url):
        raise RETURN_URL_REFUSED
    return url


def check_mobile(principal: Principal, channel: str, payer: mobile.Payer) -> tuple[str, mobile.Payer]:
    """The provider of a mobile channel and its complete payer: inside WeChat (JSAPI) the openid
    bound to the caller's account. Raises ValidationError, ConflictError WECHAT_NOT_BOUND."""
    name = mobile.CHANNELS.get(channel)
    if name is None:
        raise CHANNEL_UNKNOWN
    check_return_url(payer.return_url)
    if channel == "wechat_jsapi":
        openid = account_wechat.openid_of(principal.account_id)
        if not openid:
            raise WECHAT_NOT_BOUND
        payer = replace(payer, openid=openid)
    return name, payer


def _checkout(order: DuesOrder, channel: str, payer: mobile.Payer) -> mobile.Checkout:
    request = mobile.Order(order.order_id, int(order.amount_fen), "团费", notify_url(order.provider), order.pay_by)
    try:
        return mobile.start(channel, request, payer, jsapi_stand_in())
    except PaymentError as error:
        logger.warning("mobile checkout failed", extra={"order_id": order.order_id, "code": error.code})
        raise CHANNEL_UNAVAILABLE from error


def pay_now_mobile(
    principal: Principal, member_id: str, channel: str, payer: mobile.Payer, extra_fen: int = 0
) -> tuple[DuesOrder, mobile.Checkout]:
    """`pay_now` paid on the phone: the order, then its checkout in the channel. A checkout the
    provider refuses leaves the order open (ConflictError PAYMENT_CHANNEL_UNAVAILABLE): the app
    opens it again (`open_checkout`) or cancels it."""
    name, payer = check_mobile(principal, channel, payer)
    order, _ = pay_now(principal, member_id, name, extra_fen)
    return order, _checkout(order, channel, payer)


def pay_for_mate_mobile(
    principal: Principal, member_id: str, channel: str, payer: mobile.Payer
) -> tuple[DuesOrder, mobile.Checkout]:
    """帮TA交 (DUES-5) paid on the phone, as `pay_now_mobile`."""
    name, payer = check_mobile(principal, channel, payer)
    order, _ = pay_for_mate(principal, member_id, name)
    return order, _checkout(order, channel, payer)


def open_checkout(
    principal: Principal, order_id: str, channel: str, payer: mobile.Payer
) -> tuple[DuesOrder, mobile.Checkout]:
    """The checkout of the caller's own open order again (back from the cashier without paying,
    or after PAYMENT_CHANNEL_UNAVAILABLE), in a channel of the order's provider. Raises
    NotFoundError, ForbiddenError NOT_SELF, ConflictError ORDER_NOT_OPEN, ValidationError."""
    name, payer = check_mobile(principal, channel, payer)
    order = get_order(order_id)
    if order is None:
        raise ORDER_NOT_FOUND
    if order.payer_kind != PayerKind.MEMBER or not is_self(principal, order.payer_id):
        raise NOT_SELF
    if order.state != OrderState.PENDING or order.pay_by <= clock.now():
        raise ORDER_NOT_OPEN
    if name != order.provider:
        raise CHANNEL_NOT_ORDERS
    return order, _checkout(order, channel, payer)
