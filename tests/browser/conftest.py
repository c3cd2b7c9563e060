"""Browser journeys (WEB-1..3): Playwright for Python drives Debian's chromium against one local
stack (`python -m infra.local`, demo data, the web apps built by `python -m infra.web build`).

Each page opens 360 px wide unless a test asks otherwise; a page error or a console error fails
the test; on failure a screenshot and the page's HTML are kept under
test-results/browser/<test>/ (the test's output folder).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, expect, sync_playwright

from infra.web import DIST
from tests.support.stack import ROOT, RunningStack, start_stack

pytestmark = pytest.mark.browser

# What a page shows after a request waits on the whole stack (Argon2, KMS, the runner, moto) on a
# 2-core machine that runs another test worker beside it: wait as long for an expectation as
# for an action (the page fixture's 15 s), not Playwright's 5 s.
expect.set_options(timeout=15_000)

CHROMIUM = Path("/usr/bin/chromium")
RESULTS = ROOT / "test-results" / "browser"
PHONE_WIDTH = {"width": 360, "height": 740}
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def web_stack() -> Iterator[RunningStack]:
    """One local stack with demo data for the browser tests of this worker."""
    if not (DIST / "member" / "index.html").exists() or not (DIST / "console" / "index.html").exists():
        pytest.fail("the web apps are not built: run `python -m infra.web build` (./dev test does)")
    with tempfile.TemporaryDirectory(prefix="zhtj-browser-") as workdir:
        running = start_stack(Path(workdir), demo_scale=20)
        try:
            yield running
        finally:
            if running.process.poll() is None:
                running.interrupt()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install chromium fonts-noto-cjk (./dev test does as root)")
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    yield launched
    launched.close()


class PageErrors(list[str]):
    """What the page said went wrong: uncaught errors and console errors."""


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def viewport() -> dict[str, int]:
    """The page's size: a 360-px phone unless a test overrides this fixture."""
    return PHONE_WIDTH


@pytest.fixture
def page(
    browser: Browser, request: pytest.FixtureRequest, page_errors: PageErrors, viewport: dict[str, int]
) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    opened = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        # A refused request logs "Failed to load resource" in chromium: the app shows it, the
        # test checks what it shows; everything else logged as an error is a fault.
        if message.type == "error" and "Failed to load resource" not in message.text:
            page_errors.append(f"console: {message.text}")

    opened.on("console", on_console)
    opened.on("pageerror", lambda error: page_errors.append(f"page error: {error}"))
    yield opened
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        folder = RESULTS / re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        opened.screenshot(path=str(folder / "failure.png"), full_page=True)
        (folder / "page.html").write_text(opened.content(), encoding="utf-8")
    context.close()
    assert not page_errors, "the page reported errors:\n" + "\n".join(page_errors)


@pytest.fixture
def app_url(web_stack: RunningStack) -> Callable[[str], str]:
    """An absolute URL on the stack's origin: app_url("/m/sign-up")."""
    return lambda path: web_stack.api_url + path


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the given impacts on the page as it is now (WEB-3)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result
        if v["impact"] in impacts
    ]
