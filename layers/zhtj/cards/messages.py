"""The cards queue and its message: a member whose card may be due (CARD-1)."""

from __future__ import annotations

from zhtj.table.queues import Message, Queue, omitted


class RenderCard(Message):
    """A change's announcement (with the change time it announces) or the card sweep's
    (`sweep`, no change time)."""

    member_id: str
    changed_at: str | None = omitted()  # stamp() of the change; absent from the sweep's
    sweep: bool = omitted(False)


CARDS: Queue[RenderCard] = Queue("cards", RenderCard)
