"""DUES-3 for WeChat Pay API v3: a notification is verified (signature on the raw body, key by
serial in both key modes, ±300 s, AEAD) before anything is believed — differential against the
independent SDK `wechatpayv3` as a peer, with keys generated in the test process."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wechatpayv3 import WeChatPay as SdkWeChatPay
from wechatpayv3 import WeChatPayType

from infra.local.payments_simulator import IN_PROCESS_GATEWAY, TAMPER_KINDS, Simulator, local_material
from zhtj.integrations.payments import keys
from zhtj.integrations.payments.base import (
    BadSignature,
    BusinessMismatch,
    MalformedNotification,
    PaymentError,
    StaleNotification,
    UnknownSerial,
)
from zhtj.integrations.payments.config import wechatpay_config
from zhtj.integrations.payments.transport import HttpRequest, HttpResponse
from zhtj.integrations.payments.wechat import PUBLIC_KEY_ID_PREFIX, WeChatPay

EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TRADE_NUMBERS = st.text("ABCDEFGHJKMNPQRSTVWXYZ0123456789_-", min_size=6, max_size=32)
AMOUNTS = st.integers(min_value=1, max_value=10_000_000)


class World:
    def __init__(self, cert_dir: Path) -> None:
        material = local_material()
        self.simulator = Simulator(material["simulator"])
        self.calls: list[HttpRequest] = []
        self.receiver = WeChatPay(wechatpay_config(material["wechatpay"]), self._transport)
        document = material["wechatpay"]
        self.key_id = next(s for s in document["platform_keys"] if s.startswith(PUBLIC_KEY_ID_PREFIX))
        self.cert_serial = next(s for s in document["platform_keys"] if not s.startswith(PUBLIC_KEY_ID_PREFIX))
        (cert_dir / f"{self.cert_serial}.pem").write_text(document["platform_keys"][self.cert_serial])
        common = {
            "wechatpay_type": WeChatPayType.NATIVE,
            "mchid": document["mchid"],
            "private_key": document["merchant_private_key"],
            "cert_serial_no": document["merchant_serial"],
            "appid": document["appid"],
            "apiv3_key": document["apiv3_key"],
        }
        # Two peers, one per key mode (the SDK holds one mode at a time); ours holds both.
        self.peer_by_key_id = SdkWeChatPay(
            **common, public_key=document["platform_keys"][self.key_id], public_key_id=self.key_id
        )
        self.peer_by_certificate = SdkWeChatPay(**common, cert_dir=str(cert_dir))
        for peer in (self.peer_by_key_id, self.peer_by_certificate):
            # On an unknown serial the SDK downloads certificates; nothing leaves this machine.
            peer._core._update_certificates = lambda: None

    def _transport(self, request: HttpRequest) -> HttpResponse:
        self.calls.append(request)
        return self.simulator.handle(request)

    def peer_accepts(self, headers: dict[str, str], body: bytes) -> bool:
        peer = self.peer_by_key_id if headers["Wechatpay-Serial"] == self.key_id else self.peer_by_certificate
        try:
            return bool(peer.callback(headers, body))
        except Exception:  # the SDK raises on some malformed input: a refusal all the same
            return False

    def we_accept(self, headers: dict[str, str], body: bytes, now: datetime | None = None) -> bool:
        try:
            self.receiver.verify(headers, body, now or datetime.now(UTC))
        except PaymentError:
            return False
        return True


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield World(tmp_path_factory.mktemp("wechat-certs"))


@EXAMPLES
@given(out_trade_no=TRADE_NUMBERS, amount=AMOUNTS, by_key_id=st.booleans(), description=st.text(max_size=20))
def test_dues_3_every_valid_notification_is_accepted_by_us_and_by_wechatpayv3(
    world: World, out_trade_no: str, amount: int, by_key_id: bool, description: str
) -> None:
    # Given a paid trade notified with either key mode
    world.simulator.trades.pop(("wechatpay", out_trade_no), None)
    trade = world.simulator.open_trade("wechatpay", out_trade_no, amount, description=description)
    world.simulator.pay("wechatpay", out_trade_no)
    delivery = world.simulator.notification(trade, serial=world.key_id if by_key_id else world.cert_serial)
    # When both receivers verify it, Then both accept and ours reads the payment right
    assert world.peer_accepts(delivery.headers, delivery.body)
    notification = world.receiver.verify(delivery.headers, delivery.body, datetime.now(UTC))
    peer = world.peer_by_key_id.callback(delivery.headers, delivery.body) if by_key_id else None
    assert (notification.event, notification.raw_status) == ("PAID", "SUCCESS")
    assert (notification.out_trade_no, notification.amount_fen) == (out_trade_no, amount)
    assert notification.transaction_id == trade.transaction_id
    assert notification.delivery_id == json.loads(delivery.body)["id"]
    assert notification.paid_at is not None and abs(notification.paid_at - trade.paid_at) < timedelta(seconds=1)
    if peer is not None:
        assert peer["resource"]["amount"]["total"] == notification.amount_fen


@pytest.mark.parametrize("kind", TAMPER_KINDS["wechatpay"])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), amount=AMOUNTS, by_key_id=st.booleans())
def test_dues_3_every_tampered_notification_is_refused_by_us_and_by_wechatpayv3(
    world: World, kind: str, seed: int, amount: int, by_key_id: bool
) -> None:
    # Given a genuine notification and a copy tampered in one way
    trade = world.simulator.pay("wechatpay", f"T{seed}", amount)
    genuine = world.simulator.notification(trade, serial=world.key_id if by_key_id else world.cert_serial)
    tampered = world.simulator.tamper(genuine, kind, random.Random(seed))
    assert world.we_accept(genuine.headers, genuine.body) and world.peer_accepts(genuine.headers, genuine.body)
    # Then both refuse the tampered copy, ours with the refusal the tamper calls for
    assert not world.peer_accepts(tampered.headers, tampered.body)
    expected = {"bad_signature": BadSignature, "unknown_serial": UnknownSerial}[tampered.expect]
    with pytest.raises(expected):
        world.receiver.verify(tampered.headers, tampered.body, datetime.now(UTC))


def test_dues_3_divergence_wechatpayv3_has_no_time_window(world: World) -> None:
    # Given a notification signed by the platform 301 s ago (a replay)
    trade = world.simulator.pay("wechatpay", "STALE-1", 300)
    stale = world.simulator.stale(world.simulator.notification(trade, serial=world.key_id), seconds=301)
    # Then the SDK accepts it (it checks no timestamp) and we refuse it
    assert world.peer_accepts(stale.headers, stale.body)
    with pytest.raises(StaleNotification):
        world.receiver.verify(stale.headers, stale.body, datetime.now(UTC))


def test_dues_3_the_window_is_strictly_under_300_seconds_either_way(world: World) -> None:
    trade = world.simulator.pay("wechatpay", "WINDOW-1", 300)
    delivery = world.simulator.notification(trade)
    sent = int(delivery.headers["Wechatpay-Timestamp"])
    for offset in (-299, 0, 299):
        world.receiver.verify(delivery.headers, delivery.body, datetime.fromtimestamp(sent + offset, UTC))
    for offset in (-300, 300, 86400):
        with pytest.raises(StaleNotification):
            world.receiver.verify(delivery.headers, delivery.body, datetime.fromtimestamp(sent + offset, UTC))


def test_dues_3_header_names_in_any_case_and_certificate_serials_without_case(world: World) -> None:
    trade = world.simulator.pay("wechatpay", "CASE-1", 300)
    delivery = world.simulator.notification(trade, serial=world.cert_serial)
    now = datetime.now(UTC)
    for spelled in (str.lower, str.upper, str.title):
        world.receiver.verify({spelled(k): v for k, v in delivery.headers.items()}, delivery.body, now)
    lowered_serial = dict(delivery.headers, **{"Wechatpay-Serial": world.cert_serial.lower()})
    world.receiver.verify(lowered_serial, delivery.body, now)


def test_dues_3_unknown_serial_is_refused_and_nothing_is_fetched(world: World) -> None:
    trade = world.simulator.pay("wechatpay", "SERIAL-1", 300)
    delivery = world.simulator.tamper(world.simulator.notification(trade), "serial")
    world.calls.clear()
    with pytest.raises(UnknownSerial) as refused:
        world.receiver.verify(delivery.headers, delivery.body, datetime.now(UTC))
    assert refused.value.retryable  # an operator adds the key; WeChat's re-send then succeeds
    assert world.calls == []


def test_dues_3_signtest_probe_fails_as_a_bad_signature(world: World) -> None:
    trade = world.simulator.pay("wechatpay", "PROBE-1", 300)
    probe = world.simulator.tamper(world.simulator.notification(trade), "signtest")
    assert probe.headers["Wechatpay-Signature"].startswith("WECHATPAY/SIGNTEST/")
    with pytest.raises(BadSignature) as refused:
        world.receiver.verify(probe.headers, probe.body, datetime.now(UTC))
    assert not refused.value.retryable


def test_dues_3_signature_is_over_the_raw_body_not_a_reserialization(world: World) -> None:
    # Given the same JSON with different whitespace than what was signed
    trade = world.simulator.pay("wechatpay", "RAW-1", 300)
    delivery = world.simulator.notification(trade)
    reformatted = json.dumps(json.loads(delivery.body), indent=1).encode()
    with pytest.raises(BadSignature):
        world.receiver.verify(delivery.headers, reformatted, datetime.now(UTC))


def test_dues_3_signed_but_undecryptable_means_our_apiv3_key_is_stale_so_retry(world: World) -> None:
    trade = world.simulator.pay("wechatpay", "AEAD-1", 300)
    tampered = world.simulator.tamper(world.simulator.notification(trade), "ciphertext")
    with pytest.raises(BadSignature) as refused:
        world.receiver.verify(tampered.headers, tampered.body, datetime.now(UTC))
    assert (refused.value.code, refused.value.retryable) == ("DECRYPT_FAILED", True)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"mchid": "1900000999"}, "mchid"),
        ({"appid": "wx0000000000000000"}, "appid"),
        ({"amount": {"total": 300, "currency": "USD"}}, "currency"),
    ],
)
def test_dues_3_authentic_but_not_ours_is_a_business_mismatch(
    world: World, overrides: dict[str, Any], field: str
) -> None:
    trade = world.simulator.pay("wechatpay", f"BIZ-{field}", 300)
    delivery = world.simulator.wechat_notification(trade, overrides=overrides)
    assert world.peer_accepts(delivery.headers, delivery.body)  # authentic: the SDK has no business checks
    with pytest.raises(BusinessMismatch) as refused:
        world.receiver.verify(delivery.headers, delivery.body, datetime.now(UTC))
    assert refused.value.field == field
    assert refused.value.notification is not None and refused.value.notification.out_trade_no == trade.out_trade_no


@pytest.mark.parametrize(
    ("event_type", "event"), [("REFUND.SUCCESS", "REFUND"), ("REFUND.ABNORMAL", "OTHER"), ("REFUND.CLOSED", "OTHER")]
)
def test_dues_3_refund_notifications(world: World, event_type: str, event: str) -> None:
    trade = world.simulator.pay("wechatpay", f"REF-{event_type}", 5000)
    world.simulator.refund("wechatpay", trade.out_trade_no, 2000)
    delivery = world.simulator.wechat_notification(trade, event_type=event_type)
    assert world.peer_accepts(delivery.headers, delivery.body)
    notification = world.receiver.verify(delivery.headers, delivery.body, datetime.now(UTC))
    assert (notification.event, notification.raw_status, notification.amount_fen) == (event, event_type, 2000)
    assert notification.app_id == ""


def test_dues_3_malformed_requests_are_refused(world: World) -> None:
    # Given
    trade = world.simulator.pay("wechatpay", "MAL-1", 300)
    delivery = world.simulator.notification(trade)
    headers = dict(delivery.headers)
    del headers["Wechatpay-Nonce"]
    # When / Then
    with pytest.raises(MalformedNotification):
        world.receiver.verify(headers, delivery.body, datetime.now(UTC))
    not_json = b"not json"
    with pytest.raises(MalformedNotification):
        world.receiver.verify(world.simulator.wechat_headers(not_json), not_json, datetime.now(UTC))


def test_dues_3_reply_follows_the_contract(world: World) -> None:
    assert world.receiver.reply(True) == world.receiver.reply(True, "ignored")
    ok = world.receiver.reply(True)
    assert (ok.status, ok.body) == (204, "")
    failed = world.receiver.reply(False, "稍后重试")
    assert failed.status >= 400 and json.loads(failed.body) == {"code": "FAIL", "message": "稍后重试"}


def test_dues_3_order_request_is_the_v3_native_body(world: World) -> None:
    # Given
    expires = datetime(2024, 5, 1, 4, 30, tzinfo=UTC)
    # When
    body = world.receiver.order_request("D2024050100001", 1250, "团费 2024-04", "https://zhtj.example/notify", expires)
    # Then
    assert body == {
        "appid": world.receiver.config.appid,
        "mchid": world.receiver.config.mchid,
        "description": "团费 2024-04",
        "out_trade_no": "D2024050100001",
        "time_expire": "2024-05-01T12:30:00+08:00",
        "notify_url": "https://zhtj.example/notify",
        "amount": {"total": 1250, "currency": "CNY"},
    }
    with pytest.raises(ValueError):
        world.receiver.order_request("D1", 0, "x", "https://x", expires)


def test_dues_3_query_order_is_signed_and_its_answer_verified(world: World) -> None:
    # Given a trade the provider knows (paid) and one it does not
    trade = world.simulator.pay("wechatpay", "QUERY-1", 1250)
    world.calls.clear()
    # When we ask, Then the paid trade comes back and the unknown one is None
    found = world.receiver.query("QUERY-1")
    assert found is not None and (found.event, found.amount_fen, found.transaction_id) == (
        "PAID",
        1250,
        trade.transaction_id,
    )
    assert world.receiver.query("NEVER-SEEN") is None
    request = world.calls[0]
    assert request.url == f"{IN_PROCESS_GATEWAY}/v3/pay/transactions/out-trade-no/QUERY-1?mchid={found.merchant_id}"
    assert request.headers["Authorization"].startswith("WECHATPAY2-SHA256-RSA2048 mchid=")
    # And an unpaid trade is reported as such
    world.simulator.open_trade("wechatpay", "QUERY-2", 300)
    unpaid = world.receiver.query("QUERY-2")
    assert unpaid is not None and (unpaid.event, unpaid.raw_status, unpaid.paid_at) == ("OTHER", "NOTPAY", None)


def test_dues_3_query_answer_with_a_bad_signature_is_refused(world: World) -> None:
    # Given
    world.simulator.pay("wechatpay", "QUERY-3", 1250)

    def forging(request: HttpRequest) -> HttpResponse:
        answer = world.simulator.handle(request)
        return HttpResponse(answer.status, answer.headers, answer.body.replace(b"1250", b"9999"))

    receiver = WeChatPay(world.receiver.config, forging)
    # When / Then
    with pytest.raises(BadSignature):
        receiver.query("QUERY-3")


def test_dues_3_the_gateway_refuses_a_query_not_signed_with_the_merchant_key(world: World) -> None:
    # Given
    world.simulator.pay("wechatpay", "QUERY-4", 1250)
    from msgspec.structs import replace

    impostor = WeChatPay(
        replace(world.receiver.config, merchant_private_key=keys.generate_private_key_pem()), world.simulator.handle
    )
    # When / Then
    with pytest.raises(PaymentError) as refused:
        impostor.query("QUERY-4")
    assert refused.value.code == "QUERY_FAILED"
