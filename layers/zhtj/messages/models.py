"""Table items of messages: InboxMessage, UnreadCount, Delivery, SmsDay, NotificationPrefs,
ReminderMark, NotifyOutbox (MSG-1, MSG-2)."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from zhtj.table.base import Item


class InboxMessage(Item, discriminator="InboxMessage"):
    """One in-app message (站内信) to one account: pk ACCOUNT#<account>, sk MSG#<message id>
    (time-ordered); gsi1 INBOX#<account> / U#<message id> while unread, R#<message id> once
    read, so that one descending query lists unread first, newest first."""

    message_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    notice_kind = UnicodeAttribute()
    title = UnicodeAttribute()
    text = UnicodeAttribute()
    event_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    read_at = UTCDateTimeAttribute(null=True)


class UnreadCount(Item, discriminator="UnreadCount"):
    """An account's unread messages, kept by every delivery and read (one GetItem answers the
    badge, never a count by query): pk ACCOUNT#<account>, sk MSGUNREAD."""

    unread = NumberAttribute(default=0)


class Delivery(Item, discriminator="Delivery"):
    """One (event, account, channel) delivered: pk DELIVERY#<event>#<account>#<channel>, sk
    META, written by a conditional put so that a re-delivered notification does nothing.
    `state`: SENT; SENDING while an SMS is being handed to the provider (a retry sends it);
    CAPPED (the day's SMS cap was reached); REFUSED (the provider refused the number). Expires
    (TTL) after 90 days."""

    state = UnicodeAttribute()
    at = UTCDateTimeAttribute()


class SmsDay(Item, discriminator="SmsDay"):
    """SMS notifications sent to an account on one China day (the daily cap): pk
    ACCOUNT#<account>, sk SMSDAY#<yyyy-mm-dd>; expires (TTL) two days later."""

    sent = NumberAttribute(default=0)


class NotificationPrefs(Item, discriminator="NotificationPrefs"):
    """What an account turned off: optional kinds, and channels (SMS) for optional kinds: pk
    ACCOUNT#<account>, sk MSGPREFS."""

    off_kinds = ListAttribute(of=UnicodeAttribute, default=list)
    off_channels = ListAttribute(of=UnicodeAttribute, default=list)
    updated_at = UTCDateTimeAttribute()


class ReminderMark(Item, discriminator="ReminderMark"):
    """A reminder sent to a member that may not be repeated for a while (MSG-2: 催交 once a
    week): pk REMIND#<kind>#<member>, sk META; written only if absent or past `expires_at`
    (TTL deletes it later)."""

    member_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    reminded_at = UTCDateTimeAttribute()


class NotifyOutbox(Item, discriminator="NotifyOutbox"):
    """A notification written in its sender's transaction, so that it survives a queue outage
    after the commit: pk NOTIFYOUT#<shard>, sk <UTC stamp>#<digest of event and recipient>.
    The after-commit send deletes it; the sweep (notification_sweep) sends and deletes what is
    left after a few minutes. `body` is the `notifications` message as JSON."""

    body = UnicodeAttribute()
    event_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
