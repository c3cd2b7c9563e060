"""What the changes to a member after approval share (EDIT, DEL, EXIT; changes/edits.py,
deletions.py, exits.py): the member's states, the member acting for themself, the
city-level committee above a branch, and how a member leaves the branch's member list.

Membership states (REFERENCE "How the real system behaves"): NORMAL; for every exit a
pending state `<kind>_PENDING` while the upper organisation decides and a done state
`<kind>`; DELETED once the province approved a deletion. A member in a done state or
DELETED keeps the record (never deleted) but moves off the branch's member list to
FORMER#<branch> and stops counting in the branch's member_count.
"""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.update import Action

from zhtj.accounts import service as accounts
from zhtj.core.clock import today_in_china
from zhtj.core.errors import ConflictError, ForbiddenError
from zhtj.members.models import Member
from zhtj.names import index as search_index
from zhtj.orgs import service as orgs
from zhtj.orgs.authz import Acting, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import Level, OrgType
from zhtj.schemas import ExitKind, MemberDetailOut
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import Actor, UnitOfWork

NORMAL = "NORMAL"
DELETED = "DELETED"
FINAL_STATES = frozenset({*(kind.value for kind in ExitKind), DELETED})

EXIT_NAMES = {
    ExitKind.VOLUNTARY: "自愿退团",
    ExitKind.LAPSED: "自行脱团",
    ExitKind.EXPELLED: "开除团籍",
    ExitKind.AGED_OUT: "满28周岁离团",
}
STATE_NAMES: dict[str, str] = {
    NORMAL: "正常",
    DELETED: "已删除",
    **{kind.value: EXIT_NAMES[kind] for kind in ExitKind},
    **{f"{kind.value}_PENDING": f"{EXIT_NAMES[kind]}待审批" for kind in ExitKind},
}

NOT_SELF = ForbiddenError("NOT_SELF", "只能由团员本人办理", "member_id")
NOT_CITY_COMMITTEE = ForbiddenError(
    "NOT_CITY_COMMITTEE", "此项须由该团员所属的地级以上市团委（或省直属单位、直管高校团委）办理", None
)
# A race lost between reading the member and writing (another change landed first).
MEMBER_CHANGED = ConflictError("MEMBER_CHANGED", "团员状态已被他人变更，请刷新后重试", None)
ALREADY_DECIDED = ConflictError("ALREADY_DECIDED", "该申请已被处理，请刷新后查看", None)


def pending_state(kind: ExitKind) -> str:
    return f"{kind.value}_PENDING"


def member_actor(principal: Principal) -> Actor:
    return Actor(account_id=principal.account_id, org_id=None)


def own_member(principal: Principal, member_id: str) -> Member:
    """The member themself: a token with no acting organisation whose account is this
    member's. Raises ForbiddenError NOT_SELF."""
    if not accounts.is_self(principal, member_id):
        raise NOT_SELF
    return accounts.get_member(member_id)


def member_view(member: Member) -> MemberDetailOut:
    """The whole record as those entitled to it read it (the member, their branch and the
    organisations above it: accounts.read_member decides). The stored masked ID number and
    birth date are narrowed by the response model (schemas.MaskedId, BirthMonth), so every
    record shows what today's de-identification rule shows, whenever it was written."""
    return MemberDetailOut.model_validate(member)


def member_and_branch(member_id: str) -> tuple[Member, Org]:
    member = accounts.get_member(member_id)
    return member, get_org(member.branch_id)


def require_normal(member: Member) -> None:
    """Raises ConflictError unless the member is in the normal state."""
    if member.state != NORMAL:
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
