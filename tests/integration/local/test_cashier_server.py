"""The simulator's cashier over HTTP, as the local stack serves it (infra/local/cashier.py): a
browser opens the H5 page WeChat's answer names, presses 确认支付, is sent back (303) to the
app's page, and the signed notification reaches the order's notify_url, as /simulator/pay
delivers it (WEB-1, DUES-3)."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from infra.local import cashier
from infra.local.payments_simulator import Simulator, local_material
from zhtj.integrations.payments import checkout
from zhtj.integrations.payments.config import wechatpay_config
from zhtj.integrations.payments.transport import http_transport
from zhtj.integrations.payments.wechat import WeChatPay


class Webhook:
    """A stand-in for the API's webhook: records the first notification, answers 204."""

    def __init__(self) -> None:
        self.received = threading.Event()
        self.headers: dict[str, str] = {}
        self.body = b""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                owner.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.headers = dict(self.headers.items())
                self.send_response(204)
                self.end_headers()
                owner.received.set()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/wechatpay"


@pytest.fixture
def servers() -> Iterator[tuple[Simulator, str, Webhook]]:
    simulator = Simulator.local()
    server = simulator.serve("127.0.0.1", 0, compress=1000.0)
    webhook = Webhook()
    for running in (server, webhook.server):
        threading.Thread(target=running.serve_forever, daemon=True).start()
    yield simulator, f"http://127.0.0.1:{server.server_address[1]}", webhook
    for running in (server, webhook.server):
        running.shutdown()
        running.server_close()


def test_web_1_dues_3_the_cashier_over_http_pays_returns_and_notifies(
    servers: tuple[Simulator, str, Webhook],
) -> None:
    simulator, base, webhook = servers
    # Given an H5 order made through the simulator's HTTP gateway
    pay = WeChatPay(wechatpay_config({**local_material()["wechatpay"], "gateway": base}), http_transport())
    order = checkout.Order("d-http-1", 300, "团费", webhook.url, datetime.now(UTC) + timedelta(minutes=30))
    paying = checkout.wechat_h5(pay, order, checkout.Payer("http://127.0.0.1:8000/m/dues", client_ip="127.0.0.1"))
    assert paying.pay_url is not None and paying.pay_url.startswith(base + cashier.CASHIER_PATH)
    # When the browser opens the cashier page and presses 确认支付
    connection = http.client.HTTPConnection("127.0.0.1", int(urlsplit(base).port or 80), timeout=10)
    page_url = urlsplit(paying.pay_url)
    connection.request("GET", f"{page_url.path}?{page_url.query}")
    page = connection.getresponse()
    assert page.status == 200 and "确认支付" in page.read().decode("utf-8")
    form = "&".join(
        f"{k}={quote(v, safe='')}"
        for k, v in {
            "provider": "wechatpay",
            "out_trade_no": "d-http-1",
            "return_url": "http://127.0.0.1:8000/m/dues",
            "action": "pay",
        }.items()
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", cashier.CONFIRM_PATH, body=form.encode(), headers=headers)
    answer = connection.getresponse()
    answer.read()
    # Then the browser is sent back to the app
    assert (answer.status, answer.getheader("Location")) == (303, "http://127.0.0.1:8000/m/dues")
    # And the signed notification of the paid trade reaches the notify_url, and verifies
    assert webhook.received.wait(30)
    notification = pay.verify(webhook.headers, webhook.body, datetime.now(UTC))
    assert (notification.out_trade_no, notification.event, notification.amount_fen) == ("d-http-1", "PAID", 300)
    assert simulator.trades[("wechatpay", "d-http-1")].state == "SUCCESS"
