"""The tree-maintenance queue and its message: a move job whose subtree rewrite goes on (ORG-6);
the org-relabel queue and its message: a renamed branch whose members' labels and cards follow."""

from __future__ import annotations

from zhtj.table.queues import Message, Queue


class RewriteSubtree(Message, frozen=True, kw_only=True):
    """Rewrite the next page of the paths below a moved subtree."""

    job_id: str


class RelabelBranch(Message, frozen=True, kw_only=True, omit_defaults=True):
    """A renamed branch: its members' search labels and cards follow, a page at a time from
    `after` (the member list's position reached, absent: from the start; a field at its default
    is left out of the JSON)."""

    branch_id: str
    after: str | None = None


TREE_MAINTENANCE: Queue[RewriteSubtree] = Queue("tree-maintenance", RewriteSubtree)
ORG_RELABEL: Queue[RelabelBranch] = Queue("org-relabel", RelabelBranch)
