"""STAT-3: the member name index (MemberNameToken items), kept in step with the member lists.

A listed member (on gsi1 BRANCH#<branch>) has one token per gram of their name
(search_rules.name_grams, at most GRAMS_PER_NAME), each keyed by the branch's materialized
path, so that a subtree is a begins_with on the sort key. `Member.search_path` names the path
the tokens carry; every write that moves or removes them is conditioned on it, so that two
writers (a transfer completing while a move job rewrites the branch's members) cannot leave
tokens behind at a path nobody knows.

Who calls what, each inside the transaction of the change itself:
- a member appears on a list (approval, an account made with its membership, 恢复团籍):
  `index`, with `branch_guard` in the branch's own update (the tokens carry the path read);
- a member changes branch (transfer completion, merge): `move`;
- a member leaves the list (final exit, deletion): `remove`;
- a branch's path changes (orgs.move, the tree job's rewrite): a RetokenMark in the same
  transaction, then `follow_moves` rewrites the members' tokens before the job finishes.
- a branch is renamed (orgs/editing.py): `relabel`, a page of members at a time from
  cards/relabel.py, puts the tokens again where they are with the branch's new name.
Members' names never change after approval (EDIT-1), so no write renames a member's grams.
"""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from zhtj.core.errors import ConflictError
from zhtj.members.models import Member
from zhtj.names.models import MemberNameToken, RetokenMark
from zhtj.names.rules import name_grams, normalize_name
from zhtj.orgs.models import Org
from zhtj.table import keys
from zhtj.table.unit_of_work import Actor, UnitOfWork, commit_packed

# Members listed per query while following a move; a page is rewritten in a few transactions.
FOLLOW_PAGE = 25
_RACED = ConflictError("SEARCH_PATH_CHANGED", "", None)


def tokens(member: Member, branch: Org, path: str | None = None) -> list[MemberNameToken]:
    """The index items of a member listed in `branch` (at `path`, by default the branch's)."""
    where = path or branch.path
    normalized = normalize_name(member.name)
    return [
        MemberNameToken(
            keys.member_name_pk(gram),
            keys.member_name_sk(where, member.member_id),
            member_id=member.member_id,
            name=normalized,
            label=member.name,
            branch_id=branch.org_id,
            branch_name=branch.short_name,
            id_masked=member.id_masked,
        )
        for gram in name_grams(member.name)
    ]


def _token_keys(member: Member, path: str) -> list[MemberNameToken]:
    return [
        MemberNameToken(keys.member_name_pk(gram), keys.member_name_sk(path, member.member_id))
        for gram in name_grams(member.name)
    ]


def writes_per_member(member: Member) -> int:
    """Transaction items a move of one member's tokens takes (old deleted, new put)."""
    return 2 * len(name_grams(member.name))


def guard(member: Member) -> Condition:
    """The member's tokens are where this writer read them."""
    if member.search_path:
        return Member.search_path == member.search_path
    return Member.search_path.does_not_exist()


def branch_guard(branch: Org) -> Condition:
    """The branch is still at the path its new member's tokens carry (a move rewrites paths
    page by page: a member committed before the rewrite is followed by it, one after it is
    refused and retried)."""
    return Org.path == branch.path


def index_items(member: Member, branch: Org) -> list[MemberNameToken]:
    """A new member record (not yet written): set `search_path` on it and return its tokens
    (the seeding tools batch-write exactly these)."""
    member.search_path = branch.path
    return tokens(member, branch)


def index(uow: UnitOfWork, member: Member, branch: Org) -> None:
    """A new member record (not yet written): its tokens join the transaction."""
    for token in index_items(member, branch):
        uow.put(token)


def move(uow: UnitOfWork, member: Member, target: Org) -> tuple[list[Action], Condition]:
    """The member changes branch: delete the tokens where they are, put them at the target.
    Returns the actions and the condition to add to the caller's update of the member."""
    if member.search_path:
        for token in _token_keys(member, member.search_path):
            uow.delete(token)
    for token in tokens(member, target):
        uow.put(token)
    return [Member.search_path.set(target.path)], guard(member)


def relabel(uow: UnitOfWork, member: Member, branch: Org) -> Condition:
    """A renamed branch: put the member's tokens again where they are, carrying the branch's
    name as it is now. Returns the condition to check on the member (the tokens are still
    there and the member still in the branch)."""
    if member.search_path:
        for token in tokens(member, branch, member.search_path):
            uow.put(token)
    condition: Condition = guard(member) & (Member.branch_id == branch.org_id)
    return condition


def remove(uow: UnitOfWork, member: Member) -> tuple[list[Action], Condition]:
    """The member leaves the list: delete the tokens. Returns the actions and the condition to
    add to the caller's update of the member."""
    if member.search_path:
        for token in _token_keys(member, member.search_path):
            uow.delete(token)
    return [Member.search_path.remove()], guard(member)


def mark_moved(uow: UnitOfWork, job_id: str, org: Org) -> None:
    """In the transaction that changes a branch's path: remember that its members' tokens
    must follow (organisations other than branches hold no members, ORG-4)."""
    if org.org_type == "BRANCH":
        uow.put(RetokenMark(keys.retoken_pk(job_id), org.org_id, branch_id=org.org_id))


def follow_moves(job_id: str, budget: int = 500) -> bool:
    """Rewrite the tokens of the members of every branch a move job re-pathed, at most about
    `budget` members per call. Idempotent: a member whose tokens are already at the branch's
    path is skipped. Returns True when no mark is left."""
    done = 0
    for mark in RetokenMark.query(keys.retoken_pk(job_id), consistent_read=True):
        if not isinstance(mark, RetokenMark):
            continue
        try:
            branch = Org.get(keys.org_pk(mark.branch_id), keys.META, consistent_read=True)
        except Org.DoesNotExist:
            mark.delete()
            continue
        cursor: dict[str, dict[str, Any]] | None = None
        while True:
            page = Member.by_gsi1.query(
                keys.branch_members_pk(branch.org_id), limit=FOLLOW_PAGE, last_evaluated_key=cursor
            )
            stale = [m for m in page if isinstance(m, Member) and m.search_path != branch.path]
            _rewrite(stale, branch)
            done += len(stale)
            cursor = page.last_evaluated_key
            if cursor is None:
                break
            if done >= budget:
                return False
        mark.delete()
        if done >= budget:
            return False
    return True


def _rewrite(members: list[Member], branch: Org) -> None:
    """Move the members' tokens to the branch's path, several members per transaction; a
    member changed meanwhile (left, transferred) is left to the writer that changed it."""
    commit_packed(members, lambda member: 1 + writes_per_member(member), lambda chunk: _write(chunk, branch))


def _write(members: list[Member], branch: Org) -> None:
    uow = UnitOfWork(Actor("system", branch.org_id))
    for member in members:
        actions, condition = move(uow, member, branch)
        uow.update(
            member,
            actions,
            condition=condition & (Member.branch_id == branch.org_id),
            on_fail=_RACED,
            versioned=False,
        )
    uow.commit()
