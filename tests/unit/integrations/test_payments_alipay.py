"""DUES-3 for Alipay: an asynchronous notification is verified (RSA2 over the canonical string,
our app_id and seller_id, the amount as a decimal) before anything is believed — differential
against the independent SDK `python-alipay-sdk` as a peer, with keys generated in the test."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
from alipay import AliPay
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from infra.local.payments_simulator import TAMPER_KINDS, Simulator, local_material
from zhtj.integrations.payments import keys
from zhtj.integrations.payments.alipay import Alipay, canonical, request_canonical
from zhtj.integrations.payments.base import BadSignature, BusinessMismatch, MalformedNotification, PaymentError
from zhtj.integrations.payments.config import alipay_config
from zhtj.integrations.payments.money import yuan_to_fen
from zhtj.integrations.payments.transport import HttpRequest, HttpResponse

EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
AMOUNTS = st.integers(min_value=1, max_value=10_000_000)
# Subjects with what URL encoding and the k=v&k=v string must survive.
SUBJECTS = st.text(st.sampled_from("团费支付宝 &=+%/?#abcXYZ019-_.'\""), min_size=1, max_size=24).filter(str.strip)
PAID_STATUSES = st.sampled_from(["TRADE_SUCCESS", "TRADE_FINISHED", "TRADE_CLOSED"])


class World:
    def __init__(self) -> None:
        material = local_material()
        self.simulator = Simulator(material["simulator"])
        self.receiver = Alipay(alipay_config(material["alipay"]), self.simulator.handle)
        document = material["alipay"]
        self.peer = AliPay(
            appid=document["app_id"],
            app_notify_url=None,
            app_private_key_string=document["app_private_key"],
            alipay_public_key_string=document["alipay_public_key"],
            sign_type="RSA2",
        )

    def peer_accepts(self, body: bytes) -> bool:
        try:
            data = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            signature = data.pop("sign")
            return bool(self.peer.verify(data, signature))
        except Exception:  # the SDK raises on an unknown sign_type: a refusal all the same
            return False

    def we_accept(self, body: bytes) -> bool:
        try:
            self.receiver.verify({}, body, datetime.now(UTC))
        except PaymentError:
            return False
        return True


@pytest.fixture(scope="module")
def world() -> World:
    return World()


@EXAMPLES
@given(amount=AMOUNTS, subject=SUBJECTS, status=PAID_STATUSES, number=st.integers(0, 10**12))
def test_dues_3_every_valid_notification_is_accepted_by_us_and_by_python_alipay_sdk(
    world: World, amount: int, subject: str, status: str, number: int
) -> None:
    # Given a paid trade notified with any of the statuses that matter
    world.simulator.trades.pop(("alipay", f"D{number:014d}"), None)
    trade = world.simulator.open_trade("alipay", f"D{number:014d}", amount, description=subject)
    world.simulator.pay("alipay", trade.out_trade_no)
    delivery = world.simulator.alipay_notification(trade, status=status)
    # When both verify it, Then both accept, and ours reads the amount exactly
    assert world.peer_accepts(delivery.body)
    notification = world.receiver.verify({}, delivery.body, datetime.now(UTC))
    assert notification.amount_fen == amount
    assert notification.event == {"TRADE_SUCCESS": "PAID", "TRADE_FINISHED": "PAID", "TRADE_CLOSED": "CLOSED"}[status]
    assert (notification.raw_status, notification.out_trade_no) == (status, trade.out_trade_no)
    params = dict(parse_qsl(delivery.body.decode()))
    assert notification.delivery_id == params["notify_id"]
    assert notification.transaction_id == params["trade_no"]


@pytest.mark.parametrize("kind", TAMPER_KINDS["alipay"])
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), amount=AMOUNTS)
def test_dues_3_every_tampered_notification_is_refused_by_us_and_by_python_alipay_sdk(
    world: World, kind: str, seed: int, amount: int
) -> None:
    trade = world.simulator.pay("alipay", f"T{seed}", amount)
    genuine = world.simulator.notification(trade)
    tampered = world.simulator.tamper(genuine, kind, random.Random(seed))
    assert world.we_accept(genuine.body) and world.peer_accepts(genuine.body)
    assert not world.peer_accepts(tampered.body)
    with pytest.raises((BadSignature, MalformedNotification)):
        world.receiver.verify({}, tampered.body, datetime.now(UTC))


def test_dues_3_divergence_python_alipay_sdk_signs_empty_values(world: World) -> None:
    trade = world.simulator.pay("alipay", "EMPTY-1", 300)
    # Given a notification with an empty value, signed by the official rule (empties dropped)
    official = world.simulator.alipay_notification(trade, overrides={"passback_params": ""})
    # Then we accept it and the SDK, which puts "passback_params=" into the signed string, refuses it
    assert world.we_accept(official.body)
    assert not world.peer_accepts(official.body)
    # And signed the SDK's way (empty value included), the SDK accepts and we refuse
    params = dict(parse_qsl(official.body.decode(), keep_blank_values=True))
    unsigned = {k: v for k, v in params.items() if k not in ("sign", "sign_type")}
    sdk_string = "&".join(f"{k}={v}" for k, v in sorted(unsigned.items()))
    params["sign"] = keys.sign(world.simulator.alipay["alipay_private_key"], sdk_string.encode())
    sdk_way = urlencode(params).encode()
    assert world.peer_accepts(sdk_way)
    with pytest.raises(BadSignature):
        world.receiver.verify({}, sdk_way, datetime.now(UTC))


def test_dues_3_canonical_string_drops_sign_sign_type_and_empties_and_keeps_values_decoded() -> None:
    params = {"b": "2", "a": "x y&z=1", "sign": "s", "sign_type": "RSA2", "c": "", "fund_bill_list": '[{"a":"1"}]'}
    assert canonical(params) == 'a=x y&z=1&b=2&fund_bill_list=[{"a":"1"}]'
    assert request_canonical(params) == 'a=x y&z=1&b=2&fund_bill_list=[{"a":"1"}]&sign_type=RSA2'


def test_dues_3_no_time_window_a_finished_trade_months_later_still_verifies(world: World) -> None:
    trade = world.simulator.pay("alipay", "LATE-1", 300, at=datetime.now(UTC) - timedelta(days=120))
    trade.finished = True
    late = world.simulator.alipay_notification(trade, at=datetime.now(UTC) - timedelta(days=1))
    notification = world.receiver.verify({}, late.body, datetime.now(UTC))
    assert (notification.event, notification.raw_status) == ("PAID", "TRADE_FINISHED")


@settings(max_examples=50, deadline=None)
@given(amount=st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2))
def test_dues_3_amounts_are_decimals_to_fen_never_floats(amount: Decimal) -> None:
    text = f"{amount:.2f}"
    whole, cents = text.split(".")
    assert yuan_to_fen(text) == int(whole) * 100 + int(cents)


@pytest.mark.parametrize("text", ["50.001", "abc", "-1.00", "NaN", "Infinity", ""])
def test_dues_3_amounts_that_are_not_yuan_with_two_decimals_are_refused(text: str) -> None:
    with pytest.raises(MalformedNotification):
        yuan_to_fen(text)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"app_id": "2021999999999999"}, "app_id"), ({"seller_id": "2088999999999999"}, "seller_id")],
)
def test_dues_3_authentic_but_not_ours_is_a_business_mismatch(
    world: World, overrides: dict[str, str], field: str
) -> None:
    trade = world.simulator.pay("alipay", f"BIZ-{field}", 300)
    delivery = world.simulator.alipay_notification(trade, overrides=overrides)
    assert world.peer_accepts(delivery.body)
    with pytest.raises(BusinessMismatch) as refused:
        world.receiver.verify({}, delivery.body, datetime.now(UTC))
    assert refused.value.field == field and refused.value.notification is not None


def test_dues_3_statuses_map_to_events(world: World) -> None:
    # Given
    trade = world.simulator.open_trade("alipay", "STATUS-1", 5000)
    # When
    waiting = world.receiver.verify({}, world.simulator.alipay_notification(trade).body, datetime.now(UTC))
    # Then
    assert (waiting.event, waiting.raw_status, waiting.paid_at) == ("OTHER", "WAIT_BUYER_PAY", None)
    world.simulator.pay("alipay", "STATUS-1")
    world.simulator.refund("alipay", "STATUS-1", 1000)
    partial = world.receiver.verify({}, world.simulator.alipay_notification(trade).body, datetime.now(UTC))
    assert (partial.event, partial.raw_status) == ("REFUND", "TRADE_SUCCESS")
    world.simulator.refund("alipay", "STATUS-1")
    full = world.receiver.verify({}, world.simulator.alipay_notification(trade).body, datetime.now(UTC))
    assert (full.event, full.raw_status) == ("CLOSED", "TRADE_CLOSED")


def test_dues_3_malformed_forms_are_refused(world: World) -> None:
    # Given
    trade = world.simulator.pay("alipay", "MAL-1", 300)
    body = world.simulator.alipay_notification(trade).body
    # When / Then
    with pytest.raises(MalformedNotification):
        world.receiver.verify({}, body + b"&trade_status=TRADE_SUCCESS", datetime.now(UTC))
    with pytest.raises(MalformedNotification):
        world.receiver.verify({}, b"\xff\xfe", datetime.now(UTC))
    no_sign = urlencode({k: v for k, v in parse_qsl(body.decode()) if k != "sign"}).encode()
    with pytest.raises(BadSignature):
        world.receiver.verify({}, no_sign, datetime.now(UTC))


def test_dues_3_reply_is_plain_success_or_fail(world: World) -> None:
    assert (world.receiver.reply(True).status, world.receiver.reply(True).body) == (200, "success")
    assert world.receiver.reply(False, "x").body == "fail"
    assert world.receiver.reply(True).headers["Content-Type"].startswith("text/plain")


def test_dues_3_order_request_is_a_signed_precreate(world: World) -> None:
    # Given
    expires = datetime(2024, 5, 1, 4, 30, tzinfo=UTC)
    # When
    form = world.receiver.order_request("D2024050100001", 1250, "团费 2024-04", "https://zhtj.example/notify", expires)
    # Then
    assert form["method"] == "alipay.trade.precreate" and form["notify_url"] == "https://zhtj.example/notify"
    assert json.loads(form["biz_content"]) == {
        "out_trade_no": "D2024050100001",
        "total_amount": "12.50",
        "subject": "团费 2024-04",
        "time_expire": "2024-05-01 12:30:00",
    }
    assert keys.verify(world.simulator.alipay["app_public_key"], request_canonical(form).encode(), form["sign"])


def test_dues_3_trade_query_is_signed_and_its_answer_verified(world: World) -> None:
    # Given
    trade = world.simulator.pay("alipay", "QUERY-1", 1250)
    # When
    found = world.receiver.query("QUERY-1")
    # Then
    assert found is not None and (found.event, found.amount_fen, found.transaction_id) == (
        "PAID",
        1250,
        trade.transaction_id,
    )
    assert world.receiver.query("NEVER-SEEN") is None

    def forging(request: HttpRequest) -> HttpResponse:
        answer = world.simulator.handle(request)
        return HttpResponse(answer.status, answer.headers, answer.body.replace(b"12.50", b"99.50"))

    with pytest.raises(BadSignature):
        Alipay(world.receiver.config, forging).query("QUERY-1")
    impostor = Alipay(
        replace(world.receiver.config, app_private_key=keys.generate_private_key_pem()), world.simulator.handle
    )
    with pytest.raises(PaymentError) as refused:
        impostor.query("QUERY-1")
    assert refused.value.code == "QUERY_FAILED"
