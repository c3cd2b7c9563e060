"""The dues queue and its message: one part of one member of a paid many-member order (DUES-3)."""

from __future__ import annotations

from zhtj.table.queues import Message, Queue


class ApplyMember(Message, frozen=True, kw_only=True, tag_field="kind", tag="apply_member"):
    """Apply part `part` of a member of a paid queued order, once (by the part's marker)."""

    order_id: str
    member_id: str
    part: int = 0


DUES: Queue[ApplyMember] = Queue("dues", ApplyMember)
