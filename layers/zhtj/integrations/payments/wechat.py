"""WeChat Pay API v3 (微信支付): order request, notification verification and decryption, query-order.

Verification order (WEBHOOKS.md), each step refusing with its own PaymentError:
1. the four Wechatpay-* headers present (names in any case)        → MalformedNotification
2. Wechatpay-Serial names a key we hold (platform certificate serial
   or PUB_KEY_ID_..., both modes configured at once in a migration) → UnknownSerial (nothing fetched)
3. signature over timestamp\\nnonce\\nraw body\\n verifies; a
   WECHATPAY/SIGNTEST/ probe is just a bad signature                → BadSignature
4. |now − timestamp| < 300 s                                         → StaleNotification
5. body JSON, resource AEAD_AES_256_GCM decrypts with the APIv3 key  → MalformedNotification / BadSignature
6. mchid/appid are ours, currency CNY                                → BusinessMismatch
The signature is checked before the clock so that a forged message is reported as forged, not
as late; the order exists and amount equal to it are the ledger's checks.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

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
    StaleNotification,
    UnknownSerial,
)
from zhtj.integrations.payments.money import yuan_to_fen
from zhtj.integrations.payments.transport import HttpRequest, HttpResponse, Transport

NAME = "wechatpay"
GATEWAY = "https://api.mch.weixin.qq.com"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
SIGNTEST_PREFIX = "WECHATPAY/SIGNTEST/"
PUBLIC_KEY_ID_PREFIX = "PUB_KEY_ID_"
# |now − Wechatpay-Timestamp| must stay below this (seconds).
TIME_WINDOW_SECONDS = 300
# Re-send intervals after an unacknowledged delivery (seconds): 15s 15s 30s 3m 10m 20m 30m 30m 30m
# 60m 3h 3h 3h 6h 6h — 24 h 4 m in all. The simulator replays them, compressed.
RESEND_SCHEDULE = (15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600)

TRADE_EVENTS = {"SUCCESS": Event.PAID, "CLOSED": Event.CLOSED, "REVOKED": Event.CLOSED, "REFUND": Event.REFUND}
REFUND_EVENTS = {"REFUND.SUCCESS": Event.REFUND, "REFUND.ABNORMAL": Event.OTHER, "REFUND.CLOSED": Event.OTHER}

HEADER_SERIAL = "wechatpay-serial"
HEADER_SIGNATURE = "wechatpay-signature"
HEADER_TIMESTAMP = "wechatpay-timestamp"
HEADER_NONCE = "wechatpay-nonce"
HEADER_SIGNATURE_TYPE = "wechatpay-signature-type"


class WeChatPayConfig(msgspec.Struct, frozen=True):
    """What the merchant holds. `platform_keys`: Wechatpay-Serial → PEM (public key, or a
    platform certificate whose key is used); serials of certificates are compared without case."""

    mchid: str
    # The merchant's bound appid: the league's official account (公众号), whose openids JSAPI takes;
    # its AppSecret lives in the official account's own secret (zhtj.integrations.wechat.config).
    appid: str
    apiv3_key: str  # 32 ASCII characters; the AES-256-GCM key
    merchant_serial: str  # serial of the merchant API certificate (Authorization header)
    merchant_private_key: str  # PEM; signs query requests
    platform_keys: Mapping[str, str] = msgspec.field(default_factory=dict)
    gateway: str = GATEWAY

    def __post_init__(self) -> None:
        if len(self.apiv3_key.encode("utf-8")) != 32:
            raise ValueError("the APIv3 key must be 32 bytes")


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(CHINA_TZ).isoformat(timespec="seconds")


def _parse_time(value: object, field_name: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as error:
        raise MalformedNotification(f"时间格式错误：{field_name}") from error
    if moment.tzinfo is None:
        raise MalformedNotification(f"时间缺少时区：{field_name}")
    return moment.astimezone(UTC)


def signing_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    """What a WeChat Pay notification or answer signature covers."""
    return timestamp.encode("utf-8") + b"\n" + nonce.encode("utf-8") + b"\n" + body + b"\n"


def request_message(method: str, path_and_query: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What a merchant's request signature (Authorization header) covers."""
    return f"{method}\n{path_and_query}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"


def authorization(mchid: str, serial: str, private_pem: str, method: str, path_and_query: str, body: bytes) -> str:
    """The WECHATPAY2-SHA256-RSA2048 Authorization header of a merchant request."""
    timestamp = str(int(clock_now().timestamp()))
    nonce = secrets.token_hex(16).upper()
    signature = keys.sign(private_pem, request_message(method, path_and_query, timestamp, nonce, body))
    return (
        f'{SIGNATURE_TYPE} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{serial}"'
    )


def parse_authorization(value: str) -> dict[str, str]:
    """The fields of an Authorization header (the simulator checks our requests with it)."""
    scheme, _, rest = value.partition(" ")
    if scheme != SIGNATURE_TYPE:
        return {}
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, _, quoted = part.strip().partition("=")
        fields[name] = quoted.strip('"')
    return fields


class WeChatPay:
    """The WeChat Pay API v3 provider (implements zhtj.integrations.payments.base.Provider)."""

    name = NAME

    def __init__(self, config: WeChatPayConfig, transport: Transport) -> None:
        self.config = config
        self._transport = transport
        # Certificate serials are hex and compared without case; public-key ids verbatim.
        self._keys = {self._serial_key(serial): pem for serial, pem in config.platform_keys.items()}

    @staticmethod
    def _serial_key(serial: str) -> str:
        return serial if serial.startswith(PUBLIC_KEY_ID_PREFIX) else serial.upper()

    # -- order --------------------------------------------------------------------------

    def order_request(
        self, out_trade_no: str, amount_fen: int, description: str, notify_url: str, expires_at: datetime
    ) -> dict[str, Any]:
        """The body of POST /v3/pay/transactions/native (JSAPI adds payer.openid)."""
        if amount_fen <= 0:
            raise ValueError("amount_fen must be positive")
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        return {
            "appid": self.config.appid,
            "mchid": self.config.mchid,
            "description": description,
            "out_trade_no": out_trade_no,
            "time_expire": _rfc3339(expires_at),
            "notify_url": notify_url,
            "amount": {"total": amount_fen, "currency": "CNY"},
        }

    # -- notifications ------------------------------------------------------------------

    def authenticate(self, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        """Steps 1-4: the message comes from WeChat Pay and is fresh (also used for answers to queries)."""
        lowered = _lower(headers)
        missing = [h for h in (HEADER_SERIAL, HEADER_SIGNATURE, HEADER_TIMESTAMP, HEADER_NONCE) if not lowered.get(h)]
        if missing:
            raise MalformedNotification(f"缺少微信支付签名头：{', '.join(missing)}")
        signature_type = lowered.get(HEADER_SIGNATURE_TYPE)
        if signature_type is not None and signature_type != SIGNATURE_TYPE:
            raise BadSignature(f"不支持的签名类型：{signature_type}")
        public_pem = self._keys.get(self._serial_key(lowered[HEADER_SERIAL]))
        if public_pem is None:
            raise UnknownSerial(f"未知的微信支付平台证书序列号或公钥ID：{lowered[HEADER_SERIAL]}")
        signature = lowered[HEADER_SIGNATURE]
        timestamp = lowered[HEADER_TIMESTAMP]
        if signature.startswith(SIGNTEST_PREFIX):
            raise BadSignature("签名探测请求（WECHATPAY/SIGNTEST）")
        if not keys.verify(public_pem, signing_message(timestamp, lowered[HEADER_NONCE], body), signature):
            raise BadSignature("微信支付签名验证失败")
        try:
            sent_at = int(timestamp)
        except ValueError as error:
            raise MalformedNotification("Wechatpay-Timestamp 不是整数") from error
        if abs(now.timestamp() - sent_at) >= TIME_WINDOW_SECONDS:
            raise StaleNotification("通知时间戳超出 ±300 秒")

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Notification:
        self.authenticate(headers, body, now)
        try:
            envelope = json.loads(body)
            resource = envelope["resource"]
            event_type = str(envelope["event_type"])
            delivery_id = str(envelope["id"])
            if envelope.get("resource_type") != "encrypt-resource" or resource["algorithm"] != "AEAD_AES_256_GCM":
                raise MalformedNotification("不支持的资源类型或加密算法")
            ciphertext, nonce = str(resource["ciphertext"]), str(resource["nonce"])
            associated_data = str(resource.get("associated_data") or "")
        except (ValueError, KeyError, TypeError) as error:
            raise MalformedNotification("通知报文格式错误") from error
        plaintext = keys.aes_gcm_decrypt(
            self.config.apiv3_key.encode("utf-8"), nonce.encode("utf-8"), ciphertext, associated_data.encode("utf-8")
        )
        if plaintext is None:
            # The signature held, so WeChat sent this ciphertext: our APIv3 key is out of date
            # (reset by the merchant). A re-send succeeds once the key is fixed.
            raise BadSignature("通知解密失败（APIv3 密钥不匹配）", code="DECRYPT_FAILED", retryable=True)
        try:
            fields = json.loads(plaintext)
            if not isinstance(fields, dict):
                raise TypeError("resource is not an object")
        except (ValueError, TypeError) as error:
            raise MalformedNotification("通知资源不是 JSON 对象") from error
        return self._notification(fields, delivery_id, event_type)

    def _notification(self, fields: Mapping[str, Any], delivery_id: str, event_type: str | None) -> Notification:
        try:
            amount = fields["amount"]
            if event_type is not None and event_type.startswith("REFUND."):
                event = REFUND_EVENTS.get(event_type, Event.OTHER)
                raw_status = event_type
                amount_fen = amount["refund"]
                app_id = ""  # refund notifications carry no appid
            else:
                raw_status = str(fields["trade_state"])
                event = TRADE_EVENTS.get(raw_status, Event.OTHER)
                amount_fen = amount["total"]
                app_id = str(fields["appid"])
            if type(amount_fen) is not int:
                raise TypeError("amount is not an integer")
            notification = Notification(
                provider=NAME,
                delivery_id=delivery_id,
                event=event,
                raw_status=raw_status,
                out_trade_no=str(fields["out_trade_no"]),
                transaction_id=str(fields.get("transaction_id") or ""),
                amount_fen=amount_fen,
                paid_at=_parse_time(fields.get("success_time"), "success_time"),
                app_id=app_id,
                merchant_id=str(fields["mchid"]),
            )
            currency = amount.get("currency")
        except (KeyError, TypeError, AttributeError) as error:
            raise MalformedNotification("通知资源缺少字段") from error
        if not keys.same(notification.merchant_id, self.config.mchid):
            raise BusinessMismatch("商户号不符", field="mchid", notification=notification)
        if app_id and not keys.same(app_id, self.config.appid):
            raise BusinessMismatch("应用ID不符", field="appid", notification=notification)
        if currency not in (None, "CNY"):
            raise BusinessMismatch("币种不是人民币", field="currency", notification=notification)
        return notification

    def reply(self, ok: bool, message: str = "") -> Reply:
        """204 with no body acknowledges; anything else makes WeChat re-send."""
        if ok:
            return Reply(204, {}, "")
        body = json.dumps({"code": "FAIL", "message": message or "失败"}, ensure_ascii=False)
        return Reply(500, {"Content-Type": "application/json; charset=utf-8"}, body)

    # -- query-order and the trade bill ---------------------------------------------------

    def _get(self, url: str) -> HttpResponse:
        """A signed GET of an absolute URL (or a path on the gateway)."""
        if url.startswith("/"):
            url = self.config.gateway.rstrip("/") + url
        parts = urlsplit(url)
        signed_path = f"{parts.path}?{parts.query}" if parts.query else parts.path
        header = authorization(
            self.config.mchid, self.config.merchant_serial, self.config.merchant_private_key, "GET", signed_path, b""
        )
        return self._transport(
            HttpRequest("GET", url, {"Authorization": header, "Accept": "application/json", "User-Agent": "zhtj"})
        )

    def call(self, request: HttpRequest) -> HttpResponse:
        """One unsigned request through the transport (web authorization's code exchange)."""
        return self._transport(request)

    def post(self, path: str, document: Mapping[str, Any], what: str) -> Any:
        """A signed POST of a JSON document to a path on the gateway (order creation); the
        answer's signature is verified before it is read (as a notification's)."""
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        header = authorization(
            self.config.mchid, self.config.merchant_serial, self.config.merchant_private_key, "POST", path, body
        )
        headers = {
            "Authorization": header,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": "zhtj",
        }
        answer = self._transport(HttpRequest("POST", self.config.gateway.rstrip("/") + path, headers, body))
        return self._verified_json(answer, what)

    def _verified_json(self, answer: HttpResponse, what: str) -> Any:
        if not 200 <= answer.status < 300:
            raise PaymentError(f"{what}失败：HTTP {answer.status}", code="QUERY_FAILED", retryable=answer.status >= 500)
        self.authenticate(answer.headers, answer.body, clock_now())
        try:
            return json.loads(answer.body)
        except ValueError as error:
            raise MalformedNotification(f"{what}应答不是 JSON") from error

    def query(self, out_trade_no: str) -> Notification | None:
        """GET /v3/pay/transactions/out-trade-no/{no}?mchid=…, signed; the answer's signature
        is verified like a notification's. None when WeChat does not know the order."""
        answer = self._get(
            f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}?mchid={quote(self.config.mchid)}"
        )
        if answer.status == 404:
            return None
        fields = self._verified_json(answer, "微信支付查单")
        request_id = _lower(answer.headers).get("request-id", "")
        return self._notification(fields, f"query:{request_id}", None)

    def bill(self, bill_date: date) -> list[BillLine]:
        """The trade bill (交易账单) of a China date: GET /v3/bill/tradebill (signed answer with
        a download URL and the file's SHA1), then the file itself, checked against the hash."""
        listing = self._verified_json(
            self._get(f"/v3/bill/tradebill?bill_date={bill_date.isoformat()}&bill_type=ALL"), "申请交易账单"
        )
        file = self._get(str(listing["download_url"]))
        if file.status != 200:
            raise PaymentError(f"下载交易账单失败：HTTP {file.status}", code="QUERY_FAILED", retryable=True)
        if listing.get("hash_type") != "SHA1" or not keys.same(
            hashlib.sha1(file.body).hexdigest(), str(listing.get("hash_value", "")).lower()
        ):
            raise BadSignature("交易账单摘要不符")
        return parse_trade_bill(file.body.decode("utf-8"))


BILL_COLUMNS = [
    "交易时间",
    "公众账号ID",
    "商户号",
    "特约商户号",
    "设备号",
    "微信订单号",
    "商户订单号",
    "用户标识",
    "交易类型",
    "交易状态",
    "付款银行",
    "货币种类",
    "应结订单金额",
    "代金券金额",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "充值券退款金额",
    "退款类型",
    "退款状态",
    "商品名称",
    "商户数据包",
    "手续费",
    "费率",
    "订单金额",
    "申请退款金额",
    "费率备注",
]
BILL_SUMMARY = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"


def parse_trade_bill(text: str) -> list[BillLine]:
    """WeChat's trade bill: a header, one row per trade with every value prefixed by a
    backtick, then a summary. Amounts are yuan with 2 decimals (read as Decimal)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0] != BILL_COLUMNS:
        raise MalformedNotification("交易账单表头不符")
    lines = []
    for row in rows[1:]:
        if not row or row[0].startswith("总交易单数"):
            break
        values = dict(zip(BILL_COLUMNS, (value.removeprefix("`") for value in row), strict=True))
        lines.append(
            BillLine(
                provider=NAME,
                out_trade_no=values["商户订单号"],
                transaction_id=values["微信订单号"],
                amount_fen=yuan_to_fen(values["订单金额"]),
                state=values["交易状态"],
                paid_at=datetime.strptime(values["交易时间"], "%Y-%m-%d %H:%M:%S")
                .replace(tzinfo=CHINA_TZ)
                .astimezone(UTC),
            )
        )
    return lines
