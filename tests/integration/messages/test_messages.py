"""In-app messages and notifications (MSG-1) and the branch's 催交 (MSG-2): each sender tells the
right person, through the notifications queue and its worker, once per (event, person,
channel); SMS only outside quiet hours and under the daily cap; preferences; the unread count.
Each test reads Given / When / Then."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.support import World, call, drain, sms
from tests.support.accounts import invite
from tests.support.deadlines import at
from tests.support.http import member_headers
from tests.support.messages import NOON, deliver, inbox, of_kind, owe_dues
from tests.support.messages import settled as settled  # a fixture
from tests.support.registration import make_id, registered
from tests.support.sessions import bearer, new_applicant, session_token
from tests.support.transfers import approve, start
from zhtj.core import clock
from zhtj.integrations.sms.base import Template
from zhtj.members.models import Member
from zhtj.messages import delivery
from zhtj.messages.messages import NOTIFICATIONS, Notify
from zhtj.messages.models import Delivery, InboxMessage, UnreadCount
from zhtj.messages.rules import SMS_DAILY_CAP, Kind
from zhtj.reminders import dues as dues_reminders
from zhtj.table import keys, queues
from zhtj.table.audit_record import AuditRecord


@pytest.fixture(autouse=True)
def identity_provider_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHTJ_FAKE_IDP_FAIL_PERCENT", "0")


def unread(client: Any, headers: dict[str, str]) -> int:
    status, answer = call(client, "GET", "/me/messages/unread-count", headers)
    assert status == 200, answer
    return int(answer["unread"])


def notices(phone: str) -> list[str]:
    return [s.params["text"] for s in sms.outbox(phone) if s.template is Template.NOTICE]


def phone_of(account_id: str) -> str:
    from zhtj.accounts.models import Account

    phone = Account.get(keys.account_pk(account_id), keys.META).phone
    assert phone
    return phone


def account_of(member_id: str) -> str:
    account_id = Member.get(keys.member_pk(member_id), keys.META).account_id
    assert account_id
    return account_id


# --- MSG-1: who is told what -------------------------------------------------------------------


def test_msg_1_registration_approved_and_returned_reach_the_applicant_in_app_and_by_sms(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two registrations waiting at 华景
    world = settled
    approved = registered(client, world, id_number=make_id(seq=201), phone="13800138201")
    returned = registered(
        client, world, id_number=make_id(seq=202), phone="13800138202", development_number="202144010002"
    )
    # When the branch approves one and returns the other with a reason, and the worker runs
    status, _ = call(client, "POST", f"/registrations/{approved['registration_id']}/approve", world.headers("huajing"))
    assert status == 200
    status, _ = call(
        client,
        "POST",
        f"/registrations/{returned['registration_id']}/return",
        world.headers("huajing"),
        {"reason": "照片不清晰"},
    )
    assert status == 200
    deliver(client, monkeypatch)
    # Then each applicant has one message of their decision, and one SMS
    [first] = inbox(client, approved["headers"])
    assert (first["notice_kind"], first["read_at"]) == (Kind.REGISTRATION_APPROVED, None)
    assert "华景社区团支部" in first["text"]
    [second] = inbox(client, returned["headers"])
    assert second["notice_kind"] == Kind.REGISTRATION_RETURNED and "照片不清晰" in second["text"]
    assert len(notices("+8613800138201")) == 1
    assert ["照片不清晰" in t for t in notices("+8613800138202")] == [True]


def test_msg_1_a_registration_the_worker_refuses_tells_its_applicant_why(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a registration of an ID number already registered
    world = settled
    registered(client, world, id_number=make_id(seq=203), phone="13800138203")
    # When another applicant submits the same ID number (the worker refuses it, REG-4)
    again = registered(
        client, world, id_number=make_id(seq=203), phone="13800138204", development_number="202144010004"
    )
    assert again["status"] == "REFUSED"
    deliver(client, monkeypatch)
    # Then that applicant is told, with the reason
    [message] = inbox(client, again["headers"])
    assert message["notice_kind"] == Kind.REGISTRATION_REFUSED and "身份证号" in message["text"]


def test_msg_1_an_edit_request_decided_reaches_the_member(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a member's edit waiting at the branch
    world = settled
    member_id = world.members["huajing"][0]
    headers = member_headers(world, member_id)
    status, answer = call(client, "PATCH", f"/members/{member_id}", headers, {"political_status": "中共预备党员"})
    assert status == 200 and answer["edit_request"], answer
    # When the branch returns it with a reason
    status, _ = call(
        client, "POST", f"/members/{member_id}/edit-request/return", world.headers("huajing"), {"reason": "请附证明"}
    )
    assert status == 200
    deliver(client, monkeypatch)
    # Then the member has the decision in-app (an optional kind: no SMS)
    [message] = of_kind(client, headers, Kind.EDIT_DECIDED)
    assert "请附证明" in message["text"] and "被退回" in message["text"]
    assert notices(phone_of(account_of(member_id))) == []


def test_msg_1_a_transfer_step_waiting_reaches_that_organisations_operators_and_its_decision_the_member(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a member of 华景 with dues paid, starting a transfer to 莲花
    from tests.support import pay_dues

    world = settled
    moving = world.members["huajing"][0]
    pay_dues(moving)
    t = start(client, world, "member", moving, to_branch_id=world.orgs["lianhua"])
    deliver(client, monkeypatch)
    # Then 华景's operators are told a step waits; nobody else is
    huajing_admin = world.account_headers(world.admins["huajing"])
    [waiting] = inbox(client, huajing_admin)
    assert waiting["notice_kind"] == Kind.TRANSFER_STEP_WAITING
    assert inbox(client, world.account_headers(world.admins["tianhe"])) == []
    # When 华景 approves
    approve(client, world, "huajing", t)
    deliver(client, monkeypatch)
    # Then the member is told of the decision, the next organisation (天河) that a step waits
    [decided] = of_kind(client, member_headers(world, moving), Kind.TRANSFER_DECIDED)
    assert "通过" in decided["text"]
    assert [m["notice_kind"] for m in inbox(client, world.account_headers(world.admins["tianhe"]))] == [
        Kind.TRANSFER_STEP_WAITING
    ]
    assert len(inbox(client, huajing_admin)) == 1


def test_msg_1_a_transfer_step_past_its_deadline_tells_the_organisation_above(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a transfer waiting at 华景
    from tests.support import pay_dues
    from zhtj.timers.models import Timer
    from zhtj.transfers import escalation, steps

    world = settled
    moving = world.members["huajing"][1]
    pay_dues(moving)
    t = start(client, world, "member", moving, to_branch_id=world.orgs["lianhua"])
    # When its deadline passes (the step's timer fires)
    timer = Timer.get(keys.timer_pk(steps.TIMER_KIND, f"{moving}/{t['transfer_id']}"), keys.META)
    escalation.escalate(timer)
    deliver(client, monkeypatch)
    # Then 天河 (above 华景) is told the step waits for it now
    [waiting] = of_kind(client, world.account_headers(world.admins["tianhe"]), Kind.TRANSFER_STEP_WAITING)
    assert "待本组织审批" in waiting["text"]


def test_msg_1_a_review_past_its_deadline_tells_the_organisation_it_goes_to(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a registration waiting at 华景
    from zhtj.deadlines import service as deadlines
    from zhtj.timers import service as timers
    from zhtj.timers.models import Timer

    world = settled
    reg_id = registered(client, world, id_number=make_id(seq=205), phone="13800138205")["registration_id"]
    # When its review deadline passes (REV-2: the timer fires, the review goes to 天河)
    deadlines.escalate(Timer.get(keys.timer_pk(timers.REVIEW_DUE, reg_id), keys.META))
    deliver(client, monkeypatch)
    # Then 天河's operators are told, with the applicant's name
    [overdue] = of_kind(client, world.account_headers(world.admins["tianhe"]), Kind.REVIEW_ESCALATED)
    assert "李晓明" in overdue["text"]


def test_msg_1_a_batch_of_transfers_tells_each_organisation_once_not_once_per_member(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given three graduates of 计算机1班 with dues paid
    from tests.support import enrol, han_number, pay_dues

    world = settled
    graduates = [enrol(world, "cs2024", f"毕业生{han_number(i)}") for i in range(3)]
    for member_id in graduates:
        pay_dues(member_id)
    rows = [{"member_id": m, "to_branch_id": world.orgs["huajing"], "cause": "EMPLOYMENT"} for m in graduates]
    # When 中大团委 moves them in one batch, and the batch's transfers start
    status, _ = call(
        client, "POST", f"/orgs/{world.orgs['cs2024']}/transfer-batches", world.headers("sysu"), {"rows": rows}
    )
    assert status == 202
    drain(client, "transfers")
    deliver(client, monkeypatch)
    # Then the class branch's operators are told once that the batch waits for them
    [waiting] = of_kind(client, world.account_headers(world.admins["cs2024"]), Kind.TRANSFER_STEP_WAITING)
    assert "批量转接" in waiting["text"]


def test_msg_1_a_cadre_invitation_is_also_put_in_app_when_the_phone_has_an_account(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a person with an account, and a phone with none
    world = settled
    account_id, phone = new_applicant()
    # When 华景 invites both
    assert invite(client, world, "huajing", "张三", phone)[0] == 201
    assert invite(client, world, "huajing", "李四", "13700009999")[0] == 201
    deliver(client, monkeypatch)
    # Then the account has the invitation in-app (the SMS is the invitation's own)
    [message] = inbox(client, bearer(session_token(account_id)))
    assert message["notice_kind"] == Kind.CADRE_INVITED and "华景" in message["text"]


# --- Exactly once, quiet hours, the cap ---------------------------------------------------------


def test_msg_1_one_event_redelivered_is_delivered_once_per_person_and_channel(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given one event sent three times, one copy handled twice more by hand
    account_id, phone = new_applicant()
    message = Notify(event_id="e-once", notice_kind=Kind.TRANSFER_DECIDED, recipient=f"account:{account_id}")
    for _ in range(3):
        NOTIFICATIONS.send(message)
    # When the worker runs, and the message is handled again
    assert deliver(client, monkeypatch) == 3
    with monkeypatch.context() as patched:
        at(patched, NOON)
        delivery.handle(message)
        delivery.handle(message)
    # Then one message, one unread, one SMS
    headers = bearer(session_token(account_id))
    assert len(inbox(client, headers)) == 1 and unread(client, headers) == 1
    assert len(notices(phone)) == 1


def test_msg_1_no_sms_in_quiet_hours_it_is_held_until_eight_in_the_morning(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a decision at 23:00 China time
    account_id, phone = new_applicant()
    message = Notify(event_id="e-night", notice_kind=Kind.REGISTRATION_APPROVED, recipient=f"account:{account_id}")
    night = NOON.replace(hour=23)
    held: list[tuple[Notify, int]] = []
    monkeypatch.setattr(NOTIFICATIONS, "send", lambda m, delay_seconds=0: held.append((m, delay_seconds)))
    # When the worker handles it at night
    with monkeypatch.context() as patched:
        at(patched, night)
        delivery.handle(message)
    # Then it is in-app at once; the SMS is held (re-queued to that account and channel, delayed)
    assert len(inbox(client, bearer(session_token(account_id)))) == 1
    assert notices(phone) == []
    [(again, delay)] = held
    assert (again.recipient, again.channel, delay) == (f"account:{account_id}", "SMS", 900)
    # When the held message comes back at 07:59:30, then at 08:00
    with monkeypatch.context() as patched:
        at(patched, night + timedelta(hours=9, seconds=-30))
        delivery.handle(again)
    assert notices(phone) == [] and held[-1][1] == 30
    with monkeypatch.context() as patched:
        at(patched, night + timedelta(hours=9))
        delivery.handle(again)
        delivery.handle(again)
    # Then the SMS goes, once
    assert len(notices(phone)) == 1


def test_msg_1_at_most_five_sms_a_person_a_day_in_app_has_every_one(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given seven urgent events for one person in one day
    account_id, phone = new_applicant()
    for n in range(SMS_DAILY_CAP + 2):
        NOTIFICATIONS.send(
            Notify(event_id=f"e-cap-{n}", notice_kind=Kind.DEADLINE_NEAR, recipient=f"account:{account_id}")
        )
    # When the worker delivers them
    deliver(client, monkeypatch)
    # Then five SMS went, and seven messages are in-app
    assert len(notices(phone)) == SMS_DAILY_CAP
    assert unread(client, bearer(session_token(account_id))) == SMS_DAILY_CAP + 2
    # And the next day counts afresh
    NOTIFICATIONS.send(Notify(event_id="e-cap-next", notice_kind=Kind.DEADLINE_NEAR, recipient=f"account:{account_id}"))
    deliver(client, monkeypatch, NOON + timedelta(days=1))
    assert len(notices(phone)) == SMS_DAILY_CAP + 1


# --- Preferences ---------------------------------------------------------------------------------


def test_msg_1_mandatory_kinds_and_in_app_cannot_be_turned_off(client: Any, settled: World) -> None:
    # Given a person
    account_id, _ = new_applicant()
    headers = bearer(session_token(account_id))
    # When they try to turn off a mandatory kind, or the in-app channel
    status, answer = call(
        client, "PUT", "/me/notification-preferences", headers, {"off_kinds": ["REGISTRATION_RETURNED"]}
    )
    # Then each is refused beside its field, in Chinese
    assert (status, answer["code"], answer["field"]) == (400, "MANDATORY_NOTICE", "off_kinds")
    assert "不能关闭" in answer["message"]
    status, answer = call(client, "PUT", "/me/notification-preferences", headers, {"off_channels": ["IN_APP"]})
    assert (status, answer["code"], answer["field"]) == (400, "IN_APP_REQUIRED", "off_channels")
    status, answer = call(client, "GET", "/me/notification-preferences", headers)
    assert (answer["off_kinds"], answer["off_channels"]) == ([], [])
    assert "TRANSFER_DECIDED" in answer["mandatory_kinds"]


def test_msg_1_optional_kinds_and_sms_for_them_can_be_turned_off_mandatory_still_arrive(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a person who turned off 催交 and SMS
    account_id, phone = new_applicant()
    headers = bearer(session_token(account_id))
    status, answer = call(
        client,
        "PUT",
        "/me/notification-preferences",
        headers,
        {"off_kinds": ["DUES_REMINDER"], "off_channels": ["SMS"]},
    )
    assert status == 200 and answer["off_kinds"] == ["DUES_REMINDER"], answer
    # When a reminder, a step waiting (optional, by SMS) and a decision (mandatory) are sent
    for event, kind in (
        ("e-p1", Kind.DUES_REMINDER),
        ("e-p2", Kind.TRANSFER_STEP_WAITING),
        ("e-p3", Kind.TRANSFER_DECIDED),
    ):
        NOTIFICATIONS.send(Notify(event_id=event, notice_kind=kind, recipient=f"account:{account_id}"))
    deliver(client, monkeypatch)
    # Then no reminder; the step in-app only; the decision in-app and by SMS
    assert sorted(m["notice_kind"] for m in inbox(client, headers)) == [
        Kind.TRANSFER_DECIDED,
        Kind.TRANSFER_STEP_WAITING,
    ]
    assert len(notices(phone)) == 1


# --- The inbox -----------------------------------------------------------------------------------


def test_msg_1_unread_first_and_the_unread_count_after_read_and_read_all(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given four messages
    account_id, _ = new_applicant()
    headers = bearer(session_token(account_id))
    for n in range(4):
        NOTIFICATIONS.send(Notify(event_id=f"e-r{n}", notice_kind=Kind.EDIT_DECIDED, recipient=f"account:{account_id}"))
        deliver(client, monkeypatch)
    oldest, *_ = [m["message_id"] for m in reversed(inbox(client, headers))]
    assert unread(client, headers) == 4
    # When the oldest is read (twice: the second changes nothing)
    for _ in range(2):
        status, answer = call(client, "POST", f"/me/messages/{oldest}/read", headers)
        assert status == 200 and answer["read_at"], answer
    # Then three are unread, listed before it
    assert unread(client, headers) == 3
    listed = inbox(client, headers)
    assert listed[-1]["message_id"] == oldest and all(m["read_at"] is None for m in listed[:3])
    # When all are read
    status, answer = call(client, "POST", "/me/messages/read-all", headers)
    # Then none is unread; the counter is one item, read once
    assert (status, answer["marked"]) == (200, 3)
    assert unread(client, headers) == 0
    assert UnreadCount.get(keys.account_pk(account_id), keys.UNREAD_SK).unread == 0
    # Another person's message is not found
    status, answer = call(client, "POST", f"/me/messages/{oldest}/read", bearer(session_token(new_applicant()[0])))
    assert (status, answer["code"]) == (404, "MESSAGE_NOT_FOUND")
    assert InboxMessage.get(keys.account_pk(account_id), keys.message_sk(oldest)).read_at is not None


# --- MSG-2: 催交 ---------------------------------------------------------------------------------


def test_msg_2_the_branch_reminds_members_who_owe_at_most_once_a_week(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two members of 华景 who owe dues and one who does not
    world = settled
    owing, other, paid_up = world.members["huajing"]
    owe_dues(owing)
    owe_dues(other)
    path = f"/orgs/{world.orgs['huajing']}/dues/reminders"
    # When the branch reminds the three by name
    status, answer = call(client, "POST", path, world.headers("huajing"), {"member_ids": [owing, paid_up]})
    # Then the one who owes is reminded; the other is refused by name, with the reason
    assert status == 200, answer
    assert answer["reminded"] == [owing]
    assert [(r["member_id"], r["code"]) for r in answer["refused"]] == [(paid_up, "DUES_NOT_OWED")]
    # When the branch reminds everyone who owes, the same week
    status, answer = call(client, "POST", path, world.headers("huajing"), {})
    # Then only the one not reminded yet is; the first is refused for this week
    assert answer["reminded"] == [other]
    assert [(r["member_id"], r["code"]) for r in answer["refused"]] == [(owing, "REMINDED_THIS_WEEK")]
    assert "一周内" in answer["refused"][0]["message"]
    deliver(client, monkeypatch)
    [message] = of_kind(client, member_headers(world, owing), Kind.DUES_REMINDER)
    assert "个月的团费" in message["text"]
    assert len(notices(phone_of(account_of(owing)))) == 1
    audited = [a for a in AuditRecord.query(keys.audit_pk("MEMBER", owing)) if a.action == "dues.remind"]
    assert len(audited) == 1
    # When eight days have passed, Then the member may be reminded again
    with monkeypatch.context() as patched:
        at(patched, clock.now() + timedelta(days=8))
        outcome = dues_reminders.remind(world.principal("huajing"), world.orgs["huajing"], [owing])
    assert outcome.reminded == [owing]


def test_msg_2_a_branch_reminds_only_its_own_members(client: Any, settled: World) -> None:
    # Given a member of 莲花 who owes dues
    world = settled
    stranger = world.members["lianhua"][0]
    owe_dues(stranger)
    # When 华景 names them; Then refused, not reminded
    outcome = dues_reminders.remind(world.principal("huajing"), world.orgs["huajing"], [stranger])
    assert outcome.reminded == [] and [e.code for _, e in outcome.refused] == ["MEMBER_NOT_IN_BRANCH"]
    # And 华景 cannot remind at 莲花
    status, answer = call(client, "POST", f"/orgs/{world.orgs['lianhua']}/dues/reminders", world.headers("huajing"), {})
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")


def test_msg_1_a_malformed_notification_fails_its_record() -> None:
    # Given a body that is no notification, When parsed, Then MalformedMessage (the record fails)
    with pytest.raises(queues.MalformedMessage):
        NOTIFICATIONS.parse('{"kind": "other"}')


def test_msg_1_an_sms_the_provider_refuses_is_not_retried_the_in_app_message_stands(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a person whose phone the provider refuses (not a mainland mobile)
    account_id, _ = new_applicant(phone="+12025550100")
    message = Notify(event_id="e-refused", notice_kind=Kind.TRANSFER_DECIDED, recipient=f"account:{account_id}")
    # When the worker handles the decision (twice: a redelivery)
    with monkeypatch.context() as patched:
        at(patched, NOON)
        delivery.handle(message)
        delivery.handle(message)
    # Then the message is in-app once, and the SMS recorded refused, not raised for a retry
    assert unread(client, bearer(session_token(account_id))) == 1
    record = Delivery.get(keys.delivery_pk("e-refused", account_id, "SMS"), keys.META)
    assert record.state == delivery.REFUSED
