"""The WeChat official account in the tests: every test uses the simulator
(infra/local/wechat_outbox.py, selected by tests/conftest.py, emptied around each test); these
read its outbox and bind a person's openid as the members' app does."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from infra.local import wechat_outbox
from infra.local.wechat_outbox import SentWechat
from tests.support.http import call
from zhtj.core.settings import public_api_url


def outbox(openid: str | None = None) -> list[SentWechat]:
    """What was sent in this test (to `openid`), newest first."""
    return wechat_outbox.messages(openid)


def bind(client: Any, headers: dict[str, str], code: str) -> str:
    """PUT /me/wechat-openid with a (made-up) code; returns the openid the simulator gives for it."""
    status, answer = call(client, "PUT", "/me/wechat-openid", headers, {"code": code})
    assert status == 200, answer
    return wechat_outbox.openid_of_code(code)


def enter_inside_wechat(client: Any, headers: dict[str, str], user: str, page: str | None = None) -> str:
    """What the members' app does on entering inside WeChat: ask where to authorize, go there as
    the WeChat user `user`, come back with a code and the state, hand the code over. Returns the
    openid bound."""
    back_to = page or public_api_url() + "/m/"
    status, authorize = call(client, "GET", f"/wechat/authorize-url?redirect_uri={quote(back_to, safe='')}", headers)
    assert status == 200, authorize
    query = parse_qs(urlsplit(wechat_outbox.authorize(authorize["url"], user)).query)
    assert query["state"] == [authorize["state"]]
    status, answer = call(client, "PUT", "/me/wechat-openid", headers, {"code": query["code"][0]})
    assert status == 200, answer
    return wechat_outbox.openid_of_user(user)


def refuse(openid: str) -> None:
    """The person refuses (did not subscribe): WeChat answers 43101 from now on."""
    wechat_outbox.refuse(openid)
