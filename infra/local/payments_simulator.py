"""The provider side, simulated (本地支付模拟器): WeChat Pay and Alipay as seen from our endpoints.

It holds the keys a provider holds (platform private keys, the APIv3 key, the Alipay private
key) and the merchant's public keys, so that it can: sign notifications for an order exactly as
the providers do; deliver them to a URL or a callable on the providers' re-send schedules
(compressed by a factor), with duplicates, reordering, tampering and stale timestamps; answer
query-order / alipay.trade.query for the trades it knows (checking our request signatures);
and produce a daily bill for reconciliation. Tests use it in-process (`install()` makes the
gateway `inproc://simulator` reach it); the local stack serves it over HTTP (`serve()`).

Only tests and the local stack create one: nothing in the request path imports this module.
Keys for a process come from `local_material()` (generated once) or from the simulator secret
that infra/provision.py stores next to the merchant secrets.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import math
import os
import random
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from infra.local import cashier
from zhtj.core.clock import now as clock_now
from zhtj.integrations.payments import alipay, keys, money, transport, wechat
from zhtj.integrations.payments.base import CHINA_TZ, BillLine
from zhtj.integrations.payments.transport import HttpRequest, HttpResponse

SIMULATOR_SECRET_ENV = "ZHTJ_PAYMENTS_SIMULATOR_SECRET"
DEFAULT_SIMULATOR_SECRET = "zhtj/local/payments-simulator"
IN_PROCESS_NAME = "simulator"
IN_PROCESS_GATEWAY = f"inproc://{IN_PROCESS_NAME}"
ALIPAY_PATH = "/alipay/gateway.do"

# What a delivery must be answered with to stop the re-sends.
Target = Callable[[dict[str, str], bytes], tuple[int, str]] | str

TAMPER_KINDS = {
    "wechatpay": ("body_byte", "header", "key", "ciphertext", "aad", "amount", "signtest", "serial"),
    "alipay": ("body_byte", "header", "key", "amount"),
}


# -- keys ------------------------------------------------------------------------------------


def _self_signed_certificate(private_pem: str, serial_hex: str) -> str:
    """A platform certificate (certificate mode): its serial is the Wechatpay-Serial."""
    key = keys.load_private_key(private_pem)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (simulated)")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int(serial_hex, 16))
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=5 * 365))
        .sign(key, hashes.SHA256())
    )
    from cryptography.hazmat.primitives.serialization import Encoding

    return certificate.public_bytes(Encoding.PEM).decode("ascii")


@lru_cache(maxsize=1)
def local_material() -> dict[str, dict[str, Any]]:
    """Keys for one process (RSA 2048, generated once): the two merchant secrets as
    config.py reads them and the simulator's own. WeChat is configured with both key modes at
    once — a platform certificate serial and a PUB_KEY_ID_ — as during a migration."""
    merchant_key = keys.generate_private_key_pem()
    certificate_key = keys.generate_private_key_pem()
    public_key_mode_key = keys.generate_private_key_pem()
    app_key = keys.generate_private_key_pem()
    alipay_key = keys.generate_private_key_pem()
    # 40 hex digits, as WeChat's are, below the 2**159 an X.509 serial may reach.
    certificate_serial = f"{secrets.randbits(159) | (1 << 156):040X}"
    public_key_id = "PUB_KEY_ID_" + "".join(random.choices("0123456789", k=32))
    merchant_serial = secrets.token_hex(20).upper()
    apiv3_key = secrets.token_hex(16)
    mchid, appid = "1900000109", "wxd678efh567hg6787"
    app_id, seller_id = "2021000000000001", "2088000000000001"
    return {
        "wechatpay": {
            "mchid": mchid,
            "appid": appid,
            "apiv3_key": apiv3_key,
            "merchant_serial": merchant_serial,
            "merchant_private_key": merchant_key,
            "platform_keys": {
                certificate_serial: _self_signed_certificate(certificate_key, certificate_serial),
                public_key_id: keys.public_key_pem(public_key_mode_key),
            },
            "gateway": IN_PROCESS_GATEWAY,
        },
        "alipay": {
            "app_id": app_id,
            "seller_id": seller_id,
            "app_private_key": app_key,
            "alipay_public_key": keys.public_key_pem(alipay_key),
            "gateway": IN_PROCESS_GATEWAY + ALIPAY_PATH,
        },
        "simulator": {
            "wechatpay": {
                "mchid": mchid,
                "appid": appid,
                "apiv3_key": apiv3_key,
                "merchant_serial": merchant_serial,
                "merchant_public_key": keys.public_key_pem(merchant_key),
                "platform": {public_key_id: public_key_mode_key, certificate_serial: certificate_key},
            },
            "alipay": {
                "app_id": app_id,
                "seller_id": seller_id,
                "app_public_key": keys.public_key_pem(app_key),
                "alipay_private_key": alipay_key,
            },
        },
    }


# -- trades and deliveries ---------------------------------------------------------------------


@dataclass
class Trade:
    """One order as the provider knows it. `state` in WeChat's words (NOTPAY, SUCCESS, CLOSED,
    REFUND); Alipay's are derived (WAIT_BUYER_PAY, TRADE_SUCCESS, TRADE_CLOSED)."""

    provider: str
    out_trade_no: str
    amount_fen: int
    notify_url: str = ""
    description: str = "团费"
    state: str = "NOTPAY"
    transaction_id: str = ""
    paid_at: datetime | None = None
    refunded_fen: int = 0
    finished: bool = False
    trade_type: str = "NATIVE"  # JSAPI / MWEB (H5) / QUICK_WAP_WAY: the mobile cashier's (infra/local/cashier.py)
    # Stable across re-sends: WeChat `id` per event, Alipay `notify_id` per status.
    delivery_ids: dict[str, str] = field(default_factory=dict)

    def delivery_id(self, event: str) -> str:
        return self.delivery_ids.setdefault(event, uuid.uuid4().hex)


@dataclass(frozen=True)
class Delivery:
    """One notification request as it would arrive. `expect` is what a correct receiver does
    with it: "accept" or the refusal it must give ("bad_signature", "stale", ...)."""

    provider: str
    out_trade_no: str
    headers: dict[str, str]
    body: bytes
    expect: str = "accept"
    kind: str = "genuine"
    # In a storm: the provider's sending order, and whether this one arrives out of it.
    sequence: int = 0
    reordered: bool = False


@dataclass(frozen=True)
class Attempt:
    offset_seconds: float  # on the provider's uncompressed schedule
    status: int
    answer: str
    acknowledged: bool


ALIPAY_STATES = {"NOTPAY": "WAIT_BUYER_PAY", "SUCCESS": "TRADE_SUCCESS", "CLOSED": "TRADE_CLOSED"}
TAMPER_EXPECT = {
    "body_byte": "bad_signature",
    "header": "bad_signature",
    "key": "bad_signature",
    "ciphertext": "bad_signature",
    "aad": "bad_signature",
    "amount": "bad_signature",
    "signtest": "bad_signature",
    "serial": "unknown_serial",
    "stale": "stale",
}


class Simulator:
    """WeChat Pay + Alipay, provider side. Thread-safe for the local stack's HTTP server."""

    def __init__(self, document: Mapping[str, Any], clock: Callable[[], datetime] = clock_now) -> None:
        self.wechat = dict(document["wechatpay"])
        self.alipay = dict(document["alipay"])
        self.clock = clock
        self.trades: dict[tuple[str, str], Trade] = {}
        self.prepays: dict[str, str] = {}  # WeChat prepay_id -> out_trade_no (the mobile cashier's)
        self._lock = threading.Lock()
        self._attacker_key = keys.generate_private_key_pem()
        # The serial new notifications are signed with (either mode; both are configured).
        self.current_serial = next(iter(self.wechat["platform"]))

    @classmethod
    def local(cls) -> Simulator:
        """With this process's generated keys (matching what provision stores)."""
        return cls(local_material()["simulator"])

    @classmethod
    def from_secret(cls, secrets_client: Any = None) -> Simulator:
        """With the keys stored in the simulator secret (another process's local stack)."""
        import boto3

        client = secrets_client or boto3.client("secretsmanager")
        name = os.environ.get(SIMULATOR_SECRET_ENV) or DEFAULT_SIMULATOR_SECRET
        return cls(json.loads(client.get_secret_value(SecretId=name)["SecretString"]))

    def install(self, name: str = IN_PROCESS_NAME) -> Simulator:
        """Make `inproc://<name>` (the gateways provision writes) reach this simulator."""
        transport.register(name, self.handle)
        return self

    # -- the provider's books --------------------------------------------------------------

    def open_trade(
        self, provider: str, out_trade_no: str, amount_fen: int, notify_url: str = "", description: str = "团费"
    ) -> Trade:
        with self._lock:
            trade = self.trades.get((provider, out_trade_no))
            if trade is None:
                trade = Trade(provider, out_trade_no, amount_fen, notify_url, description)
                self.trades[(provider, out_trade_no)] = trade
            return trade

    def pay(
        self, provider: str, out_trade_no: str, amount_fen: int | None = None, at: datetime | None = None, **kw: str
    ) -> Trade:
        """The payer paid (opens the trade if needed, with `amount_fen`)."""
        trade = self.trades.get((provider, out_trade_no))
        if trade is None:
            if amount_fen is None:
                raise KeyError(out_trade_no)
            trade = self.open_trade(provider, out_trade_no, amount_fen, **kw)
        with self._lock:
            if trade.state == "NOTPAY":
                trade.state = "SUCCESS"
                trade.paid_at = (at or self.clock()).astimezone(UTC)
                digits = "".join(random.choices("0123456789", k=18))
                trade.transaction_id = ("4200" + digits) if provider == "wechatpay" else ("2024" + digits)
        return trade

    def close(self, provider: str, out_trade_no: str) -> Trade:
        trade = self.trades[(provider, out_trade_no)]
        with self._lock:
            if trade.state == "NOTPAY":
                trade.state = "CLOSED"
        return trade

    def refund(self, provider: str, out_trade_no: str, amount_fen: int | None = None) -> Trade:
        trade = self.trades[(provider, out_trade_no)]
        with self._lock:
            trade.refunded_fen = trade.amount_fen if amount_fen is None else amount_fen
            if trade.refunded_fen >= trade.amount_fen:
                trade.state = "REFUND" if provider == "wechatpay" else "CLOSED"
        return trade

    def bill(self, provider: str, day: date) -> list[BillLine]:
        """The provider's daily bill (对账单): trades paid on China date `day`."""
        with self._lock:
            lines = [
                BillLine(provider, t.out_trade_no, t.transaction_id, t.amount_fen, t.state, t.paid_at)
                for t in self.trades.values()
                if t.provider == provider and t.paid_at is not None and t.paid_at.astimezone(CHINA_TZ).date() == day
            ]
        return sorted(lines, key=lambda line: (line.paid_at, line.out_trade_no))

    # -- notifications -----------------------------------------------------------------------

    def notification(self, trade: Trade, **options: Any) -> Delivery:
        """The notification for the trade's current state, signed now (or at `at`)."""
        if trade.provider == "wechatpay":
            return self.wechat_notification(trade, **options)
        return self.alipay_notification(trade, **options)

    def _wechat_transaction(self, trade: Trade) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "mchid": self.wechat["mchid"],
            "appid": self.wechat["appid"],
            "out_trade_no": trade.out_trade_no,
            "trade_type": trade.trade_type if trade.trade_type in ("JSAPI", "MWEB") else "NATIVE",
            "trade_state": trade.state,
            "trade_state_desc": {"SUCCESS": "支付成功", "NOTPAY": "未支付", "CLOSED": "已关闭"}.get(trade.state, ""),
            "attach": "",
            "amount": {"total": trade.amount_fen, "currency": "CNY"},
        }
        if trade.paid_at is not None:
            fields |= {
                "transaction_id": trade.transaction_id,
                "bank_type": "OTHERS",
                "success_time": trade.paid_at.astimezone(CHINA_TZ).isoformat(timespec="seconds"),
                "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
                "amount": {"total": trade.amount_fen, "payer_total": trade.amount_fen, "currency": "CNY"},
            }
        return fields

    def _wechat_refund(self, trade: Trade, event_type: str) -> dict[str, Any]:
        return {
            "mchid": self.wechat["mchid"],
            "out_trade_no": trade.out_trade_no,
            "transaction_id": trade.transaction_id,
            "out_refund_no": "R" + trade.out_trade_no,
            "refund_id": "50000" + trade.transaction_id[-15:],
            "refund_status": event_type.removeprefix("REFUND."),
            "success_time": self.clock().astimezone(CHINA_TZ).isoformat(timespec="seconds"),
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": trade.amount_fen,
                "refund": trade.refunded_fen,
                "payer_total": trade.amount_fen,
                "payer_refund": trade.refunded_fen,
            },
        }

    def wechat_envelope(
        self, trade: Trade, event_type: str | None = None, overrides: Mapping[str, Any] | None = None
    ) -> tuple[bytes, dict[str, Any]]:
        """The JSON body and the plaintext resource inside it."""
        if event_type is None:
            event_type = {"SUCCESS": "TRANSACTION.SUCCESS", "REFUND": "REFUND.SUCCESS"}.get(trade.state, "")
            if not event_type:
                raise ValueError(f"WeChat does not notify trade state {trade.state}")
        refund = event_type.startswith("REFUND.")
        plain = self._wechat_refund(trade, event_type) if refund else self._wechat_transaction(trade)
        plain |= dict(overrides or {})
        associated_data = "refund" if refund else "transaction"
        nonce = secrets.token_hex(6)
        ciphertext = keys.aes_gcm_encrypt(
            self.wechat["apiv3_key"].encode(),
            nonce.encode(),
            json.dumps(plain, ensure_ascii=False).encode("utf-8"),
            associated_data.encode(),
        )
        envelope = {
            "id": trade.delivery_id(event_type),
            "create_time": self.clock().astimezone(CHINA_TZ).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "退款成功" if refund else "支付成功",
            "resource": {
                "original_type": associated_data,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": ciphertext,
                "associated_data": associated_data,
                "nonce": nonce,
            },
        }
        return json.dumps(envelope, ensure_ascii=False).encode("utf-8"), plain

    def wechat_headers(
        self, body: bytes, at: datetime | None = None, serial: str | None = None, private_pem: str | None = None
    ) -> dict[str, str]:
        serial = serial or self.current_serial
        timestamp = str(int((at or self.clock()).timestamp()))
        nonce = secrets.token_hex(16).upper()
        pem = private_pem or self.wechat["platform"][serial]
        return {
            "Wechatpay-Serial": serial,
            "Wechatpay-Signature": keys.sign(pem, wechat.signing_message(timestamp, nonce, body)),
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature-Type": wechat.SIGNATURE_TYPE,
            "Request-ID": uuid.uuid4().hex,
            "Content-Type": "application/json",
        }

    def wechat_notification(
        self,
        trade: Trade,
        event_type: str | None = None,
        at: datetime | None = None,
        serial: str | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> Delivery:
        body, _ = self.wechat_envelope(trade, event_type, overrides)
        return Delivery("wechatpay", trade.out_trade_no, self.wechat_headers(body, at, serial), body)

    def alipay_params(
        self, trade: Trade, status: str | None = None, at: datetime | None = None, overrides: Mapping[str, str] = {}
    ) -> dict[str, str]:
        """The signed form of an Alipay asynchronous notification (values decoded)."""
        moment = at or self.clock()
        status = status or ("TRADE_FINISHED" if trade.finished else ALIPAY_STATES.get(trade.state, "TRADE_CLOSED"))
        yuan = money.fen_to_yuan(trade.amount_fen)
        params = {
            "notify_time": alipay.china_time(moment),
            "notify_type": "trade_status_sync",
            "notify_id": trade.delivery_id(status),
            "app_id": self.alipay["app_id"],
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": alipay.SIGN_TYPE,
            "trade_no": trade.transaction_id or ("2024" + trade.out_trade_no[-18:]),
            "out_trade_no": trade.out_trade_no,
            "buyer_id": "2088102177846875",
            "seller_id": self.alipay["seller_id"],
            "trade_status": status,
            "total_amount": yuan,
            "receipt_amount": yuan,
            "buyer_pay_amount": yuan,
            "subject": trade.description,
            "body": f"团费 {trade.out_trade_no}",
            "gmt_create": alipay.china_time(trade.paid_at or moment),
            "fund_bill_list": json.dumps([{"amount": yuan, "fundChannel": "ALIPAYACCOUNT"}], separators=(",", ":")),
        }
        if trade.paid_at is not None:
            params["gmt_payment"] = alipay.china_time(trade.paid_at)
        if trade.refunded_fen:
            params["refund_fee"] = money.fen_to_yuan(trade.refunded_fen)
            params["gmt_refund"] = alipay.china_time(moment) + ".000"
        params |= dict(overrides)
        if params.get("refund_fee") and "notify_id" not in overrides:
            # A refund is a notification of its own (its own notify_id), though its status may
            # be the payment's (a partial refund is notified as TRADE_SUCCESS).
            params["notify_id"] = trade.delivery_id(f"{status}#refund#{params['refund_fee']}")
        params["sign"] = keys.sign(self.alipay["alipay_private_key"], alipay.canonical(params).encode("utf-8"))
        return params

    def alipay_notification(
        self, trade: Trade, status: str | None = None, at: datetime | None = None, overrides: Mapping[str, str] = {}
    ) -> Delivery:
        body = urlencode(self.alipay_params(trade, status, at, overrides)).encode("utf-8")
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        return Delivery("alipay", trade.out_trade_no, headers, body)

    # -- tampering ---------------------------------------------------------------------------

    def stale(self, delivery: Delivery, seconds: int = 301) -> Delivery:
        """Re-signed by the platform with a timestamp `seconds` old (WeChat only has a window)."""
        if delivery.provider != "wechatpay":
            raise ValueError("Alipay defines no timestamp window")
        serial = delivery.headers["Wechatpay-Serial"]
        headers = self.wechat_headers(delivery.body, self.clock() - timedelta(seconds=seconds), serial)
        return replace(delivery, headers=headers, expect="stale", kind="stale")

    def tamper(self, delivery: Delivery, kind: str, rng: random.Random | None = None) -> Delivery:
        """A copy of `delivery` changed the way `kind` says (TAMPER_KINDS). Changes an attacker
        could make are not re-signed; `ciphertext` and `aad` are re-signed with the platform
        key so that only the AEAD tag can catch them."""
        rng = rng or random.Random(0)
        if kind not in TAMPER_KINDS[delivery.provider]:
            raise ValueError(f"{kind} does not apply to {delivery.provider}")
        headers, body = dict(delivery.headers), delivery.body
        if kind == "body_byte":
            body = _flip_alphanumeric(body, rng)
        elif delivery.provider == "wechatpay":
            headers, body = self._tamper_wechat(headers, body, kind, rng)
        else:
            params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            if kind == "header":
                params["sign_type"] = "RSA"
            elif kind == "key":
                params["sign"] = keys.sign(self._attacker_key, alipay.canonical(params).encode("utf-8"))
            else:  # amount
                params["total_amount"] = money.fen_to_yuan(money.yuan_to_fen(params["total_amount"]) + 1)
            body = urlencode(params).encode("utf-8")
        return replace(delivery, headers=headers, body=body, expect=TAMPER_EXPECT[kind], kind=kind)

    def _tamper_wechat(
        self, headers: dict[str, str], body: bytes, kind: str, rng: random.Random
    ) -> tuple[dict[str, str], bytes]:
        serial = headers["Wechatpay-Serial"]
        moment = datetime.fromtimestamp(int(headers["Wechatpay-Timestamp"]), UTC)
        if kind == "header":
            headers["Wechatpay-Nonce"] = _flip_alphanumeric(headers["Wechatpay-Nonce"].encode(), rng).decode()
        elif kind == "key":
            headers = self.wechat_headers(body, moment, serial, private_pem=self._attacker_key)
        elif kind == "signtest":
            headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + base64.b64encode(os.urandom(32)).decode()
        elif kind == "serial":
            headers["Wechatpay-Serial"] = secrets.token_hex(20).upper()
        else:
            envelope = json.loads(body)
            resource = envelope["resource"]
            if kind == "ciphertext":
                raw = bytearray(base64.b64decode(resource["ciphertext"]))
                raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
                resource["ciphertext"] = base64.b64encode(bytes(raw)).decode()
            elif kind == "aad":
                resource["associated_data"] = resource["associated_data"] + "x"
            else:  # amount, re-encrypted with the real key; the attacker cannot re-sign
                plain = json.loads(
                    keys.aes_gcm_decrypt(
                        self.wechat["apiv3_key"].encode(),
                        resource["nonce"].encode(),
                        resource["ciphertext"],
                        resource["associated_data"].encode(),
                    )
                    or b"{}"
                )
                plain["amount"]["total"] += 1
                resource["ciphertext"] = keys.aes_gcm_encrypt(
                    self.wechat["apiv3_key"].encode(),
                    resource["nonce"].encode(),
                    json.dumps(plain, ensure_ascii=False).encode(),
                    resource["associated_data"].encode(),
                )
            body = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
            if kind != "amount":
                headers = self.wechat_headers(body, moment, serial)
        return headers, body

    # -- delivery ------------------------------------------------------------------------------

    def resend(self, delivery: Delivery) -> Delivery:
        """The same notification sent again later: WeChat signs each send afresh (same `id`);
        Alipay sends the same parameters (same `notify_id`)."""
        if delivery.provider != "wechatpay" or delivery.expect != "accept":
            return delivery
        return replace(delivery, headers=self.wechat_headers(delivery.body, None, delivery.headers["Wechatpay-Serial"]))

    def deliver(
        self,
        trade: Trade,
        target: Target,
        compress: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        delivery: Delivery | None = None,
    ) -> list[Attempt]:
        """Send the trade's notification until it is acknowledged or the provider's schedule
        runs out, sleeping each interval divided by `compress`. Returns every attempt."""
        schedule = wechat.RESEND_SCHEDULE if trade.provider == "wechatpay" else alipay.RESEND_SCHEDULE
        current = delivery or self.notification(trade)
        attempts: list[Attempt] = []
        offset = 0.0
        for wait in (0, *schedule):
            if wait:
                sleep(wait / compress)
                offset += wait
                current = self.resend(current)
            status, answer = send(current, target)
            acknowledged = acknowledges(trade.provider, status, answer)
            attempts.append(Attempt(offset, status, answer, acknowledged))
            if acknowledged:
                break
        return attempts

    def storm(
        self,
        trades: Iterable[Trade],
        seed: int = 0,
        duplicates: float = 0.3,
        reordered: float = 0.1,
        tampered: float = 0.05,
        stale: float = 0.02,
        follow_ups: Iterable[Delivery] = (),
        bursts: int = 0,
        burst_size: int = 4,
    ) -> list[Delivery]:
        """Notifications as a busy provider sends them, the shares being of the whole storm:
        each trade's genuine notification once, each of `follow_ups` once (later statuses,
        refunds: genuine too), then re-sends of those later on (kind "duplicate"; `bursts` of
        them are groups of `burst_size` right behind their notification, to be sent at once with
        it), tampered and stale copies (kind = how, `expect` = the refusal they must get), and at
        least `reordered` of all moved out of the provider's order (`reordered` True).
        `sequence` is the provider's order."""
        rng = random.Random(seed)
        firsts: list[Delivery] = []
        for trade in trades:
            options = {"serial": rng.choice(list(self.wechat["platform"]))} if trade.provider == "wechatpay" else {}
            firsts.append(self.notification(trade, **options))
        firsts += list(follow_ups)
        if not firsts:
            return []
        total = math.ceil(len(firsts) / (1 - duplicates - tampered - stale))
        wechat_firsts = [i for i, d in enumerate(firsts) if d.provider == "wechatpay"]
        # The provider's timeline: the firsts in order; a burst right behind its notification
        # (sent at once with it); re-sends, tampered and stale copies later, up to a quarter of
        # the storm behind (as re-send schedules space them). A burst is one slot.
        timeline: list[tuple[float, list[Delivery]]] = [(float(i), [first]) for i, first in enumerate(firsts)]
        spread = max(len(firsts) / 4, 1.0)

        def later(i: int, slot: list[Delivery]) -> None:
            timeline.append((i + rng.uniform(0.5, spread), slot))

        copies = round(total * duplicates)
        for i in rng.sample(range(len(firsts)), min(bursts, len(firsts), copies // max(burst_size, 1))):
            timeline.append((i + 0.25, [replace(self.resend(firsts[i]), kind="duplicate") for _ in range(burst_size)]))
            copies -= burst_size
        for _ in range(copies):
            i = rng.randrange(len(firsts))
            later(i, [replace(self.resend(firsts[i]), kind="duplicate")])
        for n in range(round(total * tampered)):
            i = rng.randrange(len(firsts))
            kinds = TAMPER_KINDS[firsts[i].provider]
            later(i, [self.tamper(firsts[i], kinds[n % len(kinds)], rng)])
        for _ in range(round(total * stale) if wechat_firsts else 0):
            i = rng.choice(wechat_firsts)
            later(i, [self.stale(firsts[i])])
        slots = [slot for _, slot in sorted(timeline, key=lambda entry: entry[0])]
        sequence = 0
        for slot in slots:
            for index, delivery in enumerate(slot):
                slot[index] = replace(delivery, sequence=sequence)
                sequence += 1
        # Out of order: whole slots taken out and put back elsewhere, until enough have moved.
        moved: list[list[Delivery]] = []
        while sum(len(slot) for slot in moved) < math.ceil(reordered * sequence) and len(slots) > 1:
            moved.append(slots.pop(rng.randrange(len(slots))))
        for slot in moved:
            natural = sum(1 for other in slots if other[0].sequence < slot[0].sequence)
            at = rng.choice([i for i in range(len(slots) + 1) if i != natural] or [natural])
            slots.insert(at, [replace(d, reordered=True) for d in slot])
        return [delivery for slot in slots for delivery in slot]

    # -- the gateway (query-order) ---------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer a query as the providers' gateways do (our request signature checked first),
        and the mobile orders and cashier pages (infra/local/cashier.py)."""
        mobile = cashier.handle(self, request)
        if mobile is not None:
            return mobile[0]
        parts = urlsplit(request.url)
        base = f"{parts.scheme}://{parts.netloc}"
        if request.method == "GET" and parts.path.startswith("/v3/"):
            refused = self._wechat_refuses(request, parts.path, parts.query)
            if refused is not None:
                return refused
            if parts.path.startswith("/v3/pay/transactions/out-trade-no/"):
                return self._wechat_query(parts.path)
            if parts.path == "/v3/bill/tradebill":
                return self._wechat_bill_listing(base, parse_qs(parts.query)["bill_date"][0])
            if parts.path == "/v3/billdownload/file":
                text = self._wechat_bill_file(date.fromisoformat(parse_qs(parts.query)["token"][0]))
                return HttpResponse(200, {"Content-Type": "text/csv"}, text.encode("utf-8"))
        if parts.path.endswith("/gateway.do") and request.method == "POST":
            return self._alipay_gateway(request, base)
        if parts.path == "/alipay/billdownload" and request.method == "GET":
            text = self._alipay_bill_file(date.fromisoformat(parse_qs(parts.query)["token"][0]))
            return HttpResponse(200, {"Content-Type": "text/csv"}, text.encode("utf-8"))
        return HttpResponse(404, {"Content-Type": "application/json"}, b'{"code":"NOT_FOUND"}')

    def wechat_answer(self, status: int, document: Mapping[str, Any]) -> HttpResponse:
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        return HttpResponse(status, self.wechat_headers(body), body)

    def _wechat_refuses(self, request: HttpRequest, path: str, query: str) -> HttpResponse | None:
        """Our request's Authorization must be signed by the merchant key (401 otherwise)."""
        headers = {k.lower(): v for k, v in request.headers.items()}
        fields = wechat.parse_authorization(headers.get("authorization", ""))
        signed = f"{path}?{query}" if query else path
        message = wechat.request_message(
            "GET", signed, fields.get("timestamp", ""), fields.get("nonce_str", ""), request.body
        )
        if (
            fields.get("mchid") != self.wechat["mchid"]
            or fields.get("serial_no") != self.wechat["merchant_serial"]
            or not keys.verify(self.wechat["merchant_public_key"], message, fields.get("signature", ""))
        ):
            return self.wechat_answer(401, {"code": "SIGN_ERROR", "message": "签名错误"})
        if path.startswith("/v3/pay/") and parse_qs(query).get("mchid") != [self.wechat["mchid"]]:
            return self.wechat_answer(400, {"code": "PARAM_ERROR", "message": "mchid 不符"})
        return None

    def _wechat_query(self, path: str) -> HttpResponse:
        trade = self.trades.get(("wechatpay", unquote(path.rsplit("/", 1)[1])))
        if trade is None:
            return self.wechat_answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
        return self.wechat_answer(200, self._wechat_transaction(trade))

    def _wechat_bill_file(self, day: date) -> str:
        """WeChat's trade bill CSV: backtick-prefixed values, then the summary lines."""
        lines = self.bill("wechatpay", day)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(wechat.BILL_COLUMNS)
        for line in lines:
            yuan = money.fen_to_yuan(line.amount_fen)
            values = dict.fromkeys(wechat.BILL_COLUMNS, "")
            values |= {
                "交易时间": alipay.china_time(line.paid_at),
                "公众账号ID": self.wechat["appid"],
                "商户号": self.wechat["mchid"],
                "微信订单号": line.transaction_id,
                "商户订单号": line.out_trade_no,
                "交易类型": "NATIVE",
                "交易状态": line.state,
                "货币种类": "CNY",
                "应结订单金额": yuan,
                "代金券金额": "0.00",
                "商品名称": "团费",
                "手续费": "0.00",
                "费率": "0.60%",
                "订单金额": yuan,
            }
            writer.writerow("`" + values[column] for column in wechat.BILL_COLUMNS)
        total = money.fen_to_yuan(sum(line.amount_fen for line in lines))
        writer.writerow(wechat.BILL_SUMMARY.split(","))
        writer.writerow(["`" + v for v in (str(len(lines)), total, "0.00", "0.00", "0.00", total, "0.00")])
        return out.getvalue()

    def _wechat_bill_listing(self, base: str, bill_date: str) -> HttpResponse:
        day = date.fromisoformat(bill_date)
        digest = hashlib.sha1(self._wechat_bill_file(day).encode("utf-8")).hexdigest()
        url = f"{base}/v3/billdownload/file?token={day.isoformat()}"
        return self.wechat_answer(200, {"hash_type": "SHA1", "hash_value": digest, "download_url": url})

    def _alipay_bill_file(self, day: date) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([f"#支付宝业务明细查询 账号：[{self.alipay['seller_id']}]"])
        writer.writerow([f"#起始日期：[{day.isoformat()} 00:00:00]"])
        writer.writerow(alipay.BILL_COLUMNS)
        for line in self.bill("alipay", day):
            when = alipay.china_time(line.paid_at)
            yuan = money.fen_to_yuan(line.amount_fen)
            writer.writerow([line.transaction_id, line.out_trade_no, "交易", "团费", when, when, yuan, yuan])
        writer.writerow(["#-----------------------------------------业务明细列表结束"])
        return out.getvalue()

    def _alipay_answer(self, document: Mapping[str, Any], key: str = alipay.QUERY_RESPONSE_KEY) -> HttpResponse:
        inner = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        signature = keys.sign(self.alipay["alipay_private_key"], inner.encode("utf-8"))
        text = f'{{"{key}":{inner},"sign":"{signature}"}}'
        return HttpResponse(200, {"Content-Type": "application/json;charset=utf-8"}, text.encode("utf-8"))

    def _alipay_gateway(self, request: HttpRequest, base: str) -> HttpResponse:
        params = dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        key = params.get("method", "").replace(".", "_") + "_response"
        if params.get("app_id") != self.alipay["app_id"] or not keys.verify(
            self.alipay["app_public_key"], alipay.request_canonical(params).encode("utf-8"), params.get("sign", "")
        ):
            return self._alipay_answer(
                {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature", "sub_msg": "验签错"},
                key,
            )
        if params.get("method") == alipay.BILL_METHOD:
            day = json.loads(params["biz_content"])["bill_date"]
            url = f"{base}/alipay/billdownload?token={day}"
            return self._alipay_answer({"code": "10000", "msg": "Success", "bill_download_url": url}, key)
        biz = json.loads(params.get("biz_content") or "{}")
        trade = self.trades.get(("alipay", str(biz.get("out_trade_no"))))
        if trade is None:
            return self._alipay_answer(
                {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"}
            )
        document = {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.transaction_id or ("2024" + trade.out_trade_no[-18:]),
            "out_trade_no": trade.out_trade_no,
            "buyer_logon_id": "159****5620",
            "trade_status": "TRADE_FINISHED" if trade.finished else ALIPAY_STATES.get(trade.state, "TRADE_CLOSED"),
            "total_amount": money.fen_to_yuan(trade.amount_fen),
        }
        if trade.paid_at is not None:
            document["send_pay_date"] = alipay.china_time(trade.paid_at)
        return self._alipay_answer(document)

    # -- the local stack's HTTP face -------------------------------------------------------------

    def serve(self, host: str = "127.0.0.1", port: int = 0, compress: float = 1000.0) -> ThreadingHTTPServer:
        """An HTTP server (call serve_forever in a thread): the two gateways' query calls, plus
        control routes for a developer or an e2e test —
        POST /simulator/pay {provider, out_trade_no, amount_fen, notify_url} pays and delivers
        in the background on the compressed schedule; GET /simulator/bill?provider=&date=;
        the mobile cashier's pages, whose 确认支付 pays and delivers the same way."""
        return _SimulatorServer((host, port), _handler_for(self, compress))


class _SimulatorServer(ThreadingHTTPServer):
    # socketserver's backlog of 5 resets connections that arrive while the accept thread
    # waits for the GIL; deliveries to the local API and query calls come in bursts.
    request_queue_size = 128


def _flip_alphanumeric(data: bytes, rng: random.Random) -> bytes:
    """One letter or digit replaced by another: the message stays well-formed, so only the
    signature can tell."""
    positions = [i for i, b in enumerate(data) if chr(b).isascii() and chr(b).isalnum()]
    index = rng.choice(positions)
    alphabet = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    replacement = rng.choice([c for c in alphabet if c != data[index]])
    return data[:index] + bytes([replacement]) + data[index + 1 :]


def acknowledges(provider: str, status: int, answer: str) -> bool:
    """Whether the provider takes the answer as success (WeChat: 200/204; Alipay: `success`)."""
    if provider == "wechatpay":
        return status in (200, 204)
    return status == 200 and answer == "success"


def send(delivery: Delivery, target: Target) -> tuple[int, str]:
    """POST one delivery to a URL, or hand it to a callable (headers, body) -> (status, text)."""
    if callable(target):
        return target(dict(delivery.headers), delivery.body)
    request = urllib.request.Request(target, data=delivery.body, headers=delivery.headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read().decode("utf-8", "replace")
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        return 0, str(error)


def _handler_for(simulator: Simulator, compress: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, answer: HttpResponse) -> None:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def _request(self, method: str) -> HttpRequest:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            url = f"http://{self.headers.get('Host', 'simulator')}{self.path}"
            return HttpRequest(method, url, dict(self.headers.items()), body)

        def do_GET(self) -> None:
            request = self._request("GET")
            parts = urlsplit(self.path)
            if parts.path == "/simulator/bill":
                query = parse_qs(parts.query)
                lines = simulator.bill(query["provider"][0], date.fromisoformat(query["date"][0]))
                document = [
                    {
                        "out_trade_no": line.out_trade_no,
                        "transaction_id": line.transaction_id,
                        "amount_fen": line.amount_fen,
                        "state": line.state,
                        "paid_at": line.paid_at.isoformat(),
                    }
                    for line in lines
                ]
                self._answer(HttpResponse(200, {"Content-Type": "application/json"}, json.dumps(document).encode()))
                return
            self._answer(simulator.handle(request))

        def do_POST(self) -> None:
            request = self._request("POST")
            if urlsplit(self.path).path == cashier.CONFIRM_PATH:
                answer, paid = cashier.handle(simulator, request) or (HttpResponse(404), None)
                if paid is not None:  # delivered as /simulator/pay delivers
                    delivery = threading.Thread(target=simulator.deliver, args=(paid, paid.notify_url, compress))
                    delivery.daemon = True
                    delivery.start()
                self._answer(answer)
                return
            if urlsplit(self.path).path == "/simulator/pay":
                order = json.loads(request.body)
                trade = simulator.pay(
                    order["provider"], order["out_trade_no"], order["amount_fen"], notify_url=order["notify_url"]
                )
                threading.Thread(
                    target=simulator.deliver, args=(trade, trade.notify_url, compress), daemon=True
                ).start()
                body = json.dumps({"transaction_id": trade.transaction_id}).encode()
                self._answer(HttpResponse(202, {"Content-Type": "application/json"}, body))
                return
            self._answer(simulator.handle(request))

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
