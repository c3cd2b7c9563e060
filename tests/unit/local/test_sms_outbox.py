"""The local SMS outbox (infra/local/sms_outbox.py): what the tests and the local stack select
instead of a provider. It records every message with the Chinese text a member would read,
newest first, by phone, from any thread; tests read it through tests/support/sms.py."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from infra.local import sms_outbox
from tests.support import sms
from zhtj.integrations.sms import registry
from zhtj.integrations.sms.base import SmsRefused, Template

LAYER = Path(__file__).resolve().parents[3] / "layers" / "zhtj"


@pytest.fixture(autouse=True)
def empty() -> None:
    sms.clear()


def test_the_tests_select_the_outbox() -> None:
    # Given the test environment (tests/conftest.py installs and selects the outbox)
    sender = registry.sender()
    # Then the registry hands out the outbox, never a real provider
    assert isinstance(sender, sms_outbox.Outbox)
    assert sms_outbox.NAME in registry.registered() and sms_outbox.NAME not in registry.REAL_SENDERS


def test_the_outbox_records_the_message_and_its_chinese_text_newest_first() -> None:
    # Given two codes and a notice sent to one phone in different forms, and one to another
    sender = registry.sender()
    sender.send("+8613800138000", Template.VERIFICATION_CODE, {"code": "111111", "minutes": "5"})
    sender.send("13900139000", Template.NOTICE, {"text": "您的报到已审核通过。"})
    sender.send("8613800138000", Template.VERIFICATION_CODE, {"code": "222222", "minutes": "5"})
    sender.send(
        "13800138000",
        Template.CADRE_INVITATION,
        {"org": "华景团支部", "position": "团支部书记", "link": "https://x/i/1"},
    )
    # When the phone's messages are read
    mine = sms.outbox("+8613800138000")
    # Then they are its three, newest first, with the text a member reads
    assert [m.template for m in mine] == [
        Template.CADRE_INVITATION,
        Template.VERIFICATION_CODE,
        Template.VERIFICATION_CODE,
    ]
    assert mine[1].text == "【智慧团建】您的验证码为222222，5分钟内有效。如非本人操作，请忽略本短信。"
    assert mine[0].text == "【智慧团建】华景团支部邀请您担任团支部书记，请点击 https://x/i/1 接受邀请。"
    assert {m.phone for m in mine} == {"13800138000"}
    # And the latest code is the one last_code gives; every phone's messages make the whole outbox
    assert sms.last_code("13800138000") == "222222"
    assert len(sms.outbox()) == 4
    as_json = mine[1].as_json()
    assert as_json["template"] == "VERIFICATION_CODE" and as_json["params"] == {"code": "222222", "minutes": "5"}
    assert as_json["sent_at"].endswith("+00:00")


def test_last_code_fails_when_no_code_was_sent() -> None:
    registry.sender().send("13800138000", Template.NOTICE, {"text": "提醒"})
    with pytest.raises(AssertionError, match="no verification code"):
        sms.last_code("13800138000")


def test_the_outbox_refuses_what_a_provider_would() -> None:
    sender = registry.sender()
    # A number outside the mainland, and a template's parameter missing
    with pytest.raises(SmsRefused):
        sender.send("+85291234567", Template.NOTICE, {"text": "x"})
    with pytest.raises(ValueError):
        sender.send("13800138000", Template.VERIFICATION_CODE, {"code": "1"})
    assert sms.outbox() == []


def test_the_outbox_keeps_every_message_sent_from_many_threads() -> None:
    # Given 8 threads each sending 50 codes
    def send(n: int) -> None:
        for i in range(50):
            registry.sender().send(f"1380013{n:04d}", Template.VERIFICATION_CODE, {"code": f"{i:06d}", "minutes": "5"})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, range(8)))
    # Then all 400 are there, with distinct ids, each phone's newest last sent
    everything = sms.outbox()
    assert len(everything) == 400 and len({m.message_id for m in everything}) == 400
    assert all(sms.last_code(f"1380013{n:04d}") == "000049" for n in range(8))


def test_the_layer_holds_no_sms_stand_in() -> None:
    # Given every module of the layer, Then none imports infra/ or holds an outbox of its own
    offenders = [
        str(path.relative_to(LAYER))
        for path in LAYER.rglob("*.py")
        if any(mark in path.read_text(encoding="utf-8") for mark in ("from infra", "import infra", "class Outbox"))
    ]
    assert offenders == []
