"""Editing an organisation, the roster's filters and the offline pass in the console (issue 16,
ORG-5, WEB-2, REG-5) through the real local stack: a city administrator renames a branch — a
name another organisation holds refused beside its field as it is typed and by the edit route,
then a good one — and the tree and the header's search box show the new name; the roster is
narrowed by state; a branch administrator passes the demo's registration that failed its
real-name check twice offline, with a photo. Every screen passes axe-core at 360 px and 1280 px."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.console import demo_get, passes_axe, sign_in
from tests.support.stack import RunningStack

pytestmark = pytest.mark.browser


def _error_of(page: Page, label: str) -> Any:
    """The error line of the edit dialog's form item whose input is labelled `label`."""
    item = page.get_by_role("dialog", name="编辑组织信息").locator(".el-form-item")
    return item.filter(has=page.get_by_label(label, exact=True)).locator(".el-form-item__error")


def _open_select(page: Page, name: str) -> None:
    """Open an Element Plus select by its label (its wrapper takes the click)."""
    page.locator(".el-select", has=page.get_by_role("combobox", name=name)).click()


def _new_branch(stack: RunningStack, parent: dict[str, Any], word: str) -> dict[str, Any]:
    """A branch the city created beneath itself, through the API (the demo's only 广州 branch at
    this scale is the one other journeys use)."""
    assert stack.demo is not None
    region = parent["region_name"]
    body = {
        "org_type": "BRANCH",
        "sector": "COMMUNITY",
        "short_name": f"{region}{word}团支部",
        "full_name": f"中国共产主义青年团{region}{word}支部委员会",
        "alias": f"{word}团支部",
    }
    headers = {"Authorization": f"Bearer {stack.demo['city_admin']}"}
    answer = requests.post(f"{stack.api_url}/orgs/{parent['org_id']}/children", json=body, headers=headers, timeout=10)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def test_org_5_web_2_a_city_renames_a_branch_and_filters_a_roster_by_state(
    page: Page, app_url: Callable[[str], str], web_stack: RunningStack
) -> None:
    assert web_stack.demo is not None
    demo = web_stack.demo
    city = demo_get(web_stack, "city_admin", f"/orgs/{demo['city_org_id']}")
    branch = _new_branch(web_stack, city, "改名测试")
    taken = demo_get(web_stack, "city_admin", f"/orgs/{demo['branch_org_id']}")["short_name"]
    renamed = f"{city['region_name']}改名之后团支部"
    # Given the city administrator signed in, on the branch's panel in 组织管理
    sign_in(page, app_url, demo["city_admin_phone"], demo["demo_password"])
    page.goto(app_url(f"/console/orgs?org={branch['org_id']}"))
    expect(page.get_by_role("heading", name=branch["short_name"])).to_be_visible()
    # When 编辑 opens and the short name of another branch is typed
    page.get_by_role("button", name="编辑", exact=True).click()
    dialog = page.get_by_role("dialog", name="编辑组织信息")
    expect(dialog.get_by_label("简称", exact=True)).to_have_value(branch["short_name"])
    dialog.get_by_label("简称", exact=True).fill(taken)
    # Then the check as you type refuses it beside the short name, in Chinese, and nothing else
    expect(_error_of(page, "简称")).to_contain_text("已被")
    expect(dialog.locator(".el-form-item__error")).to_have_count(1)
    passes_axe(page, "org-edit-taken")
    # And the edit route refuses it at the same field when saved anyway
    with page.expect_response(lambda r: r.request.method == "PATCH") as refused:
        dialog.get_by_role("button", name="保存").click()
    assert refused.value.status == 409
    expect(_error_of(page, "简称")).to_contain_text("已被")
    expect(dialog).to_be_visible()
    # When a free name is typed and saved
    dialog.get_by_label("简称", exact=True).fill(renamed)
    expect(dialog.locator(".el-form-item__error")).to_have_count(0)
    with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        dialog.get_by_role("button", name="保存").click()
    assert saved.value.status == 200
    # Then the panel shows the new name
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("heading", name=renamed)).to_be_visible()
    # And the tree (the city's children shown) holds it by its new name, not the old
    tree = page.get_by_role("tree", name="组织树")
    expect(tree.locator(".el-tree-node__content", has_text=renamed)).to_be_visible()
    expect(tree.locator(".el-tree-node__content", has_text=branch["short_name"])).to_have_count(0)
    passes_axe(page, "org-edited")
    # And the header's search box finds it by the new name (查找 asks for members and
    # organisations at once: 全部), not by the old one
    page.set_viewport_size({"width": 1280, "height": 800})
    box = page.get_by_role("search").get_by_label("查找团员和组织")
    box.fill("改名之后")
    box.press("Enter")
    found = page.locator('[aria-label="组织查找结果"]')
    expect(found.get_by_role("link", name=renamed)).to_be_visible()
    passes_axe(page, "search-both")
    page.get_by_label("查找内容").fill(branch["short_name"])
    page.get_by_role("button", name="查找", exact=True).click()
    expect(page.get_by_text("没有找到组织")).to_be_visible()
    expect(page.get_by_role("link", name=renamed)).to_have_count(0)

    # When the demo branch's roster is narrowed to the members in the normal state
    page.goto(app_url(f"/console/members?org={demo['branch_org_id']}"))
    rows = page.locator(".el-table__body tr")
    expect(rows.first).to_be_visible()
    _filter_by_state(page, "正常")
    # Then every member listed is in that state
    expect(rows.first).to_be_visible()
    _every_row_in_state(page, "正常")
    passes_axe(page, "roster-normal")
    # And another state lists only members in it (another journey may have deleted one)
    _filter_by_state(page, "已删除")
    _every_row_in_state(page, "已删除")


def _filter_by_state(page: Page, state: str) -> None:
    """Choose `state` in the roster's filter and wait for the list it asks for."""
    _open_select(page, "按状态筛选")
    with page.expect_response(lambda r: "/members?" in r.url and "state=" in r.url):
        page.get_by_role("listbox", name="按状态筛选").get_by_role("option", name=state, exact=True).click()
    expect(page.locator(".el-loading-mask:visible")).to_have_count(0)


def _every_row_in_state(page: Page, state: str) -> None:
    texts = page.locator(".el-table__body tr td:last-child").all_inner_texts()
    assert all(text.strip() == state for text in texts), texts


def test_reg_5_a_branch_passes_the_demos_twice_failed_registration_offline_with_a_photo(
    page: Page, app_url: Callable[[str], str], web_stack: RunningStack, tmp_path: Path
) -> None:
    assert web_stack.demo is not None
    demo = web_stack.demo
    photo = tmp_path / "offline.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 180, 160)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    # Given the administrator of the branch holding the registration whose check failed twice
    sign_in(page, app_url, demo["offline_branch_admin_phone"], demo["demo_password"])
    # When they open it
    page.goto(app_url(f"/console/review/registrations/{demo['failed_registration_id']}"))
    expect(page.get_by_role("heading", name="报到审核")).to_be_visible()
    expect(page.get_by_text("两次核验未通过，可线下核验")).to_be_visible()
    passes_axe(page, "offline-failed")
    # And check the person offline: the photo and a note, without the photo first
    page.get_by_role("button", name="线下核验通过").click()
    page.get_by_label("核验说明").fill("本人持身份证原件到团支部核验，人证一致")
    page.get_by_role("button", name="确认线下通过").click()
    # Then the missing photo is refused beside its field
    photo_item = page.get_by_role("group", name="核验照片（JPG）")
    expect(photo_item.locator(".el-form-item__error")).to_contain_text("照片")
    passes_axe(page, "offline-form")
    # When the photo is chosen and the pass confirmed
    page.locator("input[type=file]").set_input_files(str(photo))
    with page.expect_response(lambda r: r.url.endswith("/offline-pass")) as passed:
        page.get_by_role("button", name="确认线下通过").click()
    assert passed.value.status == 200
    # Then the registration reads 线下核验通过, and the review may go on
    expect(page.get_by_text("线下核验通过", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="线下核验通过")).to_have_count(0)
    expect(page.get_by_role("button", name="审核通过")).to_be_visible()
    passes_axe(page, "offline-passed")
