"""The notifications outbox (MSG-1's durability): a notification is written in its sender's
transaction as a NotifyOutbox item and sent to the `notifications` queue once the transaction
has landed (as before: one SendMessage on the sender's path); the notifications worker deletes
the item once it has handled the message. Should the queue fail after the commit (or the
process die between the commit and the send), the item stays; the sweep (schedule
`notification_sweep`, every 5 minutes) sends what is older than SWEEP_AFTER and deletes it. A
notification sent twice (a message still waiting in a long backlog, swept once) is still
delivered once per (event, account, channel): the worker's Delivery records.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import UTC, datetime, timedelta

from msgspec.structs import replace
from pynamodb.exceptions import DeleteError

from zhtj.core import clock
from zhtj.core.observability import logger, metrics
from zhtj.messages.messages import NOTIFICATIONS, Notify
from zhtj.messages.models import NotifyOutbox
from zhtj.table import keys
from zhtj.table.unit_of_work import UnitOfWork

# Older than this, an outbox item's message is taken as lost (its send failed, or it was never
# handled): the sweep sends it again. Far longer than the worker takes outside a backlog.
SWEEP_AFTER = timedelta(minutes=15)
# Items one sweep sends per shard (the rest wait five minutes for the next sweep).
SWEEP_PAGE = 500


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_key(message: Notify, at: datetime) -> tuple[str, str]:
    """(pk, sk) of a message's outbox item: its shard and its time, then a digest of (event,
    recipient, channel) so that two notifications of one moment never share a key."""
    digest = hashlib.sha256(f"{message.event_id}\0{message.recipient}\0{message.channel}".encode()).hexdigest()
    shard = int(digest[:8], 16) % keys.NOTIFY_OUTBOX_SHARDS
    return keys.notify_outbox_pk(shard), f"{_stamp(at)}#{digest[:24]}"


def stage(uow: UnitOfWork, message: Notify, hook_key: str) -> None:
    """Write `message` in `uow`'s transaction and send it once the transaction lands (the worker
    deletes the item). Nothing when `hook_key` is already staged in this unit of work."""
    pk, sk = entry_key(message, clock.now())
    staged = replace(message, outbox=f"{pk}|{sk}")

    def send() -> None:
        NOTIFICATIONS.send(staged)

    if not uow.after_commit(hook_key, send):
        return
    # No condition: the same key is the same event, recipient and moment (two racing writers of
    # one decision): either may write it, the loser's transaction fails on its own condition.
    uow.put(NotifyOutbox(pk, sk, body=NOTIFICATIONS.body(staged), event_id=message.event_id, created_at=clock.now()))


def handled(message: Notify) -> None:
    """The worker has handled `message`: its outbox item goes (nothing if it had none)."""
    if message.outbox:
        pk, _, sk = message.outbox.partition("|")
        NotifyOutbox(pk, sk).delete()


def sweep(now: datetime | None = None) -> int:
    """Send and delete every outbox item older than SWEEP_AFTER (at most SWEEP_PAGE a shard):
    their message was lost, or is still waiting (then it arrives twice, and is delivered once).
    Returns how many were sent."""
    before = _stamp((now or clock.now()) - SWEEP_AFTER)
    sent = 0
    for shard in range(keys.NOTIFY_OUTBOX_SHARDS):
        for item in NotifyOutbox.query(keys.notify_outbox_pk(shard), NotifyOutbox.sk < before, limit=SWEEP_PAGE):
            if not isinstance(item, NotifyOutbox):
                continue
            NOTIFICATIONS.send(NOTIFICATIONS.parse(item.body))
            # Deleted meanwhile by the worker or another sweep: it was handled or sent either way.
            with contextlib.suppress(DeleteError):
                item.delete(condition=NotifyOutbox.pk.exists())
            sent += 1
    if sent:
        logger.warning("notifications recovered from the outbox", extra={"sent": sent})
        metrics.add_metric(name="NotificationsRecovered", unit="Count", value=sent)
    return sent
