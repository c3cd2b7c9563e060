"""WEB-1 / DUES-1: the payer's step on a phone, each request built as the provider documents
it and checked against the independent SDKs as peers (`wechatpayv3`, `python-alipay-sdk`):
WeChat Pay JSAPI (the order body with payer.openid, the getBrandWCPayRequest parameters and
their paySign), WeChat Pay H5 (scene_info, h5_url with redirect_url), Alipay's mobile website
payment (alipay.trade.wap.pay as a signed GET URL). The simulator plays the gateways."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote, urlsplit

import pytest
from alipay import AliPay
from msgspec.structs import replace
from wechatpayv3 import WeChatPay as SdkWeChatPay
from wechatpayv3 import WeChatPayType

from infra.local import cashier
from infra.local.payments_simulator import Simulator, local_material
from zhtj.integrations.payments import checkout, keys
from zhtj.integrations.payments.alipay import Alipay, request_canonical
from zhtj.integrations.payments.base import PaymentError
from zhtj.integrations.payments.config import alipay_config, wechatpay_config
from zhtj.integrations.payments.transport import HttpRequest, HttpResponse
from zhtj.integrations.payments.wechat import PUBLIC_KEY_ID_PREFIX, WeChatPay

ORDER = checkout.Order(
    "d0123456789abcdef", 1250, "团费", "https://zhtj.example/webhooks/x", datetime(2026, 5, 1, 4, 30, tzinfo=UTC)
)
APP_PAGE = "https://zhtj.example/m/dues?from=pay"
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


class World:
    def __init__(self, cert_dir: Path) -> None:
        material = local_material()
        self.simulator = Simulator(material["simulator"])
        self.calls: list[HttpRequest] = []
        self.wechat = WeChatPay(wechatpay_config(material["wechatpay"]), self._transport)
        self.alipay = Alipay(alipay_config(material["alipay"]), self._transport)
        document = material["wechatpay"]
        key_id = next(s for s in document["platform_keys"] if s.startswith(PUBLIC_KEY_ID_PREFIX))
        self.wechat_peer = SdkWeChatPay(
            wechatpay_type=WeChatPayType.JSAPI,
            mchid=document["mchid"],
            private_key=document["merchant_private_key"],
            cert_serial_no=document["merchant_serial"],
            appid=document["appid"],
            apiv3_key=document["apiv3_key"],
            public_key=document["platform_keys"][key_id],
            public_key_id=key_id,
        )
        self.peer_requests: list[tuple[str, dict[str, Any]]] = []

        def capture(path: str, method: Any = None, data: Any = None, **_: Any) -> tuple[int, str]:
            self.peer_requests.append((path, data))
            return 200, "{}"

        self.wechat_peer._core.request = capture  # the SDK builds the request; nothing is sent
        self.alipay_peer = AliPay(
            appid=material["alipay"]["app_id"],
            app_notify_url=None,
            app_private_key_string=material["alipay"]["app_private_key"],
            alipay_public_key_string=material["alipay"]["alipay_public_key"],
            sign_type="RSA2",
        )

    def _transport(self, request: HttpRequest) -> HttpResponse:
        self.calls.append(request)
        return self.simulator.handle(request)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(tmp_path_factory.mktemp("certs"))


def test_dues_1_web_1_wechat_jsapi_order_is_the_sdks_and_its_pay_sign_verifies(world: World) -> None:
    # When the member pays inside WeChat
    paying = checkout.wechat_jsapi(world.wechat, ORDER, checkout.Payer(APP_PAGE, OPENID))
    # Then the order went to POST /v3/pay/transactions/jsapi, signed, with the body the SDK builds
    sent = world.calls[-1]
    assert (sent.method, urlsplit(sent.url).path) == ("POST", "/v3/pay/transactions/jsapi")
    assert json.loads(sent.body) == paying.request
    world.wechat_peer.pay(
        description="团费",
        out_trade_no=ORDER.out_trade_no,
        amount={"total": 1250, "currency": "CNY"},
        payer={"openid": OPENID},
        time_expire="2026-05-01T12:30:00+08:00",
        notify_url=ORDER.notify_url,
        pay_type=WeChatPayType.JSAPI,
    )
    assert world.peer_requests[-1] == ("/v3/pay/transactions/jsapi", paying.request)
    # And the bridge's parameters are signed as WeChat documents it (the SDK's sign, RSA over
    # appId\ntimeStamp\nnonceStr\npackage\n with the merchant key)
    params = paying.jsapi
    assert set(params) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    prepay_id = params["package"].removeprefix("prepay_id=")
    assert world.simulator.prepays[prepay_id] == ORDER.out_trade_no
    assert params["signType"] == "RSA" and params["appId"] == world.wechat.config.appid
    peer_sign = world.wechat_peer.sign([params["appId"], params["timeStamp"], params["nonceStr"], params["package"]])
    assert params["paySign"] == peer_sign
    public = keys.public_key_pem(world.wechat.config.merchant_private_key)
    message = checkout.jsapi_message(params["appId"], params["timeStamp"], params["nonceStr"], params["package"])
    assert keys.verify(public, message, params["paySign"])
    # And with no stand-in (the cloud) there is no page to go to: the bridge pays
    assert paying.pay_url is None


def test_web_1_the_local_jsapi_stand_in_is_a_page_with_the_package_and_the_way_back(world: World) -> None:
    paying = checkout.wechat_jsapi(
        world.wechat, ORDER, checkout.Payer(APP_PAGE, OPENID), stand_in="http://127.0.0.1:9/simulator/jsapi"
    )
    assert paying.pay_url is not None
    query = parse_qs(urlsplit(paying.pay_url).query)
    assert query == {"package": [paying.jsapi["package"]], "return_url": [APP_PAGE]}


def test_dues_1_web_1_wechat_h5_order_carries_the_payer_ip_and_returns_to_the_app(world: World) -> None:
    # When the member pays in a phone's browser outside WeChat
    paying = checkout.wechat_h5(world.wechat, ORDER, checkout.Payer(APP_PAGE, client_ip="203.0.113.7"))
    # Then the order went to POST /v3/pay/transactions/h5 with scene_info, as the SDK builds it
    sent = world.calls[-1]
    assert urlsplit(sent.url).path == "/v3/pay/transactions/h5"
    assert paying.request["scene_info"] == {"payer_client_ip": "203.0.113.7", "h5_info": {"type": "Wap"}}
    world.wechat_peer.pay(
        description="团费",
        out_trade_no=ORDER.out_trade_no,
        amount={"total": 1250, "currency": "CNY"},
        scene_info={"payer_client_ip": "203.0.113.7", "h5_info": {"type": "Wap"}},
        time_expire="2026-05-01T12:30:00+08:00",
        notify_url=ORDER.notify_url,
        pay_type=WeChatPayType.H5,
    )
    assert world.peer_requests[-1] == ("/v3/pay/transactions/h5", paying.request)
    # And the browser goes to the h5_url with redirect_url URL-encoded appended (WeChat's rule)
    assert paying.pay_url is not None and paying.pay_url.endswith("&redirect_url=" + quote(APP_PAGE, safe=""))
    assert urlsplit(paying.pay_url).path == cashier.CASHIER_PATH


def test_dues_1_web_1_alipay_wap_is_a_signed_gateway_url_the_sdk_signs_alike(world: World) -> None:
    # When the member pays with Alipay on the phone
    paying = checkout.alipay_wap(world.alipay, ORDER, checkout.Payer(APP_PAGE))
    # Then the browser goes to the gateway with every parameter in the query, nothing was called
    assert paying.pay_url is not None
    parts = urlsplit(paying.pay_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == world.alipay.config.gateway
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    assert params == paying.request
    assert (params["method"], params["return_url"], params["notify_url"]) == (
        "alipay.trade.wap.pay",
        APP_PAGE,
        ORDER.notify_url,
    )
    assert json.loads(params["biz_content"]) == {
        "out_trade_no": ORDER.out_trade_no,
        "total_amount": "12.50",
        "subject": "团费",
        "product_code": "QUICK_WAP_WAY",
        "time_expire": "2026-05-01 12:30:00",
        "quit_url": APP_PAGE,
    }
    # And the signature is the SDK's over the same parameters (RSA2, sign_type included)
    unsigned = {k: v for k, v in params.items() if k != "sign"}
    peer_signed = dict(parse_qsl(world.alipay_peer.sign_data(dict(unsigned))))
    assert params["sign"] == peer_signed["sign"]
    assert keys.verify(world.simulator.alipay["app_public_key"], request_canonical(params).encode(), params["sign"])


def test_dues_1_alipay_wap_fields_match_the_sdk_but_for_its_product_code(world: World) -> None:
    """Divergence: python-alipay-sdk sends product_code QUICK_WAP_PAY; Alipay's documentation of
    alipay.trade.wap.pay names QUICK_WAP_WAY, which we send. Everything else is the SDK's."""
    ours = checkout.alipay_wap(world.alipay, ORDER, checkout.Payer(APP_PAGE)).request
    theirs = dict(
        parse_qsl(
            world.alipay_peer.api_alipay_trade_wap_pay(
                "团费",
                ORDER.out_trade_no,
                "12.50",
                return_url=APP_PAGE,
                notify_url=ORDER.notify_url,
                time_expire="2026-05-01 12:30:00",
                quit_url=APP_PAGE,
            )
        )
    )
    varying = {"timestamp", "sign", "biz_content", "format"}
    assert {k: v for k, v in ours.items() if k not in varying} == {k: v for k, v in theirs.items() if k not in varying}
    assert {**json.loads(theirs["biz_content"]), "product_code": "QUICK_WAP_WAY"} == json.loads(ours["biz_content"])


def test_web_1_the_simulated_gateway_refuses_what_wechat_refuses(world: World) -> None:
    # A JSAPI order without the payer's openid, an H5 order without the payer's address
    with pytest.raises(PaymentError):
        world.wechat.post(checkout.JSAPI_PATH, world.wechat.order_request(*_order_args()), "x")
    with pytest.raises(PaymentError):
        world.wechat.post(checkout.H5_PATH, world.wechat.order_request(*_order_args()), "x")
    # An order signed by another key
    impostor = keys.generate_private_key_pem()
    forged = WeChatPay(replace(world.wechat.config, merchant_private_key=impostor), world.simulator.handle)
    with pytest.raises(PaymentError) as refused:
        checkout.wechat_jsapi(forged, ORDER, checkout.Payer(APP_PAGE, OPENID))
    assert "401" in refused.value.message
    # A wap URL whose parameters were changed after signing shows no cashier
    url = checkout.alipay_wap(world.alipay, ORDER, checkout.Payer(APP_PAGE)).pay_url
    assert url is not None
    answer = world.simulator.handle(HttpRequest("GET", url.replace("12.50", "0.01")))
    assert answer.status == 400


def _order_args() -> tuple[str, int, str, str, datetime]:
    return ("d-refused", 100, "团费", ORDER.notify_url, ORDER.expires_at)


def test_web_1_the_cashier_page_is_chinese_with_confirm_and_cancel_and_returns_to_the_app(world: World) -> None:
    # Given an H5 order and its cashier page
    order = checkout.Order("d-cashier-1", 300, "团费", ORDER.notify_url, ORDER.expires_at)
    paying = checkout.wechat_h5(world.wechat, order, checkout.Payer(APP_PAGE, client_ip="203.0.113.7"))
    assert paying.pay_url is not None
    page = world.simulator.handle(HttpRequest("GET", paying.pay_url))
    text = page.body.decode("utf-8")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert '<html lang="zh-CN">' in text and 'name="viewport"' in text and "¥3.00" in text
    assert ">确认支付</button>" in text and ">取消</button>" in text
    # When the payer cancels: back to the app, nothing paid
    form = f"provider=wechatpay&out_trade_no=d-cashier-1&return_url={quote(APP_PAGE, safe='')}"
    cancelled = world.simulator.handle(
        HttpRequest("POST", "inproc://simulator" + cashier.CONFIRM_PATH, {}, (form + "&action=cancel").encode())
    )
    assert (cancelled.status, cancelled.headers["Location"]) == (303, APP_PAGE)
    assert world.simulator.trades[("wechatpay", "d-cashier-1")].state == "NOTPAY"
    # When they confirm: the trade is paid (the server delivers its notification), back to the app
    answer, paid = cashier.handle(
        world.simulator,
        HttpRequest("POST", "inproc://simulator" + cashier.CONFIRM_PATH, {}, (form + "&action=pay").encode()),
    ) or (None, None)
    assert answer is not None and (answer.status, answer.headers["Location"]) == (303, APP_PAGE)
    assert paid is not None and paid.state == "SUCCESS" and paid.notify_url == ORDER.notify_url
    # And the notification names the mobile trade type
    _, plain = world.simulator.wechat_envelope(paid)
    assert plain["trade_type"] == "MWEB"
