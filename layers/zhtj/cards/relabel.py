"""A renamed branch's members follow, and so do a branch's members after another branch was
merged into it (orgs/editing.py's relabel_members writes a BranchRelabel mark and sends an
org-relabel message): each member's search tokens carry the branch's name (STAT-3) and each
card, which shows the branch's full name, is marked due (CARD-1) and re-renders through the
card queue after its quiet period, never inline. A page of members at a time, several members
per transaction; the position reached travels in the next message. Here, not in orgs, because
the card is above the tree in the layer order (and the name index below it).

Reads: one Query page of the branch's member list (BRANCH#<id>) per FOLLOW_PAGE members, and the
branch and the mark by key. Idempotent: a redelivered page puts the same tokens again and marks
the same cards due (the quiet period coalesces them).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import DeleteError

from zhtj.cards import due
from zhtj.core.clock import now
from zhtj.members.models import Member
from zhtj.names import index as search_index
from zhtj.names.rules import name_grams
from zhtj.orgs.authz import get_org
from zhtj.orgs.messages import ORG_RELABEL, RelabelBranch
from zhtj.orgs.models import BranchRelabel, Org
from zhtj.table import keys
from zhtj.table.unit_of_work import Actor, UnitOfWork, commit_packed

FOLLOW_PAGE = 25
# Members followed per message; the next message carries on.
BUDGET = 200


def follow(message: RelabelBranch, budget: int = BUDGET) -> RelabelBranch | None:
    """Relabel the branch's members from `message.after`, about `budget` of them. Returns the
    message that carries on (None: every member followed, the mark deleted)."""
    try:
        mark = BranchRelabel.get(keys.RELABELS_PK, message.branch_id, consistent_read=True)
    except BranchRelabel.DoesNotExist:
        return None
    branch = get_org(message.branch_id)
    cursor: dict[str, Any] | None = json.loads(message.after) if message.after else None
    done = 0
    while True:
        page = Member.by_gsi1.query(
            keys.branch_members_pk(branch.org_id), limit=min(FOLLOW_PAGE, budget), last_evaluated_key=cursor
        )
        members = [m for m in page if isinstance(m, Member)]
        _relabel(members, branch)
        done += len(members)
        cursor = page.last_evaluated_key
        if cursor is None:
            break
        if done >= budget:
            mark.update(actions=[BranchRelabel.updated_at.set(now())])
            return RelabelBranch(branch_id=branch.org_id, after=json.dumps(cursor))
    try:  # a later rename put the mark again: its own message follows it from the start
        mark.delete(condition=BranchRelabel.renamed_at == mark.renamed_at)
    except DeleteError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
    return None


def resume_stalled(older_than: timedelta = timedelta(minutes=5)) -> int:
    """Send on every relabel whose worker has not advanced lately (a lost or dead-lettered
    message): it starts again from the first member. Returns how many were sent."""
    cutoff = now() - older_than
    sent = 0
    for mark in BranchRelabel.query(keys.RELABELS_PK):
        if isinstance(mark, BranchRelabel) and mark.updated_at < cutoff:
            mark.update(actions=[BranchRelabel.updated_at.set(now())])
            ORG_RELABEL.send(RelabelBranch(branch_id=mark.branch_id))
            sent += 1
    return sent


def _relabel(members: list[Member], branch: Org) -> None:
    # A member costs its tokens, the check on it and its card; one changed meanwhile
    # (transferred, left) is left to its writer, who wrote its tokens and card.
    commit_packed(members, lambda member: 2 + len(name_grams(member.name)), lambda chunk: _write(chunk, branch))


def _write(members: list[Member], branch: Org) -> None:
    uow = UnitOfWork(Actor("system", branch.org_id))
    for member in members:
        condition = search_index.relabel(uow, member, branch)
        uow.check(Member, member.pk, member.sk, condition)
        due.changed(uow, member.member_id)
    uow.commit()
