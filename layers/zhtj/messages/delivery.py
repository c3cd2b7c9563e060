"""Delivering a notification (the notifications worker's logic): each (event, account, channel)
once, however often the message is re-delivered (MSG-1).

A message without a channel is fanned out: its recipient resolved to accounts, each account's
preferences read, each wanted channel delivered. In-app: one transaction puts the Delivery
record (only if absent), the message and the unread count's increment. WeChat (where the person
gave an openid and the kind has a template): the record put SENDING, WeChat called, marked SENT
(REFUSED when the person did not subscribe: never retried). SMS: held in quiet hours
(re-queued to this account and channel, delayed until 08:00 China time); otherwise the Delivery
record is put SENDING with the day's count (under the cap) in one transaction, the provider
called, and the record marked SENT. A retry that finds SENDING sends again (the provider was
never reached, or the worker died before marking); SENT and CAPPED are final.
"""

from __future__ import annotations

from datetime import timedelta

from msgspec.structs import replace

from zhtj.accounts.wechat import openid_of
from zhtj.core import clock
from zhtj.core.clock import new_id
from zhtj.core.errors import ConflictError
from zhtj.core.observability import logger
from zhtj.integrations.sms import registry as sms
from zhtj.integrations.sms.base import SmsRefused, Template
from zhtj.integrations.wechat import registry as wechat_registry
from zhtj.integrations.wechat.base import WechatRefused
from zhtj.messages import outbox, preferences, rules
from zhtj.messages.messages import NOTIFICATIONS, Notify
from zhtj.messages.models import Delivery, InboxMessage, SmsDay, UnreadCount
from zhtj.messages.recipients import accounts_of, phone_of
from zhtj.messages.rules import Channel, Kind
from zhtj.table import keys
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

DELIVERY_KEPT = timedelta(days=90)
SMS_DAY_KEPT = timedelta(days=2)
SENT, SENDING, CAPPED, REFUSED = "SENT", "SENDING", "CAPPED", "REFUSED"

_DELIVERED = ConflictError("ALREADY_DELIVERED", "", None)
_CAPPED = ConflictError("SMS_DAILY_CAP", "", None)


def handle(message: Notify) -> None:
    """Deliver one notifications message (fan out, or one held channel of one account)."""
    kind = Kind(message.notice_kind)
    if message.channel is not None:
        account_id = message.recipient.removeprefix("account:")
        off_kinds, off_channels = preferences.off(account_id)
        if rules.wanted(kind, Channel(message.channel), off_kinds, off_channels):
            _deliver(message, kind, account_id, Channel(message.channel))
        return
    for account_id in accounts_of(message.recipient):
        off_kinds, off_channels = preferences.off(account_id)
        for channel in rules.channels(kind):
            if rules.wanted(kind, channel, off_kinds, off_channels):
                _deliver(message, kind, account_id, channel)
    outbox.handled(message)  # a failure above leaves it: the message is re-delivered


def _deliver(message: Notify, kind: Kind, account_id: str, channel: Channel) -> None:
    if channel == Channel.IN_APP:
        in_app(message, kind, account_id)
    elif channel == Channel.WECHAT:
        by_wechat(message, kind, account_id)
    else:
        by_sms(message, kind, account_id)


def _record(event_id: str, account_id: str, channel: Channel, state: str) -> Delivery:
    at = clock.now()
    return Delivery(
        keys.delivery_pk(event_id, account_id, channel), keys.META, state=state, at=at, expires_at=at + DELIVERY_KEPT
    )


def in_app(message: Notify, kind: Kind, account_id: str) -> None:
    """The message in the account's inbox and its unread count, once per event."""
    title, text = rules.render(kind, message.params)
    at, message_id = clock.now(), new_id("n")
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.put(
        _record(message.event_id, account_id, Channel.IN_APP, SENT),
        condition=Delivery.pk.does_not_exist(),
        on_fail=_DELIVERED,
    )
    uow.put(
        InboxMessage(
            keys.account_pk(account_id),
            keys.message_sk(message_id),
            gsi1pk=keys.inbox_pk(account_id),
            gsi1sk=f"U#{message_id}",
            message_id=message_id,
            account_id=account_id,
            notice_kind=kind.value,
            title=title,
            text=text,
            event_id=message.event_id,
            created_at=at,
        ),
        condition=InboxMessage.pk.does_not_exist(),
    )
    uow.update(
        UnreadCount(keys.account_pk(account_id), keys.UNREAD_SK),
        [UnreadCount.kind.set(UnreadCount), UnreadCount.unread.add(1)],
        versioned=False,
    )
    try:
        uow.commit()
    except ConflictError as error:
        if error is not _DELIVERED:
            raise  # a lost race: the message is re-delivered


def by_sms(message: Notify, kind: Kind, account_id: str) -> None:
    """The SMS, outside quiet hours, under the day's cap, once per event."""
    at = clock.now()
    delay = rules.quiet_delay(at)
    if delay:
        held = replace(message, recipient=f"account:{account_id}", channel=Channel.SMS.value, outbox=None)
        NOTIFICATIONS.send(held, delay_seconds=delay)
        return
    phone = phone_of(account_id)
    if not phone:
        return
    opened = _open_delivery(message.event_id, account_id, Channel.SMS)
    if opened is None:
        return
    pk, unclaimed = opened
    if unclaimed and not _claim(message.event_id, account_id):
        return
    _, text = rules.render(kind, message.params)
    try:
        sms.sender().send(phone, Template.NOTICE, {"text": text})
    except SmsRefused as error:  # a bad number, the provider's own limits: not worth a retry
        logger.warning("SMS refused", extra={"event_id": message.event_id, "reason": str(error)})
        Delivery(pk, keys.META).update(actions=[Delivery.state.set(REFUSED)])
        return
    Delivery(pk, keys.META).update(actions=[Delivery.state.set(SENT)])


def by_wechat(message: Notify, kind: Kind, account_id: str) -> None:
    """The WeChat subscribe message, once per event: when the deployment has the channel, the
    kind a template and the account an openid. The record is put SENDING (only if absent), WeChat
    called, the record marked SENT; a person who has not subscribed (43101) or another refusal
    is recorded REFUSED and never retried; no answer raises (the message is re-delivered and a
    retry finding SENDING sends again)."""
    if not wechat_registry.enabled():
        return
    sender = wechat_registry.official_account()
    if kind.value not in sender.kinds():
        return
    openid = openid_of(account_id)
    if not openid:
        return
    opened = _open_delivery(message.event_id, account_id, Channel.WECHAT)
    if opened is None:
        return
    pk, unclaimed = opened
    if unclaimed and not _claim_once(message.event_id, account_id, Channel.WECHAT):
        return
    title, text = rules.render(kind, message.params)
    values = {**message.params, "title": title, "text": text, "at": rules.wechat_time(clock.now())}
    try:
        sender.send(openid, kind.value, values)
    except WechatRefused as error:
        logger.warning(
            "WeChat refused",
            extra={"event_id": message.event_id, "errcode": error.errcode, "user_refused": error.user_refused},
        )
        Delivery(pk, keys.META).update(actions=[Delivery.state.set(REFUSED)])
        return
    Delivery(pk, keys.META).update(actions=[Delivery.state.set(SENT)])


def _open_delivery(event_id: str, account_id: str, channel: Channel) -> tuple[str, bool] | None:
    """Where the (event, account, channel) delivery stands: None when it is done (SENT, REFUSED,
    CAPPED); else its record's key, and whether the record is still to be claimed (none yet). A
    retry that finds it SENDING sends again."""
    pk = keys.delivery_pk(event_id, account_id, channel)
    try:
        found = Delivery.get(pk, keys.META, consistent_read=True)
    except Delivery.DoesNotExist:
        return pk, True
    return (pk, False) if found.state == SENDING else None


def _claim_once(event_id: str, account_id: str, channel: Channel) -> bool:
    """Put the record SENDING if there is none; False when another delivery claimed it first."""
    claim = UnitOfWork(SYSTEM_ACTOR)
    claim.put(
        _record(event_id, account_id, channel, SENDING),
        condition=Delivery.pk.does_not_exist(),
        on_fail=_DELIVERED,
    )
    try:
        claim.commit()
    except ConflictError as error:
        if error is not _DELIVERED:
            raise
        return False
    return True


def _claim(event_id: str, account_id: str) -> bool:
    """Put the record SENDING and count the day's SMS in one transaction; False when another
    delivery claimed it first, or the cap is reached (recorded CAPPED)."""
    at = clock.now()
    day = UnitOfWork(SYSTEM_ACTOR)
    day.put(
        _record(event_id, account_id, Channel.SMS, SENDING),
        condition=Delivery.pk.does_not_exist(),
        on_fail=_DELIVERED,
    )
    day.update(
        SmsDay(keys.account_pk(account_id), keys.sms_day_sk(rules.china_day(at))),
        [SmsDay.kind.set(SmsDay), SmsDay.sent.add(1), SmsDay.expires_at.set(at + SMS_DAY_KEPT)],
        condition=SmsDay.sent.does_not_exist() | (SmsDay.sent < rules.SMS_DAILY_CAP),
        on_fail=_CAPPED,
        versioned=False,
    )
    try:
        day.commit()
    except ConflictError as error:
        if error is _DELIVERED:
            return False
        if error is not _CAPPED:
            raise
        logger.warning("SMS cap reached", extra={"event_id": event_id, "account_id": account_id})
        capped = UnitOfWork(SYSTEM_ACTOR)
        capped.put(
            _record(event_id, account_id, Channel.SMS, CAPPED),
            condition=Delivery.pk.does_not_exist(),
            on_fail=_DELIVERED,
        )
        try:
            capped.commit()
        except ConflictError as again:
            if again is not _DELIVERED:
                raise
        return False
    return True
