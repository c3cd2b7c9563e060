"""The WeChat simulator (infra/local/wechat_outbox.py): what the tests and the local stack select
instead of WeChat. It answers the OAuth code exchange (the same code, the same openid; a `bad…`
code refused with 40029), records every subscribe message with its fields cut to WeChat's limits,
newest first, and refuses a person who did not subscribe (43101)."""

from __future__ import annotations

import pytest

from infra.local import wechat_outbox
from tests.support import wechat
from zhtj.integrations.wechat import registry
from zhtj.integrations.wechat.base import WechatRefused


@pytest.fixture(autouse=True)
def empty() -> None:
    wechat_outbox.clear()


def test_msg_1_wechat_the_tests_select_the_simulator_never_a_real_adapter() -> None:
    # Given the test environment (tests/conftest.py installs and selects it)
    sender = registry.sender()
    # Then the registry hands out the simulator, which is not a real adapter
    assert isinstance(sender, wechat_outbox.Outbox)
    assert wechat_outbox.NAME not in registry.REAL_SENDERS


def test_msg_1_wechat_the_simulator_exchanges_codes_records_messages_and_refuses_the_unsubscribed() -> None:
    # Given the simulator
    sender = registry.sender()
    # When a code is exchanged twice, and a used one
    openid = sender.openid_for("c-1")
    assert sender.openid_for("c-1") == openid != sender.openid_for("c-2")
    with pytest.raises(WechatRefused) as bad:
        sender.openid_for("bad-used")
    # Then the used code is refused as WeChat does
    assert bad.value.errcode == 40029
    # When two messages go to the openid, and one to a person who did not subscribe
    sender.send(openid, "DUES_REMINDER", {"title": "团费催交提醒", "text": "一" * 30, "at": "2026-12-05 12:00"})
    sender.send(openid, "TRANSFER_DECIDED", {"title": "组织关系转接有新进展", "text": "通过", "at": "2026-12-05 12:01"})
    wechat_outbox.refuse("oSIM-refuses")
    with pytest.raises(WechatRefused) as refused:
        sender.send("oSIM-refuses", "DUES_REMINDER", {})
    # Then the outbox holds the two, newest first, their fields within WeChat's limits
    assert [m.kind for m in wechat.outbox(openid)] == ["TRANSFER_DECIDED", "DUES_REMINDER"]
    assert wechat.outbox(openid)[1].data["thing2"] == "一" * 19 + "…"
    assert refused.value.user_refused
