"""The console's notices and messages (MSG-1, MSG-3, WEB-2, WEB-3) through the real local stack:
the province writes a notice to its whole subtree with a PDF attached (the refusals beside their
fields first), the demo branch's secretary finds it unread and reads it, and the province's read
counts show the branch's city with one reader, exported as shown; the secretary opens the
message waiting behind the header's unread badge, the count drops, and turns off optional
reminders while the mandatory ones stay on. Every screen passes axe-core at 360 px and 1280 px."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Locator, Page, expect

from tests.browser.console import demo_get, passes_axe, sign_in
from tests.support.stack import RunningStack

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_label("账号")).to_be_visible()


def _field_error(page: Page, label: str) -> Locator:
    """The refusal shown beside the form item labelled `label`."""
    return page.locator(".el-form-item", has=page.get_by_text(label, exact=True)).locator(".el-form-item__error")


def test_msg_3_the_province_publishes_with_an_attachment_and_sees_the_branchs_city_read_it(
    page: Page, app_url: Callable[[str], str], web_stack: RunningStack
) -> None:
    demo = web_stack.demo
    assert demo is not None
    city = str(demo_get(web_stack, "province_admin", f"/orgs/{demo['city_org_id']}")["short_name"])
    title = "关于开展“青春心向党”主题团日活动的通知"
    # Given the province's administrator writing a notice
    sign_in(page, app_url, demo["province_admin_phone"], demo["demo_password"])
    page.goto(app_url("/console/notices"))
    expect(page.get_by_role("heading", name="通知公告")).to_be_visible()
    page.get_by_role("link", name="发布通知").click()
    expect(page.get_by_role("heading", name="发布通知公告")).to_be_visible()
    # When it publishes nothing written, then the API's refusal shows beside 标题
    page.get_by_role("button", name="发布").click()
    expect(_field_error(page, "标题")).to_contain_text("内容过短")
    # When it sends to chosen children but chooses none, then the refusal shows beside the picker
    page.get_by_label("标题").fill(title)
    page.get_by_label("正文").fill("请各级团组织结合实际认真组织，并于月底前报送活动情况。")
    page.get_by_text("所选直属下级组织", exact=True).click()
    expect(page.get_by_role("combobox", name="发送到的直属下级组织")).to_be_visible()
    page.get_by_role("button", name="发布").click()
    expect(_field_error(page, "发送到的直属下级组织")).to_contain_text("请选择1至50个直属下级组织")
    page.get_by_text("全部下级组织和团员", exact=True).click()
    # When it attaches a GIF, then it is refused before any upload, with the limits shown
    expect(page.get_by_text("每个不超过20MB")).to_be_visible()
    files = page.get_by_label("添加附件")
    files.set_input_files({"name": "动图.gif", "mimeType": "image/gif", "buffer": b"GIF89a"})
    expect(page.get_by_role("alert").filter(has_text="附件只能是PDF")).to_be_visible()
    # And a PDF goes up to storage, its progress reaching 100 %
    files.set_input_files({"name": "活动方案.pdf", "mimeType": "application/pdf", "buffer": PDF})
    expect(page.get_by_role("list", name="附件")).to_contain_text("活动方案.pdf")
    expect(page.get_by_role("progressbar", name="活动方案.pdf 上传进度")).to_have_attribute("aria-valuenow", "100")
    passes_axe(page, "compose")
    page.get_by_role("button", name="发布").click()

    # Then the notice's page shows it published, its attachment, and nobody read it yet
    expect(page.get_by_text("已发布。")).to_be_visible()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_role("link", name="活动方案.pdf")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(f"^{city}"))).to_contain_text("0")
    notice_url = page.url
    passes_axe(page, "notice-publisher")

    # When the demo branch's secretary signs in, the notice is listed unread
    _sign_out(page)
    sign_in(page, app_url, demo["branch_secretary_phone"], demo["demo_password"])
    page.goto(app_url("/console/notices"))
    listed = page.get_by_role("link", name=re.compile(re.escape(title)))
    expect(listed).to_contain_text("未读")
    passes_axe(page, "notices")
    # And reading it opens its attachment's download link
    listed.click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_role("link", name="活动方案.pdf")).to_have_attribute("href", re.compile(r"^https?://"))
    expect(page.get_by_text("上级组织发布")).to_be_visible()
    passes_axe(page, "notice-reader")
    page.get_by_role("link", name="← 通知公告").click()
    expect(listed).to_be_visible()
    expect(listed).not_to_contain_text("未读")

    # Then the province's read counts show the branch's city with one reader of its members
    _sign_out(page)
    sign_in(page, app_url, demo["province_admin_phone"], demo["demo_password"])
    page.goto(notice_url)
    row = page.get_by_role("row", name=re.compile(f"^{city}"))
    expect(row.get_by_role("cell").nth(2)).to_have_text("1")
    # (the province's own operator, who opened it, counts at the province itself: its own row)
    expect(page.get_by_role("row", name=re.compile("（本级）"))).to_contain_text("1")
    expect(page.locator(".summary")).to_contain_text(re.compile(r"总体阅读率\d+(\.\d)?%"))
    # And the table exports as shown
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 Excel").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True).worksheets[0]
    rows = {str(r[0]): r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[city][2] == 1, rows[city]


def test_msg_1_a_secretary_reads_the_message_behind_the_badge_and_turns_optional_reminders_off(
    page: Page, app_url: Callable[[str], str], web_stack: RunningStack
) -> None:
    demo = web_stack.demo
    assert demo is not None
    # Given the demo branch's secretary, told of the transfer waiting at the branch
    unread = int(str(demo_get(web_stack, "branch_secretary", "/me/messages/unread-count")["unread"]))
    assert unread >= 1
    sign_in(page, app_url, demo["branch_secretary_phone"], demo["demo_password"])
    # Then the header's badge counts the unread messages
    badge = page.get_by_role("link", name=f"消息，{unread}条未读")
    expect(badge).to_be_visible()
    # When the secretary opens the messages from the badge and opens the transfer's
    badge.click()
    expect(page.get_by_role("heading", name="消息")).to_be_visible()
    message = page.get_by_role("button", name=re.compile("有待审批的组织关系转接")).first
    expect(message).to_contain_text("未读")
    passes_axe(page, "messages")
    message.click()
    # Then its text and where to act show, and the badge counts one fewer
    expect(page.get_by_text(re.compile("组织关系转接等待本组织审批"))).to_be_visible()
    expect(page.get_by_role("link", name="去审批转接")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^消息，"))).to_have_attribute(
        "aria-label", f"消息，{unread - 1}条未读" if unread > 1 else "消息，没有未读"
    )
    # And 全部标为已读 leaves none (and is disabled then)
    read_all = page.get_by_role("button", name="全部标为已读")
    if unread > 1:
        read_all.click()
    expect(page.get_by_role("link", name="消息，没有未读")).to_be_visible()
    expect(read_all).to_be_disabled()
    expect(page.get_by_text("未读", exact=True)).to_have_count(0)

    # When the secretary opens 提醒设置
    page.goto(app_url("/console/notification-settings"))
    expect(page.get_by_role("heading", name="提醒设置")).to_be_visible()
    # Then the mandatory kinds are on and cannot be turned off, saying why
    mandatory = page.get_by_role("switch", name="事项即将到期（必须通知，不能关闭）")
    expect(mandatory).to_be_checked()
    expect(mandatory).to_be_disabled()
    expect(page.get_by_text("即将到期的事项必须通知，不能关闭")).to_be_visible()
    passes_axe(page, "preferences")
    # When dues reminders and SMS are turned off and saved
    for name in ("团费催交提醒", "短信"):
        switch = page.get_by_role("switch", name=name, exact=True)
        # (Element Plus keeps the native box's checked property behind: aria-checked is what is read)
        expect(switch).to_have_attribute("aria-checked", "true")
        switch.focus()
        page.keyboard.press("Space")
        expect(switch).to_have_attribute("aria-checked", "false")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    # Then the API keeps them off, and they read off again after a reload
    prefs = demo_get(web_stack, "branch_secretary", "/me/notification-preferences")
    assert (prefs["off_kinds"], prefs["off_channels"]) == (["DUES_REMINDER"], ["SMS"])
    page.reload()
    expect(page.get_by_role("switch", name="团费催交提醒", exact=True)).to_have_attribute("aria-checked", "false")
    expect(page.get_by_role("switch", name="微信订阅消息", exact=True)).to_have_attribute("aria-checked", "true")
