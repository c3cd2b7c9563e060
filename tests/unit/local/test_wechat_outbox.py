"""The official account's simulator (infra/local/wechat_outbox.py): what the tests and the local
stack select instead of WeChat. Its authorization page comes straight back with a code standing
for its WeChat user; a code is good once (a used one refused with 40163, a `bad…` one with
40029); it records every subscribe notification with its fields cut to WeChat's limits, newest
first, and refuses a person who did not subscribe (43101)."""

from __future__ import annotations

from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

from infra.local import wechat_outbox
from tests.support import wechat
from zhtj.core.settings import public_api_url
from zhtj.integrations.wechat import registry
from zhtj.integrations.wechat.base import WechatRefused


@pytest.fixture(autouse=True)
def empty() -> None:
    wechat_outbox.clear()


def test_msg_1_wechat_the_tests_select_the_simulator_never_a_real_adapter() -> None:
    # Given the test environment (tests/conftest.py installs and selects it)
    adapter = registry.official_account()
    # Then the registry hands out the simulator, which is not a real adapter
    assert isinstance(adapter, wechat_outbox.Outbox)
    assert wechat_outbox.NAME not in registry.REAL_ADAPTERS


def test_web_1_wechat_the_simulators_authorization_comes_back_with_a_code_good_once() -> None:
    # Given the simulator's authorization address for a page of the app
    adapter = registry.official_account()
    url = adapter.authorize_url("https://zhtj.example/m/dues?back=1", "s1")
    # Then it is on the API's own address, with WeChat's parameters in WeChat's order
    parts = urlsplit(url)
    assert url.startswith(public_api_url() + wechat_outbox.AUTHORIZE_PATH + "?")
    assert [k for k, _ in parse_qsl(parts.query)] == ["appid", "redirect_uri", "response_type", "scope", "state"]
    assert parts.fragment == "wechat_redirect"
    # When two WeChat users open it
    backs = [urlsplit(wechat_outbox.authorize(url, user)) for user in ("a", "b")]
    # Then each comes back to the page (its own query kept) with a fresh code and the state
    for back in backs:
        query = parse_qs(back.query)
        assert back.path == "/m/dues" and query["back"] == ["1"] and query["state"] == ["s1"]
    codes = [parse_qs(back.query)["code"][0] for back in backs]
    # And each code gives its user's openid, once
    assert [adapter.openid_for(c) for c in codes] == [wechat_outbox.openid_of_user(u) for u in ("a", "b")]
    with pytest.raises(WechatRefused) as used:
        adapter.openid_for(codes[0])
    assert used.value.errcode == 40163 and used.value.bad_code
    # And a page WeChat would refuse (another appid) is refused
    with pytest.raises(wechat_outbox.AuthorizeRefused):
        wechat_outbox.authorize(url.replace(wechat_outbox.APPID, "wxother"))


def test_msg_1_wechat_the_simulator_exchanges_codes_records_messages_and_refuses_the_unsubscribed() -> None:
    # Given the simulator
    adapter = registry.official_account()
    # When made-up codes are exchanged, and a bad one
    openid = adapter.openid_for("c-1")
    assert openid == wechat_outbox.openid_of_code("c-1") != adapter.openid_for("c-2")
    with pytest.raises(WechatRefused) as bad:
        adapter.openid_for("bad-used")
    # Then the bad code is refused as WeChat does
    assert bad.value.errcode == 40029
    # When two messages go to the openid, and one to a person who did not subscribe
    adapter.send(openid, "DUES_REMINDER", {"title": "团费催交提醒", "text": "一" * 30, "at": "2026-12-05 12:00"})
    adapter.send(
        openid, "TRANSFER_DECIDED", {"title": "组织关系转接有新进展", "text": "通过", "at": "2026-12-05 12:01"}
    )
    wechat_outbox.refuse("oSIM-refuses")
    with pytest.raises(WechatRefused) as refused:
        adapter.send("oSIM-refuses", "DUES_REMINDER", {})
    # Then the outbox holds the two, newest first, their fields within WeChat's limits
    assert [m.kind for m in wechat.outbox(openid)] == ["TRANSFER_DECIDED", "DUES_REMINDER"]
    assert wechat.outbox(openid)[1].data["thing2"] == "一" * 19 + "…"
    assert refused.value.user_refused
