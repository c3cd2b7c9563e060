"""The tree-maintenance queue and its message: a move job whose subtree rewrite goes on (ORG-6)."""

from __future__ import annotations

from zhtj.table.queues import Message, Queue


class RewriteSubtree(Message, frozen=True, kw_only=True):
    """Rewrite the next page of the paths below a moved subtree."""

    job_id: str


TREE_MAINTENANCE: Queue[RewriteSubtree] = Queue("tree-maintenance", RewriteSubtree)
