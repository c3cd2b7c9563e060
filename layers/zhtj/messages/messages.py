"""The notifications queue and its message (MSG-1, MSG-2)."""

from __future__ import annotations

import msgspec

from zhtj.table.queues import Message, Queue


class Notify(Message, frozen=True, kw_only=True, tag_field="kind", tag="notify"):
    """Tell `recipient` of event `event_id`. `recipient`: `account:<id>`, `member:<id>` (the
    member's account), `org:<id>` (every account operating the organisation) or `phone:<E.164>`
    (the account signing in with it, if any). Without `channel`, the worker resolves the accounts
    and delivers every channel of the kind; with one (an SMS held in quiet hours), that channel
    of that account only. `outbox`: the outbox item to delete once handled."""

    event_id: str
    notice_kind: str
    recipient: str
    channel: str | None = None
    params: dict[str, str] = msgspec.field(default_factory=dict)
    # The outbox item written with the event (zhtj.messages.outbox): "<pk>|<sk>", deleted by the
    # worker once the message is handled; None for a message sent without one.
    outbox: str | None = None


NOTIFICATIONS: Queue[Notify] = Queue("notifications", Notify)
