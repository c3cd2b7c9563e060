"""The members' mobile app end to end (WEB-1, WEB-3): a new person signs up, registers in the
four-step wizard (an invalid ID number refused beside its field first), the branch approves
through the API, and the member sees home, pays dues through the payment simulator's cashier
page, shows the card's QR code and downloads it, starts a transfer confirmed by SMS and edits
their data (EDIT-2's fields marked 待审核); a returned registration is
corrected and resubmitted from the branch's QR link. Every screen passes axe at 360 px."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.support.stack import RunningStack

pytestmark = pytest.mark.browser
# Signing up hashes a password and a submission goes through the registration worker: on a
# busy 2-core machine these take longer than expect()'s 5 s default.
SLOW = 20_000
PHONE1, PHONE2 = "13912345611", "13912345612"
SEQ1, SEQ2 = 321, 456
NAME1, NAME2 = "林晓彤", "陈思远"


def _make_id(birth: str, seq: int, region: str = "440104") -> str:
    """A valid ID number (GB 11643 check character), as tests/support/registration.make_id."""
    body = f"{region}{birth}{seq:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _latest_code(stack: RunningStack, phone: str) -> str:
    messages = requests.get(f"{stack.api_url}/dev/sms-outbox", params={"phone": phone}, timeout=10).json()["messages"]
    return str(messages[0]["params"]["code"])


def _secretary(stack: RunningStack) -> dict[str, str]:
    """The demo branch secretary's session over HTTP, acting for the demo branch."""
    assert stack.demo is not None
    signed = requests.post(
        f"{stack.api_url}/auth/sign-in",
        json={"login": stack.demo["branch_secretary_phone"], "password": stack.demo["demo_password"]},
        timeout=10,
    )
    signed.raise_for_status()
    acting = requests.post(
        f"{stack.api_url}/me/acting-org",
        json={"org_id": stack.demo["branch_org_id"]},
        headers={"Authorization": f"Bearer {signed.json()['access_token']}"},
        timeout=10,
    )
    acting.raise_for_status()
    return {"Authorization": f"Bearer {acting.json()['access_token']}"}


def _pending_registration(stack: RunningStack, headers: dict[str, str], name: str) -> dict[str, Any]:
    assert stack.demo is not None
    url = f"{stack.api_url}/orgs/{stack.demo['branch_org_id']}/registrations"
    for _ in range(50):
        answer = requests.get(url, params={"state": "PENDING_REVIEW", "limit": 100}, headers=headers, timeout=10)
        answer.raise_for_status()
        found = [item for item in answer.json()["items"] if item["name"] == name]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no pending registration for {name}")


def _no_axe_violations(page: Page, screen: str) -> None:
    # A toast fading in or out has no stable contrast to measure: scan once it has gone.
    expect(page.locator(".van-toast:visible")).to_have_count(0)
    found = axe_violations(page)
    assert found == [], f"{screen}: {found}"


def _sign_up(page: Page, app_url: Callable[[str], str], stack: RunningStack, phone: str) -> float:
    """Sign up through the page; the moment its SMS code was sent (time.monotonic())."""
    page.goto(app_url("/m/sign-up"))
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("button", name=re.compile("秒后重发"))).to_be_visible()
    sent_at = time.monotonic()
    page.get_by_label("验证码").fill(_latest_code(stack, phone))
    page.get_by_label("密码").fill("abc12345")
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.get_by_text("尚未入团")).to_be_visible(timeout=SLOW)
    return sent_at


def _wait_for_the_next_sms(sent_at: float) -> None:
    """A phone gets at most one code a minute (the providers' flow control, zhtj.signin.codes):
    a second code for the same phone waits out the minute since the first."""
    time.sleep(max(0.0, sent_at + 61 - time.monotonic()))


def _fill_identity(page: Page, name: str, id_number: str) -> None:
    page.get_by_label("姓名").fill(name)
    page.get_by_label("身份证号").fill(id_number)
    page.get_by_label("民族").select_option(label="汉族")


def _fill_membership(page: Page, development_number: str) -> None:
    page.get_by_label("入团年月").fill("2019-05")
    page.get_by_label("团员编号").fill(development_number)


def test_web_1_sign_up_register_approved_home_pay_card_and_transfer(
    page: Page, app_url: Callable[[str], str], web_stack: RunningStack
) -> None:
    assert web_stack.demo is not None
    phone, name = PHONE1, NAME1
    # Given a new person signed up on a 360-px phone, home saying they are not a member yet
    signed_up_at = _sign_up(page, app_url, web_stack, phone)
    _no_axe_violations(page, "home before registering")
    # When they start the wizard and find the demo branch by a fragment of its name
    page.get_by_role("button", name="填写报到资料").click()
    expect(page.get_by_role("heading", name="第1步：选择团支部")).to_be_visible()
    page.get_by_label("查找团支部").fill("2022级1班")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("button", name=re.compile("广州市越秀区第一中学2022级1班团支部")).click()
    _no_axe_violations(page, "wizard step 1")
    page.get_by_role("button", name="下一步").click()
    # And type an ID number whose check character is wrong, then the rest of the form
    valid_id = _make_id("20050615", SEQ1)
    wrong_id = valid_id[:-1] + ("0" if valid_id[-1] != "0" else "1")
    _fill_identity(page, name, wrong_id)
    _no_axe_violations(page, "wizard step 2")
    page.get_by_role("button", name="下一步").click()
    _fill_membership(page, f"2019440{SEQ1:05d}")
    _no_axe_violations(page, "wizard step 3")
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("团费类别").select_option(label="学生")
    _no_axe_violations(page, "wizard step 4")
    page.get_by_role("button", name="提交报到").click()
    # Then the wizard goes back to the identity step with the API's message beside the ID number
    expect(page.get_by_role("heading", name="第2步：身份信息")).to_be_visible(timeout=SLOW)
    id_field = page.locator(".van-field", has=page.get_by_label("身份证号"))
    expect(id_field.locator(".van-field__error-message")).to_contain_text("身份证")
    # When the ID number is corrected and the form submitted again
    page.get_by_label("身份证号").fill(valid_id)
    for _ in range(2):
        page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name="提交报到").click()
    # Then the status page shows the registration waiting for the branch, with its deadline
    expect(page.get_by_text("待团支部审核")).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("审核期限")).to_be_visible()
    _no_axe_violations(page, "registration status")

    # When the branch secretary approves it through the API
    secretary = _secretary(web_stack)
    registration = _pending_registration(web_stack, secretary, name)
    approved = requests.post(
        f"{web_stack.api_url}/registrations/{registration['registration_id']}/approve", headers=secretary, timeout=10
    )
    assert approved.status_code == 200, approved.text
    # Then home shows the member's data and organisation, and the tab bar
    page.goto(app_url("/m/"))
    expect(page.get_by_role("heading", name=f"{name}，你好")).to_be_visible()
    expect(page.get_by_text("广州市越秀区第一中学2022级1班团支部")).to_be_visible()
    expect(page.get_by_text("入团年月")).to_be_visible()
    expect(page.get_by_role("tab", name="团费")).to_be_visible()
    _no_axe_violations(page, "member home")

    # When the member pays the bill through the simulator's cashier page
    page.get_by_role("tab", name="团费").click()
    pay = page.get_by_role("button", name=re.compile("立即交纳"))
    expect(pay).to_be_visible()
    _no_axe_violations(page, "dues")
    pay.click()
    page.get_by_role("button", name="确认支付").click()
    # Then the cashier returns to the dues page, which shows the order paid and recorded
    expect(page).to_have_url(re.compile(r"/m/dues"))
    expect(page.get_by_text(re.compile("支付成功"))).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("已支付").first).to_be_visible()

    # When the member opens the card
    page.get_by_role("tab", name="团员证").click()
    download_button = page.get_by_role("button", name="下载团员证（PDF）")
    for _ in range(30):
        if download_button.is_enabled():
            break
        page.wait_for_timeout(500)
        page.reload()
    # And shows the verification QR code large on the screen
    page.get_by_role("button", name="出示核验二维码").click()
    expect(page.get_by_role("img", name="团员证核验二维码")).to_be_visible()
    _no_axe_violations(page, "card")
    with page.expect_download() as download:
        download_button.click()
    # Then the PDF downloads
    path = download.value.path()
    assert path is not None and path.read_bytes()[:5] == b"%PDF-"

    # When the member starts a transfer to another branch, confirmed by an SMS code
    page.goto(app_url("/m/transfer"))
    page.get_by_role("button", name="发起转接").click()
    page.get_by_label("查找团支部").fill("研发中心")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("button", name=re.compile("研发中心")).first.click()
    page.get_by_label("原因").select_option(label="就业")
    _wait_for_the_next_sms(signed_up_at)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("button", name=re.compile("秒后重发"))).to_be_visible()
    page.get_by_label("验证码").fill(_latest_code(web_stack, phone))
    _no_axe_violations(page, "start transfer")
    page.get_by_role("button", name="提交转接申请").click()
    # Then the transfer's chain shows its first step under review with a deadline
    expect(page.get_by_text("审批中").first).to_be_visible(timeout=SLOW)
    expect(page.get_by_text(re.compile("期限"))).to_be_visible()
    _no_axe_violations(page, "transfer chain")

    # When the member changes their occupation (at once) and dues category (for the branch to review)
    page.get_by_role("tab", name="首页").click()
    page.get_by_role("button", name="修改我的信息").click()
    page.get_by_label("职业").fill("学生会干部")
    page.get_by_label("团费类别").select_option(label="农民")
    _no_axe_violations(page, "edit my data")
    page.get_by_role("button", name="保存").click()
    # Then home shows the new occupation, and the dues category waiting for review with the value asked
    expect(page.get_by_text("学生会干部")).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("待审核")).to_be_visible()
    expect(page.get_by_text("申请改为：农民")).to_be_visible()


def test_web_1_a_returned_registration_is_corrected_and_resubmitted_from_the_qr_link(
    page: Page, app_url: Callable[[str], str], web_stack: RunningStack
) -> None:
    assert web_stack.demo is not None
    phone, name = PHONE2, NAME2
    branch_id = web_stack.demo["branch_org_id"]
    # Given a person who opened the branch's QR link, signed up and registered from it
    page.goto(app_url(f"/m/join/{branch_id}"))
    expect(page.get_by_text("广州市越秀区第一中学2022级1班团支部")).to_be_visible()
    _no_axe_violations(page, "join link")
    _sign_up(page, app_url, web_stack, phone)
    page.goto(app_url(f"/m/join/{branch_id}"))
    page.get_by_role("button", name="填写报到资料").click()
    expect(page.get_by_role("heading", name="第2步：身份信息")).to_be_visible()
    _fill_identity(page, name, _make_id("20040210", SEQ2))
    page.get_by_role("button", name="下一步").click()
    _fill_membership(page, f"2019441{SEQ2:05d}")
    for _ in range(2):
        page.get_by_role("button", name=re.compile("下一步|提交报到")).click()
    expect(page.get_by_text("待团支部审核")).to_be_visible(timeout=SLOW)
    # When the branch returns it with a reason
    secretary = _secretary(web_stack)
    registration = _pending_registration(web_stack, secretary, name)
    returned = requests.post(
        f"{web_stack.api_url}/registrations/{registration['registration_id']}/return",
        json={"reason": "入团年月与档案不符，请核对"},
        headers=secretary,
        timeout=10,
    )
    assert returned.status_code == 200, returned.text
    # Then the status shows the reason and a way to correct it
    page.goto(app_url("/m/registration"))
    expect(page.get_by_text("入团年月与档案不符，请核对")).to_be_visible()
    _no_axe_violations(page, "returned registration")
    page.get_by_role("button", name="修改后重新提交").click()
    # When the member corrects the join month (the ID number typed again) and resubmits
    expect(page.get_by_role("heading", name="第1步：选择团支部")).to_be_visible()
    expect(page.get_by_text("广州市越秀区第一中学2022级1班团支部")).to_be_visible()
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_label("姓名")).to_have_value(name)
    page.get_by_label("身份证号").fill(_make_id("20040210", SEQ2))
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("入团年月").fill("2019-06")
    page.get_by_label("团员编号").fill(f"2019442{SEQ2:05d}")
    for _ in range(2):
        page.get_by_role("button", name=re.compile("下一步|提交报到")).click()
    # Then a new registration waits for the branch, and the branch sees the corrected month
    expect(page.get_by_text("待团支部审核")).to_be_visible(timeout=SLOW)
    corrected = _pending_registration(web_stack, secretary, name)
    assert corrected["registration_id"] != registration["registration_id"]
    assert corrected["join_month"] == "2019-06"
