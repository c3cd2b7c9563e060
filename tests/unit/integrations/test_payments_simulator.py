"""DUES-3 machinery around the protocols: keys come from one secret per provider, and the
simulator behaves as the providers do (re-send schedules, stable delivery ids, storms whose
every item a correct receiver handles as marked, query gateway over HTTP, daily bill)."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import boto3
import pytest
from msgspec.structs import replace

from infra.local.payments_simulator import Simulator, acknowledges, local_material
from zhtj.core.settings import payment_secret_name as secret_name
from zhtj.integrations.payments import alipay, provider, wechat
from zhtj.integrations.payments.base import BadSignature, PaymentError, StaleNotification, UnknownSerial
from zhtj.integrations.payments.config import alipay_config, forget, wechatpay_config
from zhtj.integrations.payments.transport import transport_for

REFUSALS = {BadSignature: "bad_signature", UnknownSerial: "unknown_serial", StaleNotification: "stale"}


def _outcome(receiver: Any, headers: dict[str, str], body: bytes) -> str:
    try:
        receiver.verify(headers, body, datetime.now(UTC))
    except PaymentError as error:
        return REFUSALS.get(type(error), type(error).__name__)
    return "accept"


@pytest.mark.usefixtures("aws")
def test_dues_3_providers_are_configured_from_their_secrets_once_per_process() -> None:
    # Given the secrets provision stored, and a simulator holding the provider side of them
    simulator = Simulator.from_secret().install()
    for name in ("wechatpay", "alipay"):
        # When the provider is loaded twice, Then it is the same object (read once)
        loaded = provider(name)
        assert provider(name) is loaded
        # And it verifies what the provider side signs, and queries through the configured gateway
        trade = simulator.pay(name, f"CFG-{name}", 1250)
        delivery = simulator.notification(trade)
        notification = loaded.verify(delivery.headers, delivery.body, datetime.now(UTC))
        assert (notification.event, notification.amount_fen) == ("PAID", 1250)
        queried = loaded.query(trade.out_trade_no)
        assert queried is not None and queried.transaction_id == trade.transaction_id
    # And forget() drops the loaded providers and the in-process gateway
    first = provider("wechatpay")
    forget()
    assert provider("wechatpay") is not first
    with pytest.raises(PaymentError) as unreachable:
        provider("wechatpay").query("CFG-wechatpay")
    assert unreachable.value.retryable


@pytest.mark.usefixtures("aws")
def test_dues_3_the_secret_holds_both_wechat_key_modes_and_no_provider_private_key() -> None:
    client = boto3.client("secretsmanager")
    document = json.loads(client.get_secret_value(SecretId=secret_name("wechatpay"))["SecretString"])
    serials = list(document["platform_keys"])
    assert any(s.startswith("PUB_KEY_ID_") for s in serials) and any(not s.startswith("PUB_KEY_ID_") for s in serials)
    assert all("PRIVATE" not in pem for pem in document["platform_keys"].values())
    alipay_document = json.loads(client.get_secret_value(SecretId=secret_name("alipay"))["SecretString"])
    assert "PRIVATE" not in alipay_document["alipay_public_key"]


def test_dues_3_secret_names_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHTJ_ALIPAY_SECRET", "prod/zhtj/alipay")
    assert secret_name("alipay") == "prod/zhtj/alipay"
    monkeypatch.delenv("ZHTJ_WECHATPAY_SECRET", raising=False)
    assert secret_name("wechatpay") == "zhtj/payments/wechatpay"


@pytest.mark.parametrize("name", ["wechatpay", "alipay"])
def test_dues_3_unacknowledged_notifications_are_resent_on_the_providers_schedule(name: str) -> None:
    # Given a receiver that never acknowledges
    simulator = Simulator.local()
    trade = simulator.pay(name, f"RESEND-{name}", 300)
    seen: list[tuple[dict[str, str], bytes]] = []
    slept: list[float] = []

    def refusing(headers: dict[str, str], body: bytes) -> tuple[int, str]:
        seen.append((headers, body))
        return (500, '{"code":"FAIL"}') if name == "wechatpay" else (200, "fail")

    # When the provider delivers with the schedule compressed 1000 times
    attempts = simulator.deliver(trade, refusing, compress=1000, sleep=slept.append)
    # Then it tried once plus once per interval, at the documented offsets, and gave up
    schedule = wechat.RESEND_SCHEDULE if name == "wechatpay" else alipay.RESEND_SCHEDULE
    assert len(attempts) == len(schedule) + 1 and not any(a.acknowledged for a in attempts)
    assert slept == [s / 1000 for s in schedule]
    total = {"wechatpay": 24 * 3600 + 4 * 60, "alipay": 87840}[name]
    assert attempts[-1].offset_seconds == sum(schedule) == total
    # And every re-send is the same notification (same id); WeChat signs each afresh
    if name == "wechatpay":
        assert len({json.loads(body)["id"] for _, body in seen}) == 1
        assert len({headers["Wechatpay-Nonce"] for headers, _ in seen}) == len(seen)
    else:
        assert len({dict(parse_qsl(body.decode()))["notify_id"] for _, body in seen}) == 1


def test_dues_3_delivery_stops_at_the_first_acknowledgement_and_resends_still_verify() -> None:
    # Given
    simulator = Simulator.local()
    material = local_material()
    receiver = wechat.WeChatPay(wechatpay_config(material["wechatpay"]), simulator.handle)
    trade = simulator.pay("wechatpay", "ACK-3", 300)
    calls = []

    def third_time_lucky(headers: dict[str, str], body: bytes) -> tuple[int, str]:
        calls.append(receiver.verify(headers, body, datetime.now(UTC)))
        reply = receiver.reply(len(calls) == 3)
        return reply.status, reply.body

    # When
    attempts = simulator.deliver(trade, third_time_lucky, compress=1000, sleep=lambda s: None)
    # Then
    assert [a.acknowledged for a in attempts] == [False, False, True]
    assert [a.offset_seconds for a in attempts] == [0, 15, 30]
    assert len({n.delivery_id for n in calls}) == 1
    assert acknowledges("wechatpay", 200, "") and not acknowledges("alipay", 200, "success\n")


def test_dues_3_storm_items_are_each_handled_as_marked() -> None:
    # Given 300 paid trades across both providers, notified as a busy provider does
    simulator = Simulator.local()
    material = local_material()
    receivers = {
        "wechatpay": wechat.WeChatPay(wechatpay_config(material["wechatpay"]), simulator.handle),
        "alipay": alipay.Alipay(alipay_config(material["alipay"]), simulator.handle),
    }
    trades = [simulator.pay(("wechatpay", "alipay")[i % 2], f"STORM-{i:04d}", 100 + i) for i in range(300)]
    storm = simulator.storm(trades, seed=7, duplicates=0.3, reordered=0.1, tampered=0.05, stale=0.02, bursts=5)
    # Then every item gets exactly the outcome it is marked with
    outcomes = [(d.expect, _outcome(receivers[d.provider], d.headers, d.body)) for d in storm]
    assert all(expect == got for expect, got in outcomes), [o for o in outcomes if o[0] != o[1]][:5]
    # And the storm has the advertised shape, the shares being of the whole storm
    kinds = Counter(d.kind for d in storm)
    accepted_trades = {d.out_trade_no for d in storm if d.expect == "accept"}
    assert accepted_trades == {t.out_trade_no for t in trades}
    total = len(storm)
    tampered = total - kinds["genuine"] - kinds["duplicate"] - kinds["stale"]
    assert kinds["genuine"] == len(trades)
    assert abs(kinds["duplicate"] - 0.3 * total) <= 1
    assert abs(tampered - 0.05 * total) <= 1 and abs(kinds["stale"] - 0.02 * total) <= 1
    assert sum(d.reordered for d in storm) >= 0.1 * total
    assert sorted(d.sequence for d in storm) == list(range(total))
    assert [d.sequence for d in storm] != list(range(total))
    # and the bursts are runs of 4 copies of one notification side by side
    runs = [storm[i : i + 4] for i in range(total - 3)]
    bursts = [r for r in runs if all(d.kind == "duplicate" and d.body == r[0].body for d in r)]
    assert len(bursts) >= 5


def test_dues_3_daily_bill_lists_the_days_trades_with_amounts() -> None:
    # Given
    simulator = Simulator.local()
    day = datetime(2024, 5, 1, 2, tzinfo=UTC)  # 10:00 in China
    simulator.pay("wechatpay", "BILL-1", 300, at=day)
    simulator.pay("wechatpay", "BILL-2", 1250, at=day + timedelta(hours=13))  # 23:00 China, same day
    simulator.pay("wechatpay", "BILL-3", 500, at=day + timedelta(hours=14))  # next China day
    simulator.open_trade("wechatpay", "BILL-4", 700)  # never paid
    simulator.pay("alipay", "BILL-5", 900, at=day)
    # When
    lines = simulator.bill("wechatpay", date(2024, 5, 1))
    # Then
    assert [(line.out_trade_no, line.amount_fen) for line in lines] == [("BILL-1", 300), ("BILL-2", 1250)]
    assert all(line.transaction_id for line in lines)


def test_dues_3_simulator_over_http_answers_queries_and_delivers_to_a_url() -> None:
    # Given the simulator served over HTTP (as in the local stack) and a receiver endpoint
    simulator = Simulator.local()
    material = local_material()
    server = simulator.serve(compress=1000)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    gateway = f"http://127.0.0.1:{server.server_address[1]}"
    receiver = wechat.WeChatPay(wechatpay_config(material["wechatpay"] | {"gateway": gateway}), transport_for(gateway))
    received: list[Any] = []
    done = threading.Event()

    class Endpoint(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(receiver.verify(dict(self.headers.items()), body, datetime.now(UTC)))
            reply = receiver.reply(len(received) > 1)  # refuse the first: a re-send must follow
            self.send_response(reply.status)
            self.end_headers()
            self.wfile.write(reply.body.encode())
            if len(received) > 1:
                done.set()

        def log_message(self, *args: Any) -> None:
            return

    endpoint = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()
    try:
        # When an order is paid through the control route
        order = {
            "provider": "wechatpay",
            "out_trade_no": "HTTP-1",
            "amount_fen": 1250,
            "notify_url": f"http://127.0.0.1:{endpoint.server_address[1]}/notify",
        }
        request = urllib.request.Request(f"{gateway}/simulator/pay", data=json.dumps(order).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 202
        # Then the notification arrives, is re-sent after the refusal, and query-order works over HTTP
        assert done.wait(5)
        assert [n.amount_fen for n in received] == [1250, 1250]
        queried = receiver.query("HTTP-1")
        assert queried is not None and queried.event == "PAID"
        with urllib.request.urlopen(f"{gateway}/simulator/bill?provider=wechatpay&date={date.today()}") as answer:
            bill = json.loads(answer.read())
        assert [line["out_trade_no"] for line in bill] in ([], ["HTTP-1"])  # today in China may differ from UTC
    finally:
        server.shutdown()
        endpoint.shutdown()


def test_dues_3_tampers_that_do_not_apply_are_refused_by_the_simulator() -> None:
    simulator = Simulator.local()
    delivery = simulator.notification(simulator.pay("alipay", "NA-1", 300))
    for kind in ("ciphertext", "aad", "signtest", "serial"):
        with pytest.raises(ValueError):
            simulator.tamper(delivery, kind)
    with pytest.raises(ValueError):
        simulator.stale(delivery)


@pytest.mark.parametrize("name", ["wechatpay", "alipay"])
def test_dues_3_the_bill_downloads_through_the_provider_and_matches_the_trades(name: str) -> None:
    # Given trades paid on a China day, one the day after, and one never paid
    simulator = Simulator.local()
    material = local_material()
    receiver: Any = (
        wechat.WeChatPay(wechatpay_config(material["wechatpay"]), simulator.handle)
        if name == "wechatpay"
        else alipay.Alipay(alipay_config(material["alipay"]), simulator.handle)
    )
    day = datetime(2024, 5, 1, 2, tzinfo=UTC)
    first = simulator.pay(name, "DL-1", 300, at=day)
    second = simulator.pay(name, "DL-2", 123456, at=day + timedelta(hours=13))
    simulator.pay(name, "DL-3", 500, at=day + timedelta(hours=14))
    simulator.open_trade(name, "DL-4", 700)
    # When we download the bill of that day, Then it lists exactly the day's trades, amounts in fen
    lines = receiver.bill(date(2024, 5, 1))
    assert [(x.out_trade_no, x.transaction_id, x.amount_fen) for x in lines] == [
        ("DL-1", first.transaction_id, 300),
        ("DL-2", second.transaction_id, 123456),
    ]
    assert lines[0].paid_at == first.paid_at.replace(microsecond=0)
    assert [x.state for x in lines] == ["SUCCESS" if name == "wechatpay" else "TRADE_SUCCESS"] * 2


def test_dues_3_a_wechat_bill_whose_hash_does_not_match_is_refused() -> None:
    # Given
    simulator = Simulator.local()
    material = local_material()
    simulator.pay("wechatpay", "HASH-1", 300, at=datetime(2024, 5, 1, 2, tzinfo=UTC))

    def altering(request: Any) -> Any:
        answer = simulator.handle(request)
        if "billdownload" in request.url:
            return replace(answer, body=answer.body.replace(b"3.00", b"4.00"))
        return answer

    receiver = wechat.WeChatPay(wechatpay_config(material["wechatpay"]), altering)
    # When / Then
    with pytest.raises(BadSignature):
        receiver.bill(date(2024, 5, 1))
