"""MSG-1's WeChat channel: to the openid kept on a person's account (bound as the members' app
enters inside WeChat: tests/integration/accounts/test_wechat_openid.py), notifications also go
as the official account's subscribe notifications, once per event; the channel can be turned off
for the optional kinds, not the mandatory ones; a person who did not subscribe (43101) is recorded
refused, never retried. Each test reads Given / When / Then."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import World, call, wechat
from tests.support.deadlines import at
from tests.support.messages import NOON, deliver, inbox
from tests.support.messages import settled as settled  # a fixture
from tests.support.sessions import bearer, new_applicant, session_token
from zhtj.core.settings import WECHAT_PROVIDER_ENV
from zhtj.messages import delivery
from zhtj.messages.messages import NOTIFICATIONS, Notify
from zhtj.messages.models import Delivery
from zhtj.messages.rules import Kind
from zhtj.table import keys


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


def test_msg_1_wechat_a_notification_reaches_the_bound_person_once_however_often_delivered(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a person who entered the app inside WeChat, and one who never did
    account_id, _ = new_applicant()
    headers = bearer(session_token(account_id))
    openid = wechat.enter_inside_wechat(client, headers, user="once")
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


def test_msg_1_wechat_a_deployment_without_the_official_account_sends_nothing_by_wechat(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a person who bound WeChat, then a deployment without the official account
    account_id, headers, openid = person(client, "code-off")
    monkeypatch.setenv(WECHAT_PROVIDER_ENV, "")
    # When a notice is delivered
    tell(account_id, "e-off", Kind.TRANSFER_DECIDED)
    deliver(client, monkeypatch)
    # Then nothing goes by WeChat, the notice is in-app
    assert wechat.outbox(openid) == []
    assert len(inbox(client, headers)) == 1
