"""The cards queue and its message: a member whose card may be due (CARD-1)."""

from __future__ import annotations

from zhtj.table.queues import Message, Queue


class RenderCard(Message, frozen=True, kw_only=True, omit_defaults=True):
    """A change's announcement (with the change time it announces) or the card sweep's
    (`sweep`, no change time). A field at its default is left out of the JSON."""

    member_id: str
    changed_at: str | None = None  # stamp() of the change; absent from the sweep's
    sweep: bool = False


CARDS: Queue[RenderCard] = Queue("cards", RenderCard)
