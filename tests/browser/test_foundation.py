"""The web workspace end to end (WEB-1, WEB-2, WEB-3): both apps are served by the local stack
on the API's origin, sign-up and sign-in work through the real API, refusals show the API's
Chinese message beside the field, and the pages pass axe-core at 360 px."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.support.stack import RunningStack

pytestmark = pytest.mark.browser


def _latest_code(stack: RunningStack, phone: str) -> str:
    messages = requests.get(f"{stack.api_url}/dev/sms-outbox", params={"phone": phone}, timeout=10).json()["messages"]
    return str(messages[0]["params"]["code"])


def test_web_1_the_apps_are_served_on_the_api_origin_with_their_own_routes(web_stack: RunningStack) -> None:
    # When the members' app is opened at a deep link and the console at its root
    deep = requests.get(f"{web_stack.api_url}/m/join/o01abc", timeout=10)
    console = requests.get(f"{web_stack.api_url}/console/", timeout=10)
    # Then each answers its own index page (a single-page app routes it), never cached
    assert deep.status_code == 200 and '<html lang="zh-CN">' in deep.text and "/m/assets/" in deep.text
    assert console.status_code == 200 and "/console/assets/" in console.text
    assert deep.headers["Cache-Control"] == "no-cache"
    # And a missing asset is a 404, not the page; the API still answers beside the apps
    assert requests.get(f"{web_stack.api_url}/m/assets/nothing.js", timeout=10).status_code == 404
    assert requests.get(f"{web_stack.api_url}/health", timeout=10).status_code == 200


def test_web_1_sign_up_with_an_sms_code_then_home(
    page: Page, app_url: Callable[[str], str], web_stack: RunningStack
) -> None:
    phone = "13912345601"
    # Given the sign-up page on a 360-px phone
    page.goto(app_url("/m/sign-up"))
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("button", name=re.compile("秒后重发"))).to_be_visible()
    # When a wrong code is entered first
    page.get_by_label("验证码").fill("000000")
    page.get_by_label("密码").fill("abc12345")
    page.get_by_role("button", name="注册", exact=True).click()
    # Then the API's Chinese message shows beside the code field
    expect(page.locator(".van-field__error-message")).to_contain_text("验证码")
    # When the code from the SMS is entered
    page.get_by_label("验证码").fill(_latest_code(web_stack, phone))
    page.get_by_role("button", name="注册", exact=True).click()
    # Then the account is signed in and home says it is not a member yet
    expect(page.get_by_text("尚未入团")).to_be_visible()


def test_web_3_sign_in_pages_pass_axe_at_360_px(page: Page, app_url: Callable[[str], str]) -> None:
    for path, heading in (("/m/sign-in", "登录"), ("/console/sign-in", "智慧团建 · 管理端")):
        page.goto(app_url(path))
        expect(page.get_by_text(heading).first).to_be_visible()
        assert axe_violations(page) == [], path


def test_web_2_a_secretary_signs_in_to_the_console_and_sees_the_acting_org(
    page: Page, app_url: Callable[[str], str], web_stack: RunningStack
) -> None:
    assert web_stack.demo is not None
    # Given the demo branch secretary's phone and the demo password
    page.goto(app_url("/console/"))
    expect(page).to_have_url(re.compile(r"/console/sign-in"))
    # When a wrong password is tried, then the right one
    page.get_by_label("账号").fill(web_stack.demo["branch_secretary_phone"])
    page.get_by_label("密码").fill("wrong1234")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert").or_(page.locator(".el-form-item__error"))).to_be_visible()
    page.get_by_label("密码").fill(web_stack.demo["demo_password"])
    page.get_by_role("button", name="登录").click()
    # Then the console opens on the work bench with the acting organisation in the header
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    expect(page.locator(".acting")).to_contain_text("团支部")
