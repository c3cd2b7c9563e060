"""The payment-provider interface (支付渠道): what the dues ledger may rely on.

Two real protocols sit behind it (WeChat Pay API v3 in wechat.py, Alipay in alipay.py); which
one answers to a name, configured from its secret, is config.py's `provider(name)`. The ledger
never sees a key, a signature or a ciphertext: it hands the raw request to
`provider(name).verify(...)`, gets a normalized `Notification` back or a `PaymentError`, and
answers the provider with `provider(name).reply(...)`. Keeping every byte of crypto in this
package is what lets the ledger be tested against the simulator (infra/local) without
reimplementing any of it. This module imports no other module of the package.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

import msgspec

from zhtj.core.clock import CHINA_TZ as CHINA_TZ  # both providers write their times in it
from zhtj.core.manifest import PAYMENT_PROVIDERS

PROVIDERS = PAYMENT_PROVIDERS


class Event(StrEnum):
    """Normalized notification events. A provider's own status words stay in `raw_status`."""

    PAID = "PAID"
    CLOSED = "CLOSED"
    REFUND = "REFUND"
    OTHER = "OTHER"


class PaymentError(Exception):
    """A notification or provider answer we refuse. `retryable` says whether asking the
    provider to re-send could help (the webhook answers 5xx/`fail` then); a forged or
    malformed message never becomes valid by being re-sent."""

    code = "PAYMENT_ERROR"
    retryable = False

    def __init__(self, message: str, *, code: str | None = None, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if retryable is not None:
            self.retryable = retryable


class BadSignature(PaymentError):
    """The signature does not verify (including WECHATPAY/SIGNTEST/ probes and failed AEAD tags)."""

    code = "BAD_SIGNATURE"


class StaleNotification(PaymentError):
    """WeChat timestamp outside ±300 s of our clock (replayed or badly delayed)."""

    code = "STALE_NOTIFICATION"


class UnknownSerial(PaymentError):
    """WeChat names a platform certificate serial / public-key id we do not hold. Nothing is
    fetched in the request path; a key rotation is an operator's act, after which the
    provider's re-send succeeds — hence retryable."""

    code = "UNKNOWN_SERIAL"
    retryable = True


class MalformedNotification(PaymentError):
    """Missing headers, unparseable body, missing fields."""

    code = "MALFORMED_NOTIFICATION"


class BusinessMismatch(PaymentError):
    """Authentic, but not for us (mchid/appid/app_id/seller_id) or amounts disagree. Recorded
    and alerted by the ledger, never credited. `notification` is what was verified (for the
    record), `field` names the check that failed."""

    code = "BUSINESS_MISMATCH"

    def __init__(self, message: str, *, field: str, notification: Notification | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.notification = notification


class Notification(msgspec.Struct, frozen=True):
    provider: str  # "wechatpay" | "alipay"
    delivery_id: str  # WeChat body `id`, Alipay `notify_id`
    event: Event  # normalized
    raw_status: str  # trade_state / trade_status / event_type as sent
    out_trade_no: str
    transaction_id: str  # provider's transaction/trade no
    amount_fen: int  # WeChat amount.total; Alipay total_amount as Decimal*100
    paid_at: datetime | None
    app_id: str  # WeChat appid, Alipay app_id
    merchant_id: str  # WeChat mchid, Alipay seller_id


class BillLine(msgspec.Struct, frozen=True):
    """One trade of a provider's daily bill (对账单), for reconciliation."""

    provider: str
    out_trade_no: str
    transaction_id: str
    amount_fen: int
    state: str  # the provider's own word (WeChat SUCCESS/REFUND/…, Alipay TRADE_SUCCESS/…)
    paid_at: datetime


class Reply(msgspec.Struct, frozen=True):
    status: int
    headers: dict[str, str]
    body: str


class Provider(Protocol):
    name: str

    def order_request(
        self, out_trade_no: str, amount_fen: int, description: str, notify_url: str, expires_at: datetime
    ) -> dict[str, Any]:
        """The provider's order-creation request body (WeChat JSAPI/Native v3 shape; Alipay
        trade.precreate biz_content)."""
        ...

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Notification:
        """Authenticate, decrypt and parse one notification; raises PaymentError subclasses.
        Header names are matched case-insensitively; `body` is the raw bytes as received."""
        ...

    def reply(self, ok: bool, message: str = "") -> Reply:
        """The answer the provider's contract expects (WeChat 204 / 4xx-5xx JSON FAIL;
        Alipay plain `success` / `fail`)."""
        ...

    def query(self, out_trade_no: str) -> Notification | None:
        """Ask the provider about an order (query-order); None when it does not know it."""
        ...

    def bill(self, bill_date: date) -> list[BillLine]:
        """The provider's trade bill for a China date, downloaded through the transport."""
        ...
