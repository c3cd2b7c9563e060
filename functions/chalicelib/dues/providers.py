"""Routes of the payment providers' side of league dues (DUES-3): their notifications (the
public webhooks), reconciliation against their daily bills, and the anomalies a verified
notification can raise. Thin: parse, call logic, shape.

The two webhooks are not `api(...)` routes: they must see the raw body bytes exactly as sent
(the signature covers them), accept Alipay's form encoding, carry no token, and answer in the
provider's own format. They are still declared (public) for the OpenAPI document.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chalice.app import Blueprint, Response
from pydantic import BaseModel

from chalicelib.dues.routes import TAG, MonthQuery
from chalicelib.http import MAX_BODY_BYTES, PageQuery, RouteSpec, api, current_request, declare, register_view
from chalicelib.schemas import Page
from zhtj.core import faults
from zhtj.core.errors import DomainError
from zhtj.core.observability import logger
from zhtj.dues import anomalies as dues_anomalies
from zhtj.dues import bill_check as dues_bill_check
from zhtj.dues import webhook as dues_webhook
from zhtj.dues.models import PaymentAnomaly, ReconciliationReport
from zhtj.integrations.payments.base import PROVIDERS
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
WEBHOOK_CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain"]


class ReportOut(BaseModel):
    bill_date: str
    provider: str
    matched: int
    differences: list[dict[str, Any]]
    made_at: datetime


class AnomalyOut(BaseModel):
    anomaly_id: str
    provider: str
    code: str
    message: str
    out_trade_no: str | None
    transaction_id: str | None
    amount_fen: int | None
    at: datetime


@api(
    bp,
    "/dues/reconciliation",
    "GET",
    summary="对账结果（与支付渠道日账单比对）",
    query=PageQuery,
    response=Page[ReportOut],
    tag=TAG,
)
def reconciliation(principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = dues_bill_check.reports(principal, query.limit, query.cursor)
    return Page[ReportOut](items=[_report(r) for r in items], next_cursor=cursor)


def _report(item: ReconciliationReport) -> ReportOut:
    return ReportOut(
        bill_date=item.bill_date,
        provider=item.provider,
        matched=int(item.matched),
        differences=json.loads(item.differences),
        made_at=item.made_at,
    )


@api(
    bp,
    "/dues/anomalies",
    "GET",
    summary="支付通知异常（已验签但业务校验不符，未入账）",
    query=MonthQuery,
    response=Page[AnomalyOut],
    tag=TAG,
)
def anomalies(principal: Principal, query: MonthQuery) -> BaseModel:
    items, cursor = dues_anomalies.anomalies(principal, query.month, query.limit, query.cursor)
    return Page[AnomalyOut](items=[_anomaly(a) for a in items], next_cursor=cursor)


def _anomaly(item: PaymentAnomaly) -> AnomalyOut:
    return AnomalyOut(
        anomaly_id=item.anomaly_id,
        provider=item.provider,
        code=item.code,
        message=item.message,
        out_trade_no=item.out_trade_no,
        transaction_id=item.transaction_id,
        amount_fen=int(item.amount_fen) if item.amount_fen is not None else None,
        at=item.at,
    )


# --- The providers' notifications (public) ---------------------------------------------------------


def _receive(provider_name: str) -> Response:
    request = current_request()
    raw = request.raw_body or b""
    body = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    if len(body) > MAX_BODY_BYTES:
        return Response(body="payload too large", status_code=413)
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        reply = dues_webhook.receive(provider_name, headers, body)
    except DomainError as error:
        return Response(body=json.dumps(error.to_body(), ensure_ascii=False), status_code=error.status)
    except Exception:
        logger.exception("webhook failed", extra={"provider": provider_name})
        reply = dues_webhook.failure_reply(provider_name)
    answer_headers: dict[str, str | list[str]] = dict(reply.headers)
    return Response(body=reply.body, status_code=reply.status, headers=answer_headers)


def _webhook(provider_name: str) -> None:
    declare(
        bp,
        RouteSpec(
            f"/webhooks/{provider_name}",
            "POST",
            f"{'微信支付' if provider_name == 'wechatpay' else '支付宝'}支付结果通知（验签后处理，幂等）",
            200,
            None,
            None,
            None,
            True,
            (TAG,),
        ),
    )

    def view() -> Response:
        # ZHTJ_FAULTS=webhook_<provider>=<share> (zhtj.faults): a crash answers 500 and the provider re-sends.
        faults.maybe_crash(faults.webhook_name(provider_name), "before")
        response = _receive(provider_name)
        faults.maybe_crash(faults.webhook_name(provider_name), "after")
        return response

    view.__name__ = f"webhook_{provider_name}"
    register_view(bp, f"/webhooks/{provider_name}", "POST", view, content_types=WEBHOOK_CONTENT_TYPES)


for _name in PROVIDERS:
    _webhook(_name)
