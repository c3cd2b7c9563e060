"""What the console's browser journeys share: signing in, a screen checked with axe-core at both
widths (and kept as screenshots when ZHTJ_BROWSER_SHOTS names a folder, to look at them), and
reading the API as a demo login."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.conftest import axe_violations
from tests.support.stack import RunningStack

PHONE: ViewportSize = {"width": 360, "height": 740}
WIDE: ViewportSize = {"width": 1280, "height": 800}
SHOTS = os.environ.get("ZHTJ_BROWSER_SHOTS")


def shot(page: Page, name: str) -> None:
    """Keep a screenshot of the page as it is, when SHOTS names a folder."""
    if SHOTS:
        width = page.viewport_size["width"] if page.viewport_size else 0
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)


def passes_axe(page: Page, name: str) -> None:
    """axe-core finds no serious or critical violation on the screen, once its lists have loaded,
    at 360 px nor at 1280 px (WEB-3); the page is left at 360 px."""
    expect(page.locator(".el-loading-mask:visible")).to_have_count(0)
    for size in (PHONE, WIDE):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)  # the layout settles after a resize (no data is awaited here)
        shot(page, name)
        violations = axe_violations(page)
        assert violations == [], f"{name} at {size['width']} px: {violations}"
    page.set_viewport_size(PHONE)


def sign_in(page: Page, app_url: Callable[[str], str], login: str, password: str, lands_on: str = "工作台") -> None:
    """Sign in to the console and wait for the first screen (a password check is slow on purpose,
    and the machine may be busy)."""
    page.goto(app_url("/console/sign-in"))
    page.get_by_label("账号").fill(login)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile(lands_on))).to_be_visible(timeout=30_000)


def refresh_until(page: Page, done: Callable[[], bool], seconds: float = 45) -> None:
    """Press the work list's 刷新 until `done()` or `seconds` have passed: what the table's stream
    moves (a count, an item) lands within a second or two on a quiet machine, later on a loaded
    one. The caller's `expect` then says what was not there."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        page.get_by_role("button", name="刷新").click()
        page.wait_for_timeout(500)


def demo_get(stack: RunningStack, login: str, path: str) -> Any:
    """GET `path` as the demo login `login` (its ready token)."""
    assert stack.demo is not None
    answer = requests.get(
        f"{stack.api_url}{path}", headers={"Authorization": f"Bearer {stack.demo[login]}"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer.json()
