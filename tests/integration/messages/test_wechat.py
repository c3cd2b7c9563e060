"""MSG-1's WeChat channel: a person binds their openid from an OAuth code (PUT /me/wechat-openid);
notifications then also go as WeChat subscribe messages, once per event; the channel can be
turned off for the optional kinds, not the mandatory ones; a person who did not subscribe
(43101) is recorded refused, never retried. Each test reads Given / When / Then."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import World, call, wechat
from tests.support.deadlines import at
from tests.support.messages import NOON, deliver, inbox
from tests.support.messages import settled as settled  # a fixture
from tests.support.sessions import bearer, new_applicant, session_token
from zhtj.accounts.models import Account
from zhtj.core.settings import WECHAT_PROVIDER_ENV
from zhtj.messages import delivery
from zhtj.messages.messages import NOTIFICATIONS, Notify
from zhtj.messages.models import Delivery
from zhtj.messages.rules import Kind
from zhtj.table import keys
from zhtj.table.audit_record import AuditRecord


def person(client: Any, code: str) -> tuple[str, dict[str, str], str]:
    """A new account that bound its WeChat with `code`: (account id, headers, openid)."""
    account_id, _ = new_applicant()
    headers = bearer(session_token(account_id))
    return account_id, headers, wechat.bind(client, headers, code)


def tell(account_id: str, event_id: str, kind: Kind) -> Notify:
    message = Notify(
        event_id=event_id, notice_kind=kind, recipient=f"account:{account_id}", params={"outcome": "已通过"}
    )
    NOTIFICATIONS.send(message)
    return message


def test_msg_1_wechat_a_code_binds_the_persons_openid_and_a_bad_code_is_refused(client: Any, settled: World) -> None:
    # Given a signed-in person
    account_id, _ = new_applicant()
    headers = bearer(session_token(account_id))
    # When the members' app sends a used code
    status, answer = call(client, "PUT", "/me/wechat-openid", headers, {"code": "bad-used"})
    # Then it is refused beside the field
    assert (status, answer["code"], answer["field"]) == (400, "WECHAT_CODE_INVALID", "code")
    # When it sends a good one
    openid = wechat.bind(client, headers, "code-1")
    # Then the account holds the openid, and the binding is audited without it
    assert Account.get(keys.account_pk(account_id), keys.META).wechat_openid == openid
    [record] = [a for a in AuditRecord.query(keys.audit_pk("ACCOUNT", account_id)) if a.action == "account.wechat_bind"]
    assert openid not in str(record.after)


def test_msg_1_wechat_a_notification_reaches_the_bound_person_once_however_often_delivered(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a person with WeChat bound, and one who never bound it
    account_id, headers, openid = person(client, "code-once")
    other, _ = new_applicant()
    # When one event is queued twice to each, and handled once more by hand
    message = tell(account_id, "e-wx", Kind.TRANSFER_DECIDED)
    tell(account_id, "e-wx", Kind.TRANSFER_DECIDED)
    tell(other, "e-wx-other", Kind.TRANSFER_DECIDED)
    deliver(client, monkeypatch)
    with monkeypatch.context() as patched:
        at(patched, NOON)
        delivery.handle(message)
    # Then one subscribe message, with the notification's title and text, and one in-app message
    [sent] = wechat.outbox(openid)
    assert sent.kind == Kind.TRANSFER_DECIDED
    assert sent.data["thing1"] == "组织关系转接有新进展"
    assert sent.data["thing2"].startswith("您的组织关系转接已通过")
    assert len(inbox(client, headers)) == 1
    # And nothing went to WeChat for the person without an openid
    assert [m.openid for m in wechat.outbox()] == [openid]


def test_msg_1_wechat_can_be_turned_off_for_optional_kinds_not_mandatory_ones(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a person with WeChat bound who turned the WeChat channel off
    account_id, headers, openid = person(client, "code-prefs")
    status, answer = call(client, "PUT", "/me/notification-preferences", headers, {"off_channels": ["WECHAT"]})
    assert status == 200, answer
    # When an optional notice (a step waiting) and a mandatory one (a transfer decided) are sent
    tell(account_id, "e-optional", Kind.TRANSFER_STEP_WAITING)
    tell(account_id, "e-mandatory", Kind.TRANSFER_DECIDED)
    deliver(client, monkeypatch)
    # Then only the mandatory one went by WeChat; both are in-app
    assert [m.kind for m in wechat.outbox(openid)] == [Kind.TRANSFER_DECIDED]
    assert len(inbox(client, headers)) == 2


def test_msg_1_wechat_a_person_who_did_not_subscribe_is_recorded_refused_and_not_retried(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a person who bound WeChat but refuses the subscription (WeChat answers 43101)
    account_id, headers, openid = person(client, "code-refuses")
    wechat.refuse(openid)
    # When a notice is delivered, and handled again
    message = tell(account_id, "e-refused-wx", Kind.TRANSFER_DECIDED)
    deliver(client, monkeypatch)
    with monkeypatch.context() as patched:
        at(patched, NOON)
        delivery.handle(message)
    # Then nothing was sent, the delivery is recorded REFUSED (final), the in-app message stands
    assert wechat.outbox(openid) == []
    record = Delivery.get(keys.delivery_pk("e-refused-wx", account_id, "WECHAT"), keys.META)
    assert record.state == delivery.REFUSED
    assert len(inbox(client, headers)) == 1


def test_msg_1_wechat_a_deployment_without_the_channel_refuses_binding_and_sends_nothing(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a person who bound WeChat, then a deployment with the channel off
    account_id, headers, openid = person(client, "code-off")
    monkeypatch.setenv(WECHAT_PROVIDER_ENV, "")
    # When they bind again and a notice is delivered
    status, answer = call(client, "PUT", "/me/wechat-openid", headers, {"code": "code-off-2"})
    tell(account_id, "e-off", Kind.TRANSFER_DECIDED)
    deliver(client, monkeypatch)
    # Then binding is refused, nothing goes by WeChat, the notice is in-app
    assert (status, answer["code"]) == (409, "WECHAT_CHANNEL_OFF")
    assert wechat.outbox(openid) == []
    assert len(inbox(client, headers)) == 1
