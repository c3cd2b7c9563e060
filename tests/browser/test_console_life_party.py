"""The console's organisation life and Party recommendations (LIFE-1, PARTY-1, WEB-2, WEB-3)
through the real local stack: the demo branch's secretary records a 支部大会 with a photo and an
absent member's reason (a missing reason refused beside its row), opens the meeting's page with
the photo, and proposes a member citing that meeting (a missing ground refused beside its
field); the committee directly above the branch finds the proposal in its queue, approves it,
and the member's record shows it. Every screen passes axe-core at 360 px and at 1280 px."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable

import pytest
from playwright.sync_api import FilePayload, Page, expect

from tests.browser.console import passes_axe, sign_in
from tests.support.stack import RunningStack

pytestmark = pytest.mark.browser

TOPIC = "推荐优秀团员入党（浏览器测试）"


def _png(width: int = 64, height: int = 48) -> bytes:
    """A small red PNG: what a phone's photo of the meeting stands for."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xb7\x1c\x1c" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_life_1_party_1_a_branch_records_a_branch_assembly_proposes_a_member_and_the_committee_approves(
    page: Page, app_url: Callable[[str], str], web_stack: RunningStack
) -> None:
    demo = web_stack.demo
    assert demo is not None
    candidate = demo["party_candidate_name"]
    # Given the demo branch's secretary signed in, on 组织生活 (the demo's meetings this year)
    sign_in(page, app_url, demo["branch_secretary_phone"], demo["demo_password"])
    page.goto(app_url("/console/life"))
    expect(page.get_by_role("heading", name="组织生活")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("支部大会 推荐优秀团员作为党的发展对象"))).to_be_visible()
    passes_axe(page, "life-list")

    # When the secretary records a 支部大会: topic, minutes, one member absent, one photo
    page.get_by_role("link", name="登记组织生活").click()
    expect(page.get_by_role("heading", name="登记组织生活")).to_be_visible()
    page.locator("label.el-radio", has_text="支部大会").click()
    page.get_by_label("主题").fill(TOPIC)
    page.get_by_label("会议记录").fill("全体团员讨论，表决同意推荐。")
    rows = page.locator(".attendees label.el-checkbox")
    expect(rows.first).to_be_visible()
    names = [text.removesuffix(" 出席").strip() for text in rows.all_inner_texts()]
    absent = next(name for name in names if name != candidate)
    rows.filter(has_text=absent).click()
    expect(page.get_by_role("checkbox", name=f"{absent} 出席")).not_to_be_checked()
    photo_file: FilePayload = {"name": "现场.png", "mimeType": "image/png", "buffer": _png()}
    page.get_by_label("添加照片").set_input_files(files=[photo_file])
    expect(page.get_by_text("已上传 1 张")).to_be_visible()
    passes_axe(page, "life-form")
    # Then an absent member without a reason is refused beside their row
    page.get_by_role("button", name="登记", exact=True).click()
    reason = page.get_by_label(f"{absent} 缺席原因")
    expect(page.locator(".el-form-item", has=reason)).to_contain_text("请填写缺席原因")
    # When the reason is given, Then the meeting is recorded and its page names who was absent and why
    reason.fill("出差")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_role("heading", name="组织生活记录")).to_be_visible()
    expect(page.get_by_text(TOPIC)).to_be_visible()
    expect(page.get_by_text(f"{absent}：出差")).to_be_visible()
    # And its photo shows (the presigned link answers the image)
    photo = page.get_by_role("img", name="支部大会照片 1")
    expect(photo).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 64", arg=photo.element_handle())
    passes_axe(page, "life-meeting")

    # When the secretary proposes a member on 推优入党, citing that meeting
    page.goto(app_url("/console/party"))
    expect(page.get_by_role("heading", name="推优入党")).to_be_visible()
    page.get_by_role("combobox", name="团员").click()
    page.get_by_role("option", name=candidate, exact=True).click()
    expect(page.get_by_text("没有推优入党记录")).to_be_visible()
    page.locator("label.el-radio", has_text=TOPIC).click()
    # Then a proposal without its grounds is refused beside 推荐理由
    page.get_by_role("button", name="提出推荐").click()
    grounds = page.get_by_label("推荐理由")
    expect(page.locator(".el-form-item", has=grounds).locator(".el-form-item__error")).to_have_text("请填写推荐理由")
    passes_axe(page, "party-propose")
    # And with them it is proposed, awaiting the committee above
    grounds.fill("思想进步，工作积极，群众基础好。")
    page.get_by_role("button", name="提出推荐").click()
    expect(page.get_by_text("待上级团委审批")).to_be_visible()
    expect(page.get_by_role("button", name="提出推荐")).to_be_disabled()

    # Given the committee directly above the branch signed in
    page.get_by_role("button", name="退出").click()
    sign_in(page, app_url, demo["committee_admin_phone"], demo["demo_password"])
    # Then its organisation life shows its children's counts
    page.goto(app_url("/console/life"))
    expect(page.get_by_role("columnheader", name=re.compile("上季度"))).to_have_count(2)
    expect(page.get_by_text(re.compile("本组织及下级：.*共 \\d+ 次"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"团支部 \d+ \d+"))).to_be_visible()
    passes_axe(page, "life-children")
    # When it approves the proposal waiting in its queue
    page.goto(app_url("/console/party"))
    queue = page.locator(".el-table")
    expect(queue.get_by_role("row", name=re.compile(candidate))).to_be_visible()
    passes_axe(page, "party-queue")
    page.get_by_role("button", name=f"同意推荐{candidate}").click()
    page.get_by_role("dialog").get_by_role("button", name="同意", exact=True).click()
    expect(queue.get_by_role("row", name=re.compile(candidate))).to_have_count(0)
    # Then the member's record shows the recommendation approved
    page.locator(".el-select", has=page.get_by_role("combobox", name="状态")).click()
    page.get_by_role("option", name="上级团委已同意").click()
    queue.get_by_role("link", name=candidate).click()
    expect(page.get_by_role("heading", name="团员信息")).to_be_visible()
    party = page.get_by_role("region", name="推优入党")
    expect(party).to_contain_text("上级团委已同意")
    expect(party).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2} 同意"))
    passes_axe(page, "member-party")
