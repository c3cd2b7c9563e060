"""Routes of DUES-5: the province's online-collection start month, months a branch records as
paid offline (线下交纳) with their receipt, and a member paying for a branch mate (帮TA交).
Thin: parse, call logic, shape. The rest of dues is routes.py."""

from __future__ import annotations

from datetime import date, datetime

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib.dues.routes import PaidMonthOut, _paid
from chalicelib.dues.schemas import PayIn, PayOut, paid
from chalicelib.dues.schemas import order_out as _order
from chalicelib.http import api, current_request, source_ip
from chalicelib.schemas import Body
from zhtj.dues import ledger as dues_ledger
from zhtj.dues import orders as dues_orders
from zhtj.dues import standard as dues_standard
from zhtj.dues.models import DuesOnlineStart
from zhtj.dues.rules import OFFLINE_MAX_MONTHS
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "团费"
MONTH = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


class OnlineStartIn(Body):
    start_month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="线上收缴开始月份 YYYY-MM")
    effective_from: date = Field(description="自该日起生效")
    document: str = Field(min_length=1, max_length=120, description="依据文件")


class OnlineStartOut(BaseModel):
    effective_from: str
    start_month: str
    document: str
    updated_by: str
    updated_at: datetime


class OnlineStartsOut(BaseModel):
    in_force: str = Field(description="今天起算的线上收缴开始月份：此前的月份不在线上收缴")
    versions: list[OnlineStartOut]


class ReceiptUploadIn(Body):
    content_type: str = Field(min_length=1, max_length=60)


class UploadOut(BaseModel):
    key: str
    url: str


class OfflineIn(Body):
    first_month: str = MONTH
    last_month: str = MONTH
    note: str = Field(min_length=1, max_length=500, description="线下交纳说明（何时交给谁、金额等）")
    receipt_key: str = Field(min_length=1, max_length=300, description="收据照片（先取得上传地址并上传）")


class MatePayIn(PayIn):
    """帮TA交: the member paying is the caller (their own session); the path names the mate."""

    extra_fen: int = Field(default=0, ge=0, le=0, description="为他人交纳不含自愿多缴")


def _start(item: DuesOnlineStart) -> OnlineStartOut:
    return OnlineStartOut(
        effective_from=item.effective_from,
        start_month=item.start_month,
        document=item.document,
        updated_by=item.updated_by,
        updated_at=item.updated_at,
    )


@api(bp, "/dues/online-start", "GET", summary="线上收缴开始月份（各版本）", response=OnlineStartsOut, tag=TAG)
def online_starts(principal: Principal) -> BaseModel:
    versions, in_force = dues_standard.online_starts(principal)
    return OnlineStartsOut(in_force=in_force, versions=[_start(v) for v in versions])


@api(
    bp,
    "/dues/online-start",
    "PUT",
    summary="设置线上收缴开始月份（团省委，按生效日期）",
    body=OnlineStartIn,
    response=OnlineStartOut,
    tag=TAG,
)
def set_online_start(principal: Principal, body: OnlineStartIn) -> BaseModel:
    return _start(dues_standard.set_online_start(principal, body.start_month, body.effective_from, body.document))


@api(
    bp,
    "/members/{member_id}/dues/offline-receipt",
    "POST",
    summary="线下交纳收据照片上传地址",
    body=ReceiptUploadIn,
    response=UploadOut,
    tag=TAG,
)
def offline_receipt(member_id: str, principal: Principal, body: ReceiptUploadIn) -> BaseModel:
    key, url = dues_ledger.receipt_upload(principal, member_id, body.content_type)
    return UploadOut(key=key, url=url)


@api(
    bp,
    "/members/{member_id}/dues/offline-months",
    "POST",
    summary=f"登记线下交纳的月份（团支部，每次最多{OFFLINE_MAX_MONTHS}个月）",
    body=OfflineIn,
    response=list[PaidMonthOut],
    status=201,
    tag=TAG,
)
def record_offline(member_id: str, principal: Principal, body: OfflineIn) -> list[BaseModel]:
    written = dues_ledger.record_offline(
        principal, member_id, body.first_month, body.last_month, body.note, body.receipt_key
    )
    return [_paid(p) for p in written]


@api(
    bp,
    "/members/{member_id}/dues/mate-pay",
    "POST",
    summary="帮TA交：为同一团支部的团员交纳全部欠缴团费",
    body=MatePayIn,
    response=PayOut,
    status=201,
    tag=TAG,
)
def mate_pay(member_id: str, principal: Principal, body: MatePayIn) -> BaseModel:
    if body.channel is not None:
        payer = body.payer(source_ip(current_request()))
        return paid(*dues_orders.pay_for_mate_mobile(principal, member_id, body.channel, payer))
    order, request = dues_orders.pay_for_mate(principal, member_id, body.provider or "")
    return PayOut(order=_order(order), provider_request=request)
