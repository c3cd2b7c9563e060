"""The transfers queue and its messages (XFER-6): one chunk of a batch's members to start, or
to approve for one organisation."""

from __future__ import annotations

from zhtj.table.queues import Message, Queue


class StartChunk(Message, frozen=True, kw_only=True, tag_field="kind", tag="start"):
    """Start the transfers of the batch's rows [first, first + count)."""

    batch_id: str
    first: int
    count: int


class ApproveChunk(Message, frozen=True, kw_only=True, tag_field="kind", tag="approve"):
    """Approve, as `account_id` of `org_id`, the batch's transfers of these members."""

    batch_id: str
    account_id: str
    org_id: str
    member_ids: list[str]


TransferMessage = StartChunk | ApproveChunk

TRANSFERS: Queue[StartChunk | ApproveChunk] = Queue("transfers", TransferMessage)
