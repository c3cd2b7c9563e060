"""The console's member records (AWARD-1, WEB-2, WEB-3) through the real local stack: a branch
secretary enters a reward and volunteer hours for the demo member (a missing title and hours
that are not a number refused beside their fields) and sees them on the member's record; the
branch registers its members for the year (one deferred), proposes the year's education
evaluation (too many 优秀 refused by the API), and the city certifies it. Every screen passes
axe-core at 360 px and at 1280 px."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.console import demo_get, passes_axe, sign_in
from tests.support.stack import RunningStack

pytestmark = pytest.mark.browser


def _records_tab(page: Page, app_url: Callable[[str], str], tab: str) -> Locator:
    page.goto(app_url("/console/records"))
    expect(page.get_by_role("heading", name="团员档案")).to_be_visible()
    page.get_by_role("tab", name=tab).click()
    return page.get_by_role("tabpanel", name=tab)


def _table(scope: Locator, label: str) -> Locator:
    """An el-table by its aria-label (Element Plus puts it on the table's outer box)."""
    return scope.locator(f".el-table[aria-label='{label}']")


def _tick(panel: Locator, name: str) -> None:
    panel.get_by_label(f"选择{name}", exact=True).check()


def _choose(page: Page, select_label: str, option: str) -> None:
    box = page.get_by_role("combobox", name=select_label, exact=True)
    # (Element Plus lays its placeholder over the input: the select's box takes the click)
    box.locator("xpath=ancestor::div[contains(@class, 'el-select__wrapper')]").click()
    listbox = page.get_by_role("listbox", name=select_label, exact=True)
    listbox.get_by_role("option", name=option, exact=True).click()
    expect(listbox).to_be_hidden()  # (closed, not fading, before the next select or axe-core)


def test_award_1_web_2_a_secretary_enters_a_reward_and_volunteer_hours_and_sees_them_on_the_record(
    page: Page, app_url: Callable[[str], str], web_stack: RunningStack
) -> None:
    demo = web_stack.demo
    assert demo is not None
    member = demo_get(web_stack, "branch_secretary", f"/members/{demo['member_id']}")["name"]
    # Given the demo branch's secretary on 团员档案 › 奖励与处分, the demo member ticked
    sign_in(page, app_url, demo["branch_secretary_phone"], demo["demo_password"])
    panel = _records_tab(page, app_url, "奖励与处分")
    _tick(panel, member)
    passes_axe(page, "awards")
    # When the reward is entered without its title
    panel.get_by_label("文件编号").fill("团支〔2026〕9号")
    panel.get_by_role("button", name="为所选 1 人登记").click()
    # Then the API's refusal shows beside 奖惩名称
    title_item = panel.locator(".el-form-item").filter(has=page.get_by_label("奖惩名称"))
    expect(title_item.locator(".el-form-item__error")).to_be_visible()
    # When the title is given
    panel.get_by_label("奖惩名称").fill("志愿服务先进个人")
    panel.get_by_role("button", name="为所选 1 人登记").click()
    # Then the organisation's list shows it under the member's name
    entered = _table(panel, "本组织登记的奖惩").locator(".el-table__row", has_text="志愿服务先进个人")
    expect(entered).to_contain_text(member)

    # When volunteer hours are recorded for the member, first as words, then as hours
    panel = _records_tab(page, app_url, "志愿服务")
    # (by keyboard: the member's checkbox ticked with the space bar, the form sent with Enter)
    panel.get_by_label(f"选择{member}", exact=True).focus()
    page.keyboard.press("Space")
    expect(panel.get_by_label(f"选择{member}", exact=True)).to_be_checked()
    panel.get_by_label("服务项目").fill("社区图书角整理")
    panel.get_by_label("服务时长（小时）").fill("两个")
    panel.get_by_role("button", name="登记").click()
    hours_item = panel.locator(".el-form-item").filter(has=page.get_by_label("服务时长（小时）"))
    expect(hours_item.locator(".el-form-item__error")).to_contain_text("请填写服务时长")
    panel.get_by_label("服务时长（小时）").fill("2.5")
    page.keyboard.press("Enter")
    # Then the member's records list it (the demo gave them 5.5 hours before)
    expect(panel.get_by_role("heading", name=re.compile(f"{member}的志愿服务（累计 8 小时）"))).to_be_visible()
    expect(panel.get_by_text("社区图书角整理")).to_be_visible()
    passes_axe(page, "volunteer")

    # When the member's record is opened
    page.goto(app_url(f"/console/members/{demo['member_id']}"))
    section = page.locator("section", has=page.get_by_role("heading", name="奖惩与年度记录"))
    # Then the section shows the reward, last year's registration and evaluation, the hours
    expect(_table(section, "奖励与处分")).to_contain_text("志愿服务先进个人")
    expect(_table(section, "年度注册与教育评议")).to_contain_text(demo["records_year"])
    expect(section.get_by_text("社区图书角整理")).to_be_visible()
    passes_axe(page, "member-record")


def test_web_2_the_branch_registers_and_evaluates_its_year_and_the_city_certifies_it(
    page: Page, app_url: Callable[[str], str], web_stack: RunningStack
) -> None:
    demo = web_stack.demo
    assert demo is not None
    # Given the secretary on 年度团籍注册: this year's roll, nobody registered yet
    sign_in(page, app_url, demo["branch_secretary_phone"], demo["demo_password"])
    panel = _records_tab(page, app_url, "年度团籍注册")
    roll = _table(panel, "年度注册名单")
    expect(roll.locator(".el-table__row").first).to_be_visible()
    first = roll.locator(".el-table__row").first.locator("td").first.inner_text().strip()
    passes_axe(page, "annual")
    # When one member is deferred and everyone else registered
    _choose(page, f"{first}的注册结果", "暂缓注册")
    panel.get_by_role("button", name=re.compile(r"为未注册的 \d+ 人办理注册")).click()
    # Then the outcome says who was registered, and the roll shows each result
    expect(panel.get_by_role("status")).to_contain_text("1 人暂缓或不予注册")
    expect(panel.get_by_text("未注册 0 人")).to_be_visible()
    expect(roll.locator(".el-table__row", has_text=first)).to_contain_text("暂缓注册")

    # When the branch grades one 优秀 more than the 30 % cap allows and submits
    panel = _records_tab(page, app_url, "教育评议")
    tally = panel.get_by_text(re.compile(r"已评“优秀” \d+ 人，至多 \d+ 人"))
    cap = int(re.findall(r"\d+", tally.inner_text())[1])
    names = [n.strip() for n in panel.locator(".el-table__row td:first-child").all_inner_texts()]
    for name in names[: cap + 1]:
        _choose(page, f"{name}的评议结果", "优秀")
    expect(tally).to_have_class(re.compile("over"))
    passes_axe(page, "evaluation-branch")
    panel.get_by_role("button", name="提交上级认定").click()
    # Then the API's refusal is shown above the grades
    expect(panel.get_by_role("alert")).to_contain_text("不得超过参加评议人数的30%")
    # When one of them is graded 合格 again and the proposal submitted
    _choose(page, f"{names[0]}的评议结果", "合格")
    panel.get_by_role("button", name="提交上级认定").click()
    expect(panel.get_by_text("待上级认定")).to_be_visible()

    # When the city administrator opens the proposals of the committee above the branch
    page.get_by_role("button", name="退出").click()
    sign_in(page, app_url, demo["city_admin_phone"], demo["demo_password"])
    branch = demo_get(web_stack, "city_admin", f"/orgs/{demo['branch_org_id']}")
    panel = _records_tab(page, app_url, "教育评议")
    if branch["parent_id"] != demo["city_org_id"]:
        parent = demo_get(web_stack, "city_admin", f"/orgs/{branch['parent_id']}")
        picker = page.get_by_role("combobox", name="下级团委（不选为本组织）")
        picker.locator("xpath=ancestor::div[contains(@class, 'el-select__wrapper')]").click()
        picker.fill(parent["short_name"])
        page.get_by_role("option", name=re.compile(re.escape(parent["short_name"]))).click()
    row = panel.locator(".el-table__row", has_text=branch["short_name"])
    expect(row).to_contain_text("待上级认定")
    row.get_by_role("button", name=re.compile("查看")).click()
    opened = panel.get_by_role("region", name=re.compile("年度教育评议"))
    expect(_table(opened, "评议结果")).to_contain_text(names[1])
    passes_axe(page, "evaluation-committee")
    # And certifies it
    opened.get_by_role("button", name="认定").click()
    page.get_by_role("dialog").get_by_role("button", name="认定").click()
    # Then it is certified
    expect(row).to_contain_text("已认定")
