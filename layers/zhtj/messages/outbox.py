"""The notifications outbox (MSG-1's durability): a notification is written in its sender's
transaction as a NotifyOutbox item, sent to the `notifications` queue once the transaction has
landed, and its item deleted. Should the queue fail after the commit (or the process die between
the commit and the send), the item stays; the sweep (schedule `notification_sweep`) sends what
is older than SWEEP_AFTER and deletes it. A notification sent twice (the hook and the sweep
racing) is still delivered once per (event, account, channel): the worker's Delivery records.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import DeleteError

from zhtj.core import clock
from zhtj.core.observability import logger, metrics
from zhtj.messages.messages import NOTIFICATIONS, Notify
from zhtj.messages.models import NotifyOutbox
from zhtj.table import keys
from zhtj.table.unit_of_work import UnitOfWork

# Older than this, an outbox item's after-commit send is taken as lost: the sweep sends it.
SWEEP_AFTER = timedelta(minutes=5)
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
    """Write `message` in `uow`'s transaction and send it once the transaction lands (then delete
    its item). Nothing when `hook_key` is already staged in this unit of work."""
    at = clock.now()
    pk, sk = entry_key(message, at)

    def send() -> None:
        NOTIFICATIONS.send(message)
        NotifyOutbox(pk, sk).delete()  # a sweep may have sent and deleted it already: no condition

    if not uow.after_commit(hook_key, send):
        return
    uow.put(
        NotifyOutbox(pk, sk, body=NOTIFICATIONS.body(message), event_id=message.event_id, created_at=at),
        condition=NotifyOutbox.pk.does_not_exist(),
    )


def sweep(now: datetime | None = None) -> int:
    """Send and delete every outbox item older than SWEEP_AFTER (at most SWEEP_PAGE a shard):
    their after-commit send was lost. Returns how many were sent."""
    before = _stamp((now or clock.now()) - SWEEP_AFTER)
    sent = 0
    for shard in range(keys.NOTIFY_OUTBOX_SHARDS):
        for item in NotifyOutbox.query(keys.notify_outbox_pk(shard), NotifyOutbox.sk < before, limit=SWEEP_PAGE):
            if not isinstance(item, NotifyOutbox):
                continue
            NOTIFICATIONS.send(NOTIFICATIONS.parse(item.body))
            # Deleted meanwhile by its late hook or another sweep: it was sent either way.
            with contextlib.suppress(DeleteError):
                item.delete(condition=NotifyOutbox.pk.exists())
            sent += 1
    if sent:
        logger.warning("notifications recovered from the outbox", extra={"sent": sent})
        metrics.add_metric(name="NotificationsRecovered", unit="Count", value=sent)
    return sent
