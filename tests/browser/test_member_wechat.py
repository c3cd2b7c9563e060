"""The members' app inside WeChat (WEB-1, DUES-5, MSG-1): entered signed in with WeChat's user
agent, the app binds the person's WeChat once through the official account's web authorization
(locally the simulator's page, infra/local/wechat_outbox.py) and comes back to the page without
WeChat's code; then the member pays a branch mate's dues (帮TA交) with WeChat Pay's JSAPI (locally
the stand-in for WeChat's cashier, infra/local/cashier.py), which the API pays with the bound
openid; and 消息 offers 微信提醒 (WeChat's subscribe button, the JS-SDK configured with the API's
signature; WeChat's script stood in for)."""

from __future__ import annotations

import re
from collections.abc import Callable

import requests
from playwright.sync_api import Page, Request, expect

from infra.local.cashier import JSAPI_STAND_IN_PATH
from infra.local.wechat_outbox import APPID, AUTHORIZE_PATH, JSAPI_TICKET
from tests.browser.conftest import RESULTS, axe_violations
from tests.support.sessions import bearer
from tests.support.stack import RunningStack
from zhtj.integrations.wechat.base import js_signature

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36 MicroMessenger/8.0.50.2701(0x28003237) NetType/WIFI Language/zh_CN"
)
SLOW = 30_000
JSSDK_URL = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"
# WeChat's JS-SDK, as far as the page uses it: wx.config kept for the test, ready at once.
WX_STAND_IN = "window.wx = {config(o) { window.wxConfig = o; }, ready(f) { setTimeout(f); }, error() {}};"
SHOTS = RESULTS


def _as_wechat(page: Page) -> None:
    """The page's browser reads as WeChat's (navigator.userAgent and the requests' header)."""
    session = page.context.new_cdp_session(page)
    session.send("Network.setUserAgentOverride", {"userAgent": WECHAT_UA, "acceptLanguage": "zh-CN"})


def test_web_1_inside_wechat_the_app_binds_wechat_once_then_pays_a_mates_dues_with_jsapi(
    page: Page, app_url: Callable[[str], str], web_stack: RunningStack
) -> None:
    assert web_stack.demo is not None
    authorizations: list[str] = []
    cashiers: list[str] = []

    def on_request(request: Request) -> None:
        if AUTHORIZE_PATH in request.url and request.is_navigation_request():
            authorizations.append(request.url)
        if JSAPI_STAND_IN_PATH in request.url and request.is_navigation_request():
            cashiers.append(request.url)

    page.on("request", on_request)
    # Given a mate of the demo member who owes months (the demo branch's lapsing member),
    # WeChat's browser, and the demo member signed in to the members' app
    lapsing = requests.get(
        f"{web_stack.api_url}/orgs/{web_stack.demo['branch_org_id']}/dues/lapsing",
        headers=bearer(web_stack.demo["branch_secretary"]),
        timeout=10,
    )
    assert lapsing.status_code == 200, lapsing.text
    mate = lapsing.json()[0]["name"]
    _as_wechat(page)
    assert page.evaluate("navigator.userAgent") == WECHAT_UA
    page.goto(app_url("/m/dues"))
    page.get_by_label("账号").fill(web_stack.demo["member_phone"])
    page.get_by_label("密码", exact=True).fill(web_stack.demo["demo_password"])
    page.get_by_role("button", name="登录").click()

    # When the app is entered: WeChat's authorization (the simulator's page) and back
    # Then back on the dues page, without WeChat's code in the address, gone there once
    expect(page.get_by_text("待交月份")).to_be_visible(timeout=SLOW)
    expect(page).to_have_url(re.compile(r"/m/dues$"))
    assert len(authorizations) == 1, authorizations
    assert "snsapi_base" in authorizations[0]
    assert "redirect_uri=" in authorizations[0]
    # The visit does not go to WeChat again, page after page
    page.get_by_role("tab", name="首页").click()
    page.get_by_role("tab", name="团费").click()
    expect(page.get_by_text("待交月份")).to_be_visible()
    assert len(authorizations) == 1, authorizations
    assert axe_violations(page) == []

    # When the member pays the mate's months (帮TA交) with JSAPI (the stand-in for WeChat's cashier)
    page.get_by_role("button", name=re.compile("为同支部团员交纳团费")).click()
    page.get_by_label(mate).check()
    # (only WeChat Pay is offered inside WeChat)
    expect(page.get_by_text("支付宝")).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_role("button", name="去支付").click()
    page.get_by_role("button", name="确认支付").click()
    # Then it was WeChat Pay's JSAPI (the API's payer: the bound openid), and back on the dues
    # page the order is paid
    assert len(cashiers) == 1, cashiers
    expect(page).to_have_url(re.compile(r"/m/dues"))
    expect(page.get_by_text(re.compile("支付成功"))).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("已支付").first).to_be_visible()
    assert len(authorizations) == 1, authorizations

    # When the member opens 消息 (WeChat's JS-SDK script stood in for: it is WeChat's, not here)
    page.route(JSSDK_URL, lambda route: route.fulfill(content_type="application/javascript", body=WX_STAND_IN))
    page.get_by_role("tab", name="消息").click()
    # Then 微信提醒 offers WeChat's subscribe button for the API's templates, wx.config signed
    # for this page
    expect(page.get_by_role("heading", name="微信提醒")).to_be_visible()
    button = page.locator("wx-open-subscribe")
    expect(button).to_have_attribute("template", re.compile(r"^sim-"))
    config = page.evaluate("window.wxConfig")
    url = page.url.split("#", 1)[0]
    assert config["openTagList"] == ["wx-open-subscribe"] and config["appId"] == APPID
    assert config["signature"] == js_signature(JSAPI_TICKET, config["nonceStr"], config["timestamp"], url)
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "member-wechat-reminders-360.png"))
    assert len(authorizations) == 1, authorizations
