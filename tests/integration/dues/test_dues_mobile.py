"""DUES-1 / DUES-5 / WEB-1 through the HTTP API: a member pays on the phone — WeChat Pay inside
WeChat (JSAPI), WeChat Pay H5 in another browser, Alipay's mobile website — through the
simulator's cashier, and comes back to the app; the notification settles the order as any
other. The way back is only ever one of the app's own pages."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from infra.local import cashier
from infra.local.payments_simulator import Simulator
from tests.support import World, call, wechat
from tests.support.http import member_headers
from zhtj.core import clock
from zhtj.core.settings import JSAPI_STAND_IN_ENV, public_api_url
from zhtj.dues import orders as dues_orders
from zhtj.dues import rules as dues_rules
from zhtj.dues import webhook as dues_webhook
from zhtj.integrations.payments import checkout, keys
from zhtj.integrations.payments.transport import HttpRequest
from zhtj.members.models import Member
from zhtj.table import keys as table_keys


def app_page() -> str:
    return public_api_url() + "/m/dues"


@pytest.fixture
def sim(world: World) -> Iterator[Simulator]:
    """The providers' simulator in-process, and 华景's members admitted three months ago."""
    dues_webhook.forget()
    simulator = Simulator.local().install()
    start = dues_rules.add_months(dues_rules.month_of(clock.today_in_china()), -3)
    for member_id in world.members["huajing"]:
        member = Member.get(table_keys.member_pk(member_id), table_keys.META)
        member.join_month = start
        member.save()
    yield simulator
    dues_webhook.forget()


def pay(client: Any, world: World, member_id: str, body: dict[str, Any], path: str = "pay") -> tuple[int, Any]:
    return call(client, "POST", f"/members/{member_id}/dues/{path}", member_headers(world, member_id), body)


def through_the_cashier(client: Any, sim: Simulator, pay_url: str, action: str = "pay") -> str:
    """What the browser does: open the cashier page, press a button, follow the 303; the
    simulator's server then delivers the notification (done here, in-process). Returns where
    the browser was sent back to."""
    page = sim.handle(HttpRequest("GET", pay_url))
    assert page.status == 200 and "确认支付" in page.body.decode("utf-8")
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.body.decode("utf-8"))
    fields = {name: html.unescape(value) for name, value in hidden}
    body = "&".join(f"{k}={quote(v, safe='')}" for k, v in {**fields, "action": action}.items()).encode()
    answer, paid = cashier.handle(sim, HttpRequest("POST", "inproc://simulator" + cashier.CONFIRM_PATH, {}, body)) or (
        None,
        None,
    )
    assert answer is not None and answer.status == 303
    if paid is not None:
        delivery = sim.notification(paid)
        response = client.http.post(f"/webhooks/{paid.provider}", headers=dict(delivery.headers), body=delivery.body)
        assert response.status_code in (200, 204)
    return answer.headers["Location"]


def order_state(client: Any, world: World, member_id: str, order_id: str) -> str:
    status, order = call(client, "GET", f"/dues/orders/{order_id}", member_headers(world, member_id))
    assert status == 200
    return str(order["state"])


def test_dues_1_web_1_a_member_pays_with_wechat_h5_through_the_cashier_and_returns(
    client: Any, world: World, sim: Simulator
) -> None:
    member_id = world.members["huajing"][0]
    # When the member pays now in a phone's browser (WeChat Pay H5), to come back to /m/dues
    status, paying = pay(client, world, member_id, {"channel": "wechat_h5", "return_url": app_page()})
    # Then the order is open and the browser is sent to WeChat's page (the simulator's cashier)
    assert status == 201, paying
    order = paying["order"]
    assert (order["provider"], order["state"]) == ("wechatpay", "PENDING")
    assert paying["checkout"]["channel"] == "wechat_h5" and paying["checkout"]["jsapi"] is None
    assert paying["provider_request"]["scene_info"]["h5_info"] == {"type": "Wap"}
    assert paying["provider_request"]["amount"]["total"] == order["amount_fen"]
    # When they confirm at the cashier
    back = through_the_cashier(client, sim, paying["checkout"]["pay_url"])
    # Then they are back on the app's page and the order is paid by the notification
    assert back == app_page()
    assert order_state(client, world, member_id, order["order_id"]) == "PAID"


def test_dues_1_web_1_inside_wechat_the_app_gets_signed_jsapi_parameters(
    client: Any, world: World, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    member_id = world.members["huajing"][0]
    # Given the member's account holds their openid (bound on entering the app inside WeChat)
    openid = wechat.bind(client, member_headers(world, member_id), "code-jsapi")
    # When the member pays inside WeChat (and no stand-in: the cloud)
    monkeypatch.delenv(JSAPI_STAND_IN_ENV, raising=False)
    status, paying = pay(client, world, member_id, {"channel": "wechat_jsapi", "return_url": app_page()})
    # Then the bridge's parameters come back, paySign by the merchant key over WeChat's message
    assert status == 201, paying
    params = paying["checkout"]["jsapi"]
    assert params["package"].startswith("prepay_id=wx") and params["signType"] == "RSA"
    merchant = keys.public_key_pem(sim_merchant_key())
    message = checkout.jsapi_message(params["appId"], params["timeStamp"], params["nonceStr"], params["package"])
    assert keys.verify(merchant, message, params["paySign"])
    assert paying["provider_request"]["payer"] == {"openid": openid}
    assert paying["checkout"]["pay_url"] is None
    # When locally the simulator's page stands in for the bridge
    monkeypatch.setenv(JSAPI_STAND_IN_ENV, "http://127.0.0.1:9" + cashier.JSAPI_STAND_IN_PATH)
    status, again = call(
        client,
        "POST",
        f"/dues/orders/{paying['order']['order_id']}/checkout",
        member_headers(world, member_id),
        {"channel": "wechat_jsapi", "return_url": app_page()},
    )
    # Then the same order has a page to go to, which pays it and comes back
    assert status == 200, again
    assert again["order"]["order_id"] == paying["order"]["order_id"]
    assert through_the_cashier(client, sim, again["checkout"]["pay_url"]) == app_page()
    assert order_state(client, world, member_id, paying["order"]["order_id"]) == "PAID"


def sim_merchant_key() -> str:
    from infra.local.payments_simulator import local_material

    return str(local_material()["wechatpay"]["merchant_private_key"])


def test_dues_1_web_1_alipay_wap_cancelled_then_paid_on_the_same_order(
    client: Any, world: World, sim: Simulator
) -> None:
    member_id = world.members["huajing"][0]
    # Given an Alipay mobile-website order
    status, paying = pay(client, world, member_id, {"channel": "alipay_wap", "return_url": app_page()})
    assert status == 201, paying
    order_id = paying["order"]["order_id"]
    pay_url = paying["checkout"]["pay_url"]
    assert parse_qs(urlsplit(pay_url).query)["method"] == ["alipay.trade.wap.pay"]
    # When the payer presses 取消 at the cashier
    assert through_the_cashier(client, sim, pay_url, action="cancel") == app_page()
    # Then the order stays open (the app offers to pay again or cancel)
    assert order_state(client, world, member_id, order_id) == "PENDING"
    status, answer = pay(client, world, member_id, {"channel": "alipay_wap", "return_url": app_page()})
    assert (status, answer["code"]) == (409, "BILL_LOCKED")
    # When they open the order's checkout again and pay
    status, again = call(
        client,
        "POST",
        f"/dues/orders/{order_id}/checkout",
        member_headers(world, member_id),
        {"channel": "alipay_wap", "return_url": app_page()},
    )
    assert status == 200, again
    assert through_the_cashier(client, sim, again["checkout"]["pay_url"]) == app_page()
    # Then it is paid once
    assert order_state(client, world, member_id, order_id) == "PAID"


@pytest.mark.parametrize(
    "return_url",
    [
        "https://evil.example/m/dues",
        "javascript:alert(1)",
        "/m/dues",
        "{origin}/webhooks/wechatpay",
        "{origin_user}/m/dues",
        "",
    ],
)
def test_web_1_the_way_back_is_only_the_apps_own_pages(
    client: Any, world: World, sim: Simulator, return_url: str
) -> None:
    member_id = world.members["huajing"][0]
    origin = public_api_url()
    url = return_url.format(origin=origin, origin_user=origin.replace("://", "://user@"))
    # When a payment names another page to come back to
    status, answer = pay(client, world, member_id, {"channel": "wechat_h5", "return_url": url})
    # Then it is refused beside return_url in Chinese, and no order is made
    assert (status, answer["code"], answer["field"]) == (400, "RETURN_URL_NOT_ALLOWED", "return_url")
    assert "团员端" in answer["message"]
    status, bill = call(client, "GET", f"/members/{member_id}/dues/bill", member_headers(world, member_id))
    assert bill["locked"] is False


def test_web_1_jsapi_needs_the_bound_openid_and_a_checkout_needs_the_orders_provider(
    client: Any, world: World, sim: Simulator
) -> None:
    member_id, other = world.members["huajing"][0], world.members["huajing"][1]
    # Inside WeChat before the app bound the member's WeChat: no order, the way to bind it said
    status, answer = pay(client, world, member_id, {"channel": "wechat_jsapi", "return_url": app_page()})
    assert (status, answer["code"], answer["field"]) == (409, "WECHAT_NOT_BOUND", "channel")
    assert "微信内重新打开" in answer["message"]
    # An openid the browser names is not taken: only the one bound to the account pays
    body = {"channel": "wechat_jsapi", "openid": "oSomeoneElse", "return_url": app_page()}
    assert pay(client, world, member_id, body)[0] == 400
    status, answer = pay(client, world, member_id, {"return_url": app_page()})
    assert (status, answer["code"], answer["field"]) == (400, "PROVIDER_UNKNOWN", "provider")
    status, paying = pay(client, world, member_id, {"channel": "wechat_h5", "return_url": app_page()})
    assert status == 201
    path = f"/dues/orders/{paying['order']['order_id']}/checkout"
    body = {"channel": "alipay_wap", "return_url": app_page()}
    # A WeChat order is not paid with Alipay
    status, answer = call(client, "POST", path, member_headers(world, member_id), body)
    assert (status, answer["code"], answer["field"]) == (400, "CHANNEL_PROVIDER_MISMATCH", "channel")
    # Nobody else opens the member's checkout, not even a branch mate
    status, answer = call(client, "POST", path, member_headers(world, other), {**body, "channel": "wechat_h5"})
    assert (status, answer["code"]) == (403, "NOT_SELF")
    status, answer = call(client, "POST", path, world.headers("huajing"), {**body, "channel": "wechat_h5"})
    assert (status, answer["code"]) == (403, "NOT_SELF")
    # A cancelled order has no checkout
    status, _ = call(
        client, "POST", f"/dues/orders/{paying['order']['order_id']}/cancel", member_headers(world, member_id)
    )
    assert status == 200
    status, answer = call(client, "POST", path, member_headers(world, member_id), {**body, "channel": "wechat_h5"})
    assert (status, answer["code"]) == (409, "ORDER_NOT_OPEN")


def test_dues_5_web_1_a_mate_pays_on_the_phone(client: Any, world: World, sim: Simulator) -> None:
    mate, payer = world.members["huajing"][0], world.members["huajing"][1]
    # When a member pays for a mate of the same branch with WeChat Pay H5 (帮TA交)
    status, paying = call(
        client,
        "POST",
        f"/members/{mate}/dues/mate-pay",
        member_headers(world, payer),
        {"channel": "wechat_h5", "return_url": app_page()},
    )
    assert status == 201, paying
    assert paying["order"]["payer_id"] == payer
    # Then the cashier pays it and the mate's bill is settled
    assert through_the_cashier(client, sim, paying["checkout"]["pay_url"]) == app_page()
    assert order_state(client, world, payer, paying["order"]["order_id"]) == "PAID"
    status, bill = call(client, "GET", f"/members/{mate}/dues/bill", member_headers(world, mate))
    assert bill["months"] == []


def test_web_1_a_provider_that_refuses_leaves_the_order_open_with_a_chinese_message(
    client: Any, world: World, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    member_id = world.members["huajing"][0]

    def down(*_: Any, **__: Any) -> checkout.Checkout:
        raise checkout.PaymentError("网关不可达", code="GATEWAY_UNREACHABLE", retryable=True)

    monkeypatch.setattr(checkout, "wechat_h5", down)
    status, answer = pay(client, world, member_id, {"channel": "wechat_h5", "return_url": app_page()})
    assert (status, answer["code"], answer["field"]) == (409, "PAYMENT_CHANNEL_UNAVAILABLE", "channel")
    status, bill = call(client, "GET", f"/members/{member_id}/dues/bill", member_headers(world, member_id))
    assert bill["locked"] is True and bill["open_order_id"]
    assert dues_orders.get_order(bill["open_order_id"]) is not None


def test_dues_1_web_1_inside_wechat_from_entering_the_app_to_paid(
    client: Any, world: World, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    member_id, mate = world.members["huajing"][0], world.members["huajing"][1]
    headers = member_headers(world, member_id)
    monkeypatch.setenv(JSAPI_STAND_IN_ENV, "http://127.0.0.1:9" + cashier.JSAPI_STAND_IN_PATH)
    # Given the member entered the app inside WeChat (authorized once, the openid bound)
    openid = wechat.enter_inside_wechat(client, headers, user="huajing-payer", page=app_page())
    # When they pay their dues inside WeChat (here through the stand-in)
    status, paying = pay(client, world, member_id, {"channel": "wechat_jsapi", "return_url": app_page()})
    # Then WeChat Pay is asked for a JSAPI order for that openid, and the order is paid
    assert status == 201, paying
    assert sim.trades[("wechatpay", paying["order"]["order_id"])].trade_type == "JSAPI"
    assert paying["provider_request"]["payer"] == {"openid": openid}
    assert through_the_cashier(client, sim, paying["checkout"]["pay_url"]) == app_page()
    assert order_state(client, world, member_id, paying["order"]["order_id"]) == "PAID"
    # When they pay for a branch mate inside WeChat (帮TA交), the payer is the caller's WeChat
    status, paying = call(
        client, "POST", f"/members/{mate}/dues/mate-pay", headers, {"channel": "wechat_jsapi", "return_url": app_page()}
    )
    assert status == 201, paying
    assert paying["provider_request"]["payer"] == {"openid": openid}
