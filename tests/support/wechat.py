"""WeChat subscribe messages in the tests: every test sends to the simulator
(infra/local/wechat_outbox.py, selected by tests/conftest.py, emptied around each test); these
read it and bind a person's openid as the members' app does."""

from __future__ import annotations

from typing import Any

from infra.local import wechat_outbox
from infra.local.wechat_outbox import SentWechat
from tests.support.http import call


def outbox(openid: str | None = None) -> list[SentWechat]:
    """What was sent in this test (to `openid`), newest first."""
    return wechat_outbox.messages(openid)


def bind(client: Any, headers: dict[str, str], code: str) -> str:
    """PUT /me/wechat-openid with an OAuth code as the members' app does; returns the openid the
    simulator gives for it."""
    status, answer = call(client, "PUT", "/me/wechat-openid", headers, {"code": code})
    assert status == 200, answer
    return wechat_outbox.openid_of_code(code)


def refuse(openid: str) -> None:
    """The person refuses (did not subscribe): WeChat answers 43101 from now on."""
    wechat_outbox.refuse(openid)
