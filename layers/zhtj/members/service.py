"""What the changes to a member after approval share (EDIT, DEL, EXIT; changes/edits.py,
deletions.py, exits.py): the member acting for themself, the member's record as those entitled
read it, the city-level committee above a branch, and how a member leaves the branch's member
list. The membership states are members/rules.py.

A member in a done state or DELETED keeps the record (never deleted) but moves off the
branch's member list to FORMER#<branch> and stops counting in the branch's member_count.
"""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.update import Action

from zhtj.accounts import reads as accounts
from zhtj.core.clock import now, today_in_china
from zhtj.core.errors import ConflictError, ForbiddenError, NotFoundError
from zhtj.members.models import Member
from zhtj.members.rules import STATE_NAMES, MemberState
from zhtj.names import index as search_index
from zhtj.orgs import service as orgs
from zhtj.orgs.authz import Acting, authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import Level, OrgType
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.unit_of_work import Actor, UnitOfWork

# The states other capabilities compare with (members.rules.MemberState).

NOT_SELF = ForbiddenError("NOT_SELF", "只能由团员本人办理", "member_id")
NOT_CITY_COMMITTEE = ForbiddenError(
    "NOT_CITY_COMMITTEE", "此项须由该团员所属的地级以上市团委（或省直属单位、直管高校团委）办理", None
)
# A race lost between reading the member and writing (another change landed first).
MEMBER_CHANGED = ConflictError("MEMBER_CHANGED", "团员状态已被他人变更，请刷新后重试", None)
ALREADY_DECIDED = ConflictError("ALREADY_DECIDED", "该申请已被处理，请刷新后查看", None)


# --- Reading members ------------------------------------------------------------------------------


def get_member(member_id: str) -> Member:
    """The member (a consistent read). Raises NotFoundError MEMBER_NOT_FOUND."""
    try:
        return Member.get(keys.member_pk(member_id), keys.META, consistent_read=True)
    except Member.DoesNotExist as error:
        raise NotFoundError("MEMBER_NOT_FOUND", "团员不存在", "member_id") from error


def read_member(principal: Principal, member_id: str) -> Member:
    """A member reads themself; an operator reads members in their subtree."""
    member = get_member(member_id)
    if accounts.is_self(principal, member_id):
        return member
    authorize(principal, "member.read", get_org(member.branch_id))
    return member


def member_names(member_ids: list[str]) -> dict[str, str]:
    """Each member's name by id, in one BatchGetItem (the console lists records by name)."""
    wanted = sorted({(keys.member_pk(m), keys.META) for m in member_ids})
    return {m.member_id: m.name for m in Member.batch_get(wanted) if isinstance(m, Member)} if wanted else {}


def list_members(
    principal: Principal, branch_id: str, cursor: str | None, limit: int
) -> tuple[list[Member], str | None]:
    """A branch's member list, a page at a time, for an operator at or above it."""
    branch = get_org(branch_id)
    authorize(principal, "member.read", branch)
    return paging.query_page(Member.by_gsi1.query, keys.branch_members_pk(branch_id), limit=limit, cursor=cursor)


def new_member(member_id: str, name: str, branch_id: str, account_id: str | None) -> Member:
    """A new member record on the branch's list (REV-3 fills in the person's fields)."""
    return Member(
        keys.member_pk(member_id),
        keys.META,
        gsi1pk=keys.branch_members_pk(branch_id),
        gsi1sk=f"{name}#{member_id}",
        member_id=member_id,
        name=name,
        branch_id=branch_id,
        account_id=account_id,
        created_at=now(),
    )


def member_actor(principal: Principal) -> Actor:
    return Actor(account_id=principal.account_id, org_id=None)


def own_member(principal: Principal, member_id: str) -> Member:
    """The member themself: a token with no acting organisation whose account is this
    member's. Raises ForbiddenError NOT_SELF."""
    if not accounts.is_self(principal, member_id):
        raise NOT_SELF
    return get_member(member_id)


def member_and_branch(member_id: str) -> tuple[Member, Org]:
    member = get_member(member_id)
    return member, get_org(member.branch_id)


def require_normal(member: Member) -> None:
    """Raises ConflictError unless the member is in the normal state."""
    if member.state != MemberState.NORMAL:
        name = STATE_NAMES.get(member.state, member.state)
        raise ConflictError("MEMBER_NOT_NORMAL", f"该团员当前状态为“{name}”，不能办理此项", None)


def city_level_committee(branch: Org) -> Org:
    """The committee that collects for the province (seed 001 §2, §3): the city's leading
    organ above the branch; for units directly under the province (universities, provincial
    units), the depth-1 organisation above the branch."""
    lineage = [*orgs.ancestors(branch), branch]
    for org in lineage:
        if org.org_type == OrgType.LEADING_ORGAN and org.level == Level.CITY:
            return org
    return lineage[1] if len(lineage) > 1 else lineage[0]


def require_city_committee(operator: Acting, branch: Org) -> Org:
    """Narrow a BELOW action to the city-level committee of the branch. Raises ForbiddenError."""
    city = city_level_committee(branch)
    if operator.org.org_id != city.org_id:
        raise NOT_CITY_COMMITTEE
    return city


def leave_branch(
    uow: UnitOfWork, member: Member, branch: Org, new_state: str, extra: list[Action], condition: Any
) -> dict[str, Any]:
    """A member's exit or deletion becomes final: the new state, off the member list
    (gsi1 FORMER#<branch>), the branch's member_count down, all in the caller's transaction.
    Returns the member's new state for the audit record."""
    left_on = today_in_china().isoformat()
    token_actions, token_guard = search_index.remove(uow, member)  # STAT-3: off the list, out of the search
    uow.update(
        member,
        [
            Member.state.set(new_state),
            Member.gsi1pk.set(keys.former_members_pk(branch.org_id)),
            Member.left_on.set(left_on),
            *extra,
            *token_actions,
        ],
        condition=condition & token_guard,
        on_fail=ALREADY_DECIDED,
        versioned=False,
    )
    uow.update(branch, [Org.member_count.add(-1)], versioned=False)
    member.state, member.gsi1pk, member.left_on = new_state, keys.former_members_pk(branch.org_id), left_on
    return {"state": new_state, "left_on": left_on, "member_list": keys.former_members_pk(branch.org_id)}
