"""Ending organisations (ORG-6): dissolving one with no members and no children, and merging
a branch into another (its members move, a chunk per transaction, then it is dissolved)."""

from __future__ import annotations

from zhtj.core.errors import ConflictError, RuleViolation, ValidationError
from zhtj.members.models import Member
from zhtj.names import index as search_index
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.editing import relabel_members
from zhtj.orgs.items import name_tokens, set_index_keys, snapshot
from zhtj.orgs.models import Org
from zhtj.orgs.naming import release
from zhtj.orgs.rules import PARENT_GONE, OrgStatus, OrgType
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import MAX_TRANSACTION_ITEMS, Actor, UnitOfWork

# Members moved per transaction when merging: each needs its update and its audit record.
MERGE_CHUNK = 45


def dissolve(principal: Principal, org_id: str, reason: str) -> Org:
    """ORG-6: dissolve an organisation with no members and no children. Refused while
    members remain (nobody is left without a branch)."""
    org = get_org(org_id)
    operator = authorize(principal, "org.dissolve", org)
    return _dissolve(operator.actor, org, reason)


def _dissolve(actor: Actor, org: Org, reason: str, merged_into: Org | None = None) -> Org:
    if org.system or org.parent_id is None:
        raise RuleViolation("ORG-7", "省级团委和系统组织不能撤销", None)
    if org.status != OrgStatus.ACTIVE:
        raise ConflictError("ORG_NOT_ACTIVE", "该组织已撤销", None)
    occupied = RuleViolation("ORG-6", "该组织仍有团员或下级组织，请先转出团员或合并团支部", None)
    if org.member_count or org.child_count:
        raise occupied
    parent = get_org(org.parent_id)
    before = snapshot(org)
    uow = UnitOfWork(actor)
    for token in name_tokens(org):
        uow.delete(token)
    release(uow, org.org_id, org.short_name)  # ORG-5: a dissolved organisation's short name may be given again
    org.status = OrgStatus.DISSOLVED
    set_index_keys(org)
    uow.update(
        org,
        [Org.status.set(OrgStatus.DISSOLVED), Org.gsi1pk.set(org.gsi1pk), Org.gsi2pk.remove(), Org.gsi2sk.remove()],
        condition=(Org.member_count == 0) & (Org.child_count == 0) & Org.moving_job_id.does_not_exist(),
        on_fail=occupied,
    )
    uow.update(parent, [Org.child_count.add(-1)], versioned=False)
    uow.audit("org.dissolve", "ORG", org.org_id, org.org_id, before=before, after={**snapshot(org), "reason": reason})
    if merged_into is not None:
        # CARD-1: the moved members' cards show the branch's full name. Marked in this last
        # transaction, which a merge repeated after an interruption runs again.
        relabel_members(uow, merged_into)
    uow.commit()
    return org


def merge(principal: Principal, org_id: str, into_org_id: str, reason: str) -> tuple[int, Org]:
    """ORG-6: merge a branch into another: its members move (a chunk per transaction, each
    with its audit record), then it is dissolved, and the target's members' cards follow
    through the org-relabel queue (cards/relabel.py). Safe to repeat after an interruption.
    Returns (members moved, the dissolved branch)."""
    branch = get_org(org_id)
    operator = authorize(principal, "org.merge", branch)
    target = get_org(into_org_id)
    authorize(principal, "org.read", target)
    if branch.org_type != OrgType.BRANCH or target.org_type != OrgType.BRANCH or target.system:
        raise RuleViolation("ORG-4", "只能把团支部合并到另一个团支部", "into_org_id")
    if branch.org_id == target.org_id:
        raise ValidationError("MERGE_SAME_BRANCH", "不能把团支部合并到它自己", "into_org_id")
    if target.status != OrgStatus.ACTIVE:
        raise PARENT_GONE
    moved = 0
    while True:
        members = [
            m
            for m in Member.by_gsi1.query(keys.branch_members_pk(branch.org_id), limit=MERGE_CHUNK)
            if isinstance(m, Member)
        ]
        if not members:
            break
        # STAT-3: each member's search tokens move too; a chunk takes what fits in one transaction.
        members = _fitting(members)
        uow = UnitOfWork(operator.actor)
        for member in members:
            before = {"branch_id": member.branch_id}
            token_actions, token_guard = search_index.move(uow, member, target)
            member.branch_id = target.org_id
            member.gsi1pk = keys.branch_members_pk(target.org_id)
            uow.update(
                member,
                [Member.branch_id.set(target.org_id), Member.gsi1pk.set(member.gsi1pk), *token_actions],
                condition=(Member.branch_id == branch.org_id) & token_guard,
            )
            uow.audit("member.merge", "MEMBER", member.member_id, target.org_id, before, {"branch_id": target.org_id})
        uow.update(branch, [Org.member_count.add(-len(members))], versioned=False)
        uow.update(
            target,
            [Org.member_count.add(len(members))],
            condition=(Org.status == OrgStatus.ACTIVE) & search_index.branch_guard(target),
            on_fail=PARENT_GONE,
            versioned=False,
        )
        uow.commit()
        moved += len(members)
    return moved, _dissolve(operator.actor, get_org(branch.org_id), reason, merged_into=target)


def _fitting(members: list[Member]) -> list[Member]:
    """The first members whose merge (update, audit record, token moves) fits one transaction
    beside the two branches' counters; the rest come with the next chunk."""
    room, taken = MAX_TRANSACTION_ITEMS - 2, list[Member]()
    for member in members:
        cost = 2 + search_index.writes_per_member(member)
        if taken and cost > room:
            break
        taken.append(member)
        room -= cost
    return taken
