"""XFER-2 in the members' app (WEB-1): an organisation outside the member's subtree proposes a
transfer into one of its branches; the member sees it on 转接 and starts it by confirming."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.support.stack import RunningStack

pytestmark = pytest.mark.browser


def _signed_in(stack: RunningStack, phone: str, org_id: str | None = None) -> dict[str, str]:
    """A demo login's session over HTTP (acting for its first organisation, or `org_id`)."""
    assert stack.demo is not None
    signed = requests.post(
        f"{stack.api_url}/auth/sign-in", json={"login": phone, "password": stack.demo["demo_password"]}, timeout=10
    )
    signed.raise_for_status()
    headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    if org_id is None:
        grants = requests.get(f"{stack.api_url}/me", headers=headers, timeout=10).json()["grants"]
        org_id = grants[0]["org_id"]
    acting = requests.post(f"{stack.api_url}/me/acting-org", json={"org_id": org_id}, headers=headers, timeout=10)
    acting.raise_for_status()
    return {"Authorization": f"Bearer {acting.json()['access_token']}"}


def test_xfer_2_web_1_a_member_confirms_an_organisations_transfer_proposal(
    page: Page, app_url: Callable[[str], str], web_stack: RunningStack
) -> None:
    demo = web_stack.demo
    assert demo is not None and "transfer_id" in demo
    # Given the demo transfer's destination branch and the committee above it (another city)
    step3 = _signed_in(web_stack, demo["transfer_step3_admin_phone"])
    transfer = requests.get(
        f"{web_stack.api_url}/members/{demo['transfer_member_id']}/transfers/{demo['transfer_id']}",
        headers=step3,
        timeout=10,
    ).json()
    # When that committee proposes to the demo member a transfer into the destination branch
    proposed = requests.post(
        f"{web_stack.api_url}/members/{demo['member_id']}/transfer-proposals",
        json={"cause": "EMPLOYMENT", "to_branch_id": transfer["to_branch_id"], "note": "已录用，请转入本单位团支部"},
        headers=step3,
        timeout=10,
    )
    assert proposed.status_code == 201, proposed.text
    # Then the member sees it on 转接, with the branch and the note
    page.goto(app_url("/m/sign-in"))
    page.get_by_label("账号", exact=True).fill(demo["member_phone"])
    page.get_by_label("密码", exact=True).fill(demo["demo_password"])
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading").first).to_be_visible()
    page.goto(app_url("/m/transfer"))
    offer = page.get_by_role("region", name=f"{proposed.json()['org_name']}的转接建议")
    expect(offer).to_contain_text(proposed.json()["to_branch_name"])
    expect(offer).to_contain_text("已录用")
    expect(page.locator(".van-toast:visible")).to_have_count(0)
    assert axe_violations(page) == []
    # When the member confirms it
    offer.get_by_role("button", name="确认转接").click()
    # Then the transfer has started: the proposal is gone and the chain shows the transfer
    expect(offer).to_have_count(0)
    expect(page.get_by_text("当前转接")).to_be_visible()
    expect(page.get_by_text(proposed.json()["to_branch_name"]).first).to_be_visible()
