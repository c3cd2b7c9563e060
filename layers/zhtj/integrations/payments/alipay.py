"""Alipay (支付宝): order request, asynchronous notification (RSA2) verification, trade query.

Verification order: the form parses as UTF-8 with each key once (MalformedNotification); `sign`
present and `sign_type` RSA2 (BadSignature); the signature over the canonical string — `sign`
and `sign_type` dropped, empty values dropped, sorted by key, `k=v` joined with `&`, values as
decoded — verifies with the Alipay public key (BadSignature); the fields we need are there and
`total_amount` is a yuan amount with at most 2 decimals, read as Decimal (MalformedNotification);
app_id and seller_id are ours (BusinessMismatch). Alipay defines no time window: replay
protection is the ledger's idempotency plus its forward-only order state.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import msgspec

from zhtj.core.clock import CHINA_TZ
from zhtj.core.clock import now as clock_now
from zhtj.integrations.payments import keys
from zhtj.integrations.payments.base import (
    BadSignature,
    BillLine,
    BusinessMismatch,
    Event,
    MalformedNotification,
    Notification,
    PaymentError,
    Reply,
)
from zhtj.integrations.payments.money import fen_to_yuan, yuan_to_fen
from zhtj.integrations.payments.transport import HttpRequest, Transport

NAME = "alipay"
GATEWAY = "https://openapi.alipay.com/gateway.do"
SIGN_TYPE = "RSA2"
# Re-send intervals after an unacknowledged delivery (seconds): 4m 10m 10m 1h 2h 6h 15h (~25 h).
RESEND_SCHEDULE = (240, 600, 600, 3600, 7200, 21600, 54000)
STATUS_EVENTS = {"TRADE_SUCCESS": Event.PAID, "TRADE_FINISHED": Event.PAID, "TRADE_CLOSED": Event.CLOSED}
QUERY_METHOD = "alipay.trade.query"
QUERY_RESPONSE_KEY = "alipay_trade_query_response"
BILL_METHOD = "alipay.data.dataservice.bill.downloadurl.query"
BILL_COLUMNS = [
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "创建时间",
    "完成时间",
    "订单金额（元）",
    "商家实收（元）",
]
BILL_STATES = {"交易": "TRADE_SUCCESS", "退款": "REFUND"}


class AlipayConfig(msgspec.Struct, frozen=True):
    app_id: str
    seller_id: str  # the merchant's Alipay user id (2088…)
    app_private_key: str  # PEM; signs our requests
    alipay_public_key: str  # PEM; verifies notifications and answers
    gateway: str = GATEWAY


def canonical(params: Mapping[str, str]) -> str:
    """The string Alipay signs: without sign/sign_type and empty values, sorted, k=v&k=v."""
    return "&".join(
        f"{key}={value}" for key, value in sorted(params.items()) if key not in ("sign", "sign_type") and value != ""
    )


def request_canonical(params: Mapping[str, str]) -> str:
    """The string a request to the gateway signs: like `canonical`, but `sign_type` included."""
    return "&".join(f"{key}={value}" for key, value in sorted(params.items()) if key != "sign" and value != "")


def china_time(moment: datetime) -> str:
    """Alipay's "yyyy-MM-dd HH:mm:ss" in China time."""
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _parse_china_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA_TZ).astimezone(UTC)
    except ValueError as error:
        raise MalformedNotification(f"时间格式错误：{value!r}") from error


def parse_form(body: bytes) -> dict[str, str]:
    """An x-www-form-urlencoded UTF-8 body, each key exactly once."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedNotification("通知报文不是 UTF-8 表单") from error
    params = dict(pairs)
    if len(params) != len(pairs):
        raise MalformedNotification("通知报文有重复参数")
    return params


class Alipay:
    """The Alipay provider (implements zhtj.integrations.payments.base.Provider)."""

    name = NAME

    def __init__(self, config: AlipayConfig, transport: Transport) -> None:
        self.config = config
        self._transport = transport

    def signed(self, method: str, biz_content: Mapping[str, Any], **extra: str) -> dict[str, str]:
        """The public and business parameters of a gateway call, signed (RSA2 over
        `request_canonical`): a form to POST, or a page URL's query (alipay.trade.wap.pay)."""
        return self._signed(method, biz_content, **extra)

    def _signed(self, method: str, biz_content: Mapping[str, Any], **extra: str) -> dict[str, str]:
        params = {
            "app_id": self.config.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": SIGN_TYPE,
            "timestamp": china_time(clock_now()),
            "version": "1.0",
            "biz_content": json.dumps(biz_content, ensure_ascii=False, separators=(",", ":")),
            **extra,
        }
        params["sign"] = keys.sign(self.config.app_private_key, request_canonical(params).encode("utf-8"))
        return params

    def order_request(
        self, out_trade_no: str, amount_fen: int, description: str, notify_url: str, expires_at: datetime
    ) -> dict[str, Any]:
        """The signed form of alipay.trade.precreate (QR code); biz_content is a JSON string
        inside it, as the gateway expects."""
        if amount_fen <= 0:
            raise ValueError("amount_fen must be positive")
        biz = {
            "out_trade_no": out_trade_no,
            "total_amount": fen_to_yuan(amount_fen),
            "subject": description,
            "time_expire": china_time(expires_at),
        }
        return self._signed("alipay.trade.precreate", biz, notify_url=notify_url)

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Notification:
        params = parse_form(body)
        signature = params.get("sign", "")
        if not signature:
            raise BadSignature("缺少签名")
        if params.get("sign_type") != SIGN_TYPE:
            raise BadSignature(f"不支持的签名类型：{params.get('sign_type')}")
        if not keys.verify(self.config.alipay_public_key, canonical(params).encode("utf-8"), signature):
            raise BadSignature("支付宝签名验证失败")
        try:
            notification = self._notification(params, params["notify_id"])
        except KeyError as error:
            raise MalformedNotification(f"通知缺少字段：{error.args[0]}") from error
        if not keys.same(notification.app_id, self.config.app_id):
            raise BusinessMismatch("应用ID不符", field="app_id", notification=notification)
        if not keys.same(notification.merchant_id, self.config.seller_id):
            raise BusinessMismatch("收款方不符", field="seller_id", notification=notification)
        return notification

    def _notification(self, params: Mapping[str, str], delivery_id: str) -> Notification:
        status = params["trade_status"]
        event = STATUS_EVENTS.get(status, Event.OTHER)
        # A partial refund is notified as TRADE_SUCCESS carrying refund_fee; a full refund as TRADE_CLOSED.
        if event == Event.PAID and params.get("refund_fee") and yuan_to_fen(params["refund_fee"]) > 0:
            event = Event.REFUND
        return Notification(
            provider=NAME,
            delivery_id=delivery_id,
            event=event,
            raw_status=status,
            out_trade_no=params["out_trade_no"],
            transaction_id=params["trade_no"],
            amount_fen=yuan_to_fen(params["total_amount"]),
            paid_at=_parse_china_time(params.get("gmt_payment") or params.get("send_pay_date")),
            app_id=params.get("app_id", self.config.app_id),
            merchant_id=params.get("seller_id", ""),
        )

    def reply(self, ok: bool, message: str = "") -> Reply:
        """Alipay reads the body only: exactly `success`, or anything else (`fail`) to be re-sent."""
        return Reply(200, {"Content-Type": "text/plain; charset=utf-8"}, "success" if ok else "fail")

    def query(self, out_trade_no: str) -> Notification | None:
        """alipay.trade.query through the gateway; the answer's `sign` covers the raw text of
        the response object, which is verified before it is read. None: trade unknown."""
        fields = self._call(QUERY_METHOD, {"out_trade_no": out_trade_no})
        if fields.get("code") != "10000":
            if fields.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
                return None
            raise PaymentError(
                f"支付宝查询失败：{fields.get('sub_code') or fields.get('code')}", code="QUERY_FAILED", retryable=True
            )
        try:
            values = {k: str(v) for k, v in fields.items() if isinstance(v, str | int)}
            values["seller_id"] = self.config.seller_id
            notification = self._notification(values, f"query:{values['trade_no']}")
        except KeyError as error:
            raise MalformedNotification(f"查询应答缺少字段：{error.args[0]}") from error
        return notification

    def _call(self, method: str, biz_content: Mapping[str, Any]) -> dict[str, Any]:
        """One signed gateway call; the answer's signature is verified before it is read."""
        params = self._signed(method, biz_content)
        answer = self._transport(
            HttpRequest(
                "POST",
                self.config.gateway,
                {"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
                urlencode(params).encode("utf-8"),
            )
        )
        if answer.status != 200:
            raise PaymentError(f"支付宝网关调用失败：HTTP {answer.status}", code="QUERY_FAILED", retryable=True)
        raw, signature = self._response_parts(answer.body.decode("utf-8"), method.replace(".", "_") + "_response")
        if not keys.verify(self.config.alipay_public_key, raw.encode("utf-8"), signature):
            raise BadSignature("支付宝应答签名验证失败")
        fields: dict[str, Any] = json.loads(raw)
        return fields

    def bill(self, bill_date: date) -> list[BillLine]:
        """The trade bill of a China date: alipay.data.dataservice.bill.downloadurl.query (signed
        answer with a short-lived URL), then the file. The real file is a zip of GBK CSVs; the
        simulator serves the detail CSV itself (UTF-8) and that is what is parsed here."""
        fields = self._call(BILL_METHOD, {"bill_type": "trade", "bill_date": bill_date.isoformat()})
        if fields.get("code") != "10000":
            raise PaymentError(f"支付宝账单查询失败：{fields.get('sub_code')}", code="QUERY_FAILED", retryable=True)
        file = self._transport(HttpRequest("GET", str(fields["bill_download_url"])))
        if file.status != 200:
            raise PaymentError(f"下载支付宝账单失败：HTTP {file.status}", code="QUERY_FAILED", retryable=True)
        return parse_trade_bill(file.body.decode("utf-8"))

    @staticmethod
    def _response_parts(text: str, key: str = QUERY_RESPONSE_KEY) -> tuple[str, str]:
        """The exact text of the response object (what Alipay signed) and the signature."""
        try:
            document = json.loads(text)
            signature = str(document.get("sign", ""))
            start = text.index(f'"{key}"') + len(key) + 2
            start = text.index(":", start) + 1
            while text[start] in " \t\r\n":
                start += 1
            _, end = json.JSONDecoder().raw_decode(text, start)
        except (ValueError, AttributeError, IndexError) as error:
            raise MalformedNotification("查询应答格式错误") from error
        return text[start:end], signature


def parse_trade_bill(text: str) -> list[BillLine]:
    """The detail CSV of Alipay's trade bill: `#` comment lines around a header and one row per
    trade or refund; amounts in yuan (Decimal)."""
    rows = [row for row in csv.reader(io.StringIO(text)) if row and not row[0].startswith("#")]
    if not rows or rows[0][: len(BILL_COLUMNS)] != BILL_COLUMNS:
        raise MalformedNotification("支付宝账单表头不符")
    lines = []
    for row in rows[1:]:
        values = dict(zip(rows[0], (value.strip() for value in row), strict=False))
        paid_at = _parse_china_time(values["完成时间"] or values["创建时间"])
        if paid_at is None:
            raise MalformedNotification("支付宝账单缺少时间")
        lines.append(
            BillLine(
                provider=NAME,
                out_trade_no=values["商户订单号"],
                transaction_id=values["支付宝交易号"],
                amount_fen=yuan_to_fen(values["订单金额（元）"]),
                state=BILL_STATES.get(values["业务类型"], values["业务类型"]),
                paid_at=paid_at,
            )
        )
    return lines
