"""Routes of league dues (团费): bills, orders, collection statistics, retention shares and the
standard. The payment providers' side (notifications, reconciliation, anomalies) is in
providers.py. Thin: parse, call logic, shape."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib.dues.schemas import CheckoutIn, OrderOut, OrgPayIn, PayIn, PayOut, paid
from chalicelib.dues.schemas import order_out as _order
from chalicelib.http import PageQuery, api, current_request, source_ip
from chalicelib.schemas import Body, Page
from zhtj.dues import bills as dues_bills
from zhtj.dues import closing as dues_closing
from zhtj.dues import ledger as dues_ledger
from zhtj.dues import orders as dues_orders
from zhtj.dues import standard as dues_standard
from zhtj.dues.bills import Bill
from zhtj.dues.models import DuesOrder, DuesStandard, LedgerEntry, PaidMonth
from zhtj.integrations.payments.checkout import Payer
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "团费"


# --- Shapes -----------------------------------------------------------------------------------------


class BillMonth(BaseModel):
    month: str
    amount_fen: int


class BillOut(BaseModel):
    member_id: str
    category: str
    paid_through: str | None
    months: list[BillMonth]
    total_fen: int
    locked: bool = Field(description="有未完成订单时账单锁定")
    open_order_id: str | None


class IncomeIn(Body):
    income_fen: int | None = Field(default=None, ge=0, le=100_000_000, description="税后月收入（分），用于2‰档")


class IncomeOut(BaseModel):
    member_id: str
    declared: bool


class PaidMonthOut(BaseModel):
    month: str
    amount_fen: int
    order_id: str
    paid_at: datetime
    provider: str
    offline: bool = Field(default=False, description="线下交纳（DUES-5，由团支部登记）")
    paid_by_name: str | None = Field(default=None, description="帮TA交：代交的同支部团员")


class ShareIn(Body):
    retention_percent: Decimal = Field(ge=0, le=100, decimal_places=2, description="留存比例（%），最多两位小数")


class ShareOut(BaseModel):
    org_id: str
    retention_percent: Decimal


class MonthStatsOut(BaseModel):
    month: str
    paid_members: int = Field(description="该月团费已缴人数（不论何时缴纳）")
    unpaid_members: int | None = Field(description="该月未缴人数（现有团员数减已缴人数）")
    paid_fen: int
    collected_members: int = Field(description="当月交纳人数（当月付款的团员，不论所缴月份）")
    collected_fen: int = Field(description="当月到账金额（含补缴与自愿多缴）")
    kept_fen: int = Field(description="本组织留存")


class StatisticsOut(BaseModel):
    org_id: str
    year: int
    members_now: int | None = Field(description="下辖现有团员数（统计计数）")
    months: list[MonthStatsOut]


class YearQuery(BaseModel):
    year: int = Field(ge=2000, le=2100)


class MonthQuery(PageQuery):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


class LedgerOut(BaseModel):
    org_id: str
    order_id: str
    member_id: str
    collected_month: str
    received_fen: int
    kept_fen: int
    passed_fen: int
    retention_bp: int
    at: datetime


class LapsingOut(BaseModel):
    member_id: str
    name: str
    unpaid_months: int
    first_unpaid: str


class StandardIn(Body):
    valid_from: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    name: str = Field(min_length=1, max_length=60)
    document: str = Field(min_length=1, max_length=120)
    rules: dict[str, dict[str, int]]


class StandardOut(BaseModel):
    valid_from: str
    valid_until: str | None
    name: str
    document: str
    rules: dict[str, dict[str, int]]
    updated_by: str
    updated_at: datetime


def _bill(bill: Bill) -> BillOut:
    return BillOut(
        member_id=bill.member_id,
        category=bill.category,
        paid_through=bill.paid_through,
        months=[BillMonth(month=m, amount_fen=f) for m, f in zip(bill.months, bill.month_fen, strict=True)],
        total_fen=bill.total_fen,
        locked=bill.open_order_id is not None,
        open_order_id=bill.open_order_id,
    )


def _orders(found: tuple[list[DuesOrder], str | None]) -> Page[OrderOut]:
    return Page[OrderOut](items=[_order(o) for o in found[0]], next_cursor=found[1])


def _standard(item: DuesStandard) -> StandardOut:
    return StandardOut(
        valid_from=item.valid_from,
        valid_until=item.valid_until,
        name=item.name,
        document=item.document,
        rules=json.loads(item.rules),
        updated_by=item.updated_by,
        updated_at=item.updated_at,
    )


def _percent(bp: int) -> Decimal:
    return (Decimal(bp) / 100).quantize(Decimal("0.01"))


# --- The member ---------------------------------------------------------------------------------------


@api(bp, "/members/{member_id}/dues/bill", "GET", summary="团费账单（待缴月份与金额）", response=BillOut, tag=TAG)
def member_bill(member_id: str, principal: Principal) -> BaseModel:
    return _bill(dues_bills.bill(principal, member_id))


@api(
    bp,
    "/members/{member_id}/dues/pay",
    "POST",
    summary="立即缴纳（全部欠缴月份一个订单，可自愿多缴）",
    body=PayIn,
    response=PayOut,
    status=201,
    tag=TAG,
)
def pay_now(member_id: str, principal: Principal, body: PayIn) -> BaseModel:
    if body.channel is not None:
        payer = body.payer(source_ip(current_request()))
        return paid(*dues_orders.pay_now_mobile(principal, member_id, body.channel, payer, body.extra_fen))
    order, request = dues_orders.pay_now(principal, member_id, body.provider or "", body.extra_fen)
    return PayOut(order=_order(order), provider_request=request)


@api(
    bp,
    "/members/{member_id}/dues/income",
    "PUT",
    summary="申报税后月收入（2000元及以上按2‰）",
    body=IncomeIn,
    response=IncomeOut,
    tag=TAG,
)
def declare_income(member_id: str, principal: Principal, body: IncomeIn) -> BaseModel:
    account = dues_bills.declare_income(principal, member_id, body.income_fen)
    return IncomeOut(member_id=member_id, declared=account.declared_income_fen is not None)


@api(
    bp,
    "/members/{member_id}/dues/orders",
    "GET",
    summary="团员的缴费订单",
    query=PageQuery,
    response=Page[OrderOut],
    tag=TAG,
)
def member_orders(member_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    return _orders(dues_orders.member_orders(principal, member_id, query.cursor, query.limit))


@api(
    bp,
    "/members/{member_id}/dues/paid-months",
    "GET",
    summary="已缴月份（团员证显示）",
    response=list[PaidMonthOut],
    tag=TAG,
)
def paid_months(member_id: str, principal: Principal) -> list[BaseModel]:
    dues_bills.readable_member(principal, member_id)
    return [_paid(p) for p in dues_ledger.paid_months(member_id)]


def _paid(item: PaidMonth) -> PaidMonthOut:
    return PaidMonthOut(
        month=item.month,
        amount_fen=int(item.amount_fen),
        order_id=item.order_id,
        paid_at=item.paid_at,
        provider=item.provider,
        offline=bool(item.offline),
        paid_by_name=item.paid_by_name,
    )


@api(bp, "/dues/orders/{order_id}", "GET", summary="订单详情", response=OrderOut, tag=TAG)
def read_order(order_id: str, principal: Principal) -> BaseModel:
    return _order(dues_orders.read_order(principal, order_id))


@api(
    bp,
    "/dues/orders/{order_id}/checkout",
    "POST",
    summary="在手机上支付本人未支付的订单（微信内JSAPI、微信H5、支付宝手机网站）",
    body=CheckoutIn,
    response=PayOut,
    tag=TAG,
)
def open_checkout(order_id: str, principal: Principal, body: CheckoutIn) -> BaseModel:
    payer = Payer(return_url=body.return_url, client_ip=source_ip(current_request()))
    return paid(*dues_orders.open_checkout(principal, order_id, body.channel, payer))


@api(
    bp,
    "/dues/orders/{order_id}/cancel",
    "POST",
    summary="取消未支付订单（先向支付渠道查询）",
    response=OrderOut,
    tag=TAG,
)
def cancel_order(order_id: str, principal: Principal) -> BaseModel:
    return _order(dues_closing.cancel(principal, order_id))


# --- Organisations -----------------------------------------------------------------------------------


@api(
    bp,
    "/orgs/{org_id}/dues/pay",
    "POST",
    summary="组织代缴团员团费（一个订单）",
    body=OrgPayIn,
    response=PayOut,
    status=201,
    tag=TAG,
)
def pay_for_members(org_id: str, principal: Principal, body: OrgPayIn) -> BaseModel:
    order, request = dues_orders.pay_for_members(principal, org_id, body.member_ids, body.provider)
    return PayOut(order=_order(order), provider_request=request)


@api(
    bp,
    "/orgs/{org_id}/dues/orders",
    "GET",
    summary="组织代缴订单",
    query=PageQuery,
    response=Page[OrderOut],
    tag=TAG,
)
def org_orders(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    return _orders(dues_orders.org_orders(principal, org_id, query.cursor, query.limit))


@api(
    bp,
    "/orgs/{org_id}/dues/statistics",
    "GET",
    summary="下辖范围团费收缴统计（按月）",
    query=YearQuery,
    response=StatisticsOut,
    tag=TAG,
)
def statistics(org_id: str, principal: Principal, query: YearQuery) -> BaseModel:
    _, months, members = dues_ledger.statistics(principal, org_id, query.year)
    return StatisticsOut(
        org_id=org_id,
        year=query.year,
        members_now=members,
        months=[
            MonthStatsOut(
                month=m.month,
                paid_members=m.paid_members,
                unpaid_members=max(members - m.paid_members, 0) if members is not None else None,
                paid_fen=m.paid_fen,
                collected_members=m.collected_members,
                collected_fen=m.collected_fen,
                kept_fen=m.kept_fen,
            )
            for m in months
        ],
    )


@api(
    bp,
    "/orgs/{org_id}/dues/ledger",
    "GET",
    summary="本组织团费留存台账（按到账月份）",
    query=MonthQuery,
    response=Page[LedgerOut],
    tag=TAG,
)
def ledger(org_id: str, principal: Principal, query: MonthQuery) -> BaseModel:
    items, cursor = dues_ledger.ledger(principal, org_id, query.month, query.cursor, query.limit)
    return Page[LedgerOut](items=[_ledger(e) for e in items], next_cursor=cursor)


def _ledger(entry: LedgerEntry) -> LedgerOut:
    return LedgerOut(
        org_id=entry.org_id,
        order_id=entry.order_id,
        member_id=entry.member_id,
        collected_month=entry.collected_month,
        received_fen=int(entry.received_fen),
        kept_fen=int(entry.kept_fen),
        passed_fen=int(entry.passed_fen),
        retention_bp=int(entry.retention_bp),
        at=entry.at,
    )


@api(bp, "/orgs/{org_id}/dues/share", "GET", summary="本组织团费留存比例", response=ShareOut, tag=TAG)
def read_share(org_id: str, principal: Principal) -> BaseModel:
    return ShareOut(org_id=org_id, retention_percent=_percent(dues_standard.read_share(principal, org_id)))


@api(
    bp,
    "/orgs/{org_id}/dues/share",
    "PUT",
    summary="设置下级组织团费留存比例（上级组织）",
    body=ShareIn,
    response=ShareOut,
    tag=TAG,
)
def set_share(org_id: str, principal: Principal, body: ShareIn) -> BaseModel:
    bp_value = int(body.retention_percent * 100)
    item = dues_standard.set_share(principal, org_id, bp_value)
    return ShareOut(org_id=org_id, retention_percent=_percent(int(item.retention_bp)))


@api(
    bp,
    "/orgs/{org_id}/dues/lapsing",
    "GET",
    summary="连续6个月未缴团费的团员（供团支部按程序处理，不自动处理）",
    response=list[LapsingOut],
    tag=TAG,
)
def lapsing(org_id: str, principal: Principal) -> list[BaseModel]:
    return [
        LapsingOut(
            member_id=x.member.member_id, name=x.member.name, unpaid_months=len(x.months), first_unpaid=x.months[0]
        )
        for x in dues_ledger.lapsing(principal, org_id)
    ]


class OwingQuery(BaseModel):
    month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="只列欠交该月的团员")


class OwingOut(LapsingOut):
    months: list[str] = Field(description="欠交的月份（截至上月）")


@api(
    bp,
    "/orgs/{org_id}/dues/owing",
    "GET",
    summary="欠交团费的团员（可按月份；催交名单，MSG-2）",
    query=OwingQuery,
    response=list[OwingOut],
    tag=TAG,
)
def owing(org_id: str, principal: Principal, query: OwingQuery) -> list[BaseModel]:
    return [
        OwingOut(
            member_id=x.member.member_id,
            name=x.member.name,
            unpaid_months=len(x.months),
            first_unpaid=x.months[0],
            months=x.months,
        )
        for x in dues_ledger.owing(principal, org_id, query.month)
    ]


# --- The province ------------------------------------------------------------------------------------


@api(bp, "/dues/standards", "GET", summary="团费标准（各版本及有效期）", response=list[StandardOut], tag=TAG)
def list_standards(principal: Principal) -> list[BaseModel]:
    return [_standard(i) for i in dues_standard.list_standards(principal)]


@api(
    bp,
    "/dues/standards",
    "POST",
    summary="团省委新增或修订团费标准版本",
    body=StandardIn,
    response=StandardOut,
    status=201,
    tag=TAG,
)
def set_standard(principal: Principal, body: StandardIn) -> BaseModel:
    return _standard(dues_standard.set_standard(principal, body.valid_from, body.name, body.document, body.rules))
