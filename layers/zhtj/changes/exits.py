"""Leaving the league (EXIT-1, EXIT-2; seed 000 §3): 自愿退团 VOLUNTARY, 自行脱团 LAPSED,
开除团籍 EXPELLED, 满28周岁离团 AGED_OUT.

Every exit is apply → approve: the branch (or an organisation above acting for it) applies
with its branch meeting's resolution, the member's state becomes `<kind>_PENDING`; an upper
organisation with authority (the branch's parent or above, never the branch itself)
approves, and the state becomes `<kind>` (the record stays, off the member list), or
returns the application and the member is NORMAL again. Members who reached 28 without a
league post are listed for age-out, never removed automatically; a cadre over 28 keeps
membership. A member who left at 28 can be restored (恢复团籍) by the upper organisation.
"""

from __future__ import annotations

from datetime import date

from pynamodb.expressions.update import Action

from zhtj.accounts import reads as accounts
from zhtj.changes.models import ExitRequest
from zhtj.changes.rules import ExitKind, ExitState, exit_pending_state, left_state
from zhtj.core.clock import new_id, now, today_in_china
from zhtj.core.errors import ConflictError, RuleViolation, ValidationError
from zhtj.core.identity import age_on
from zhtj.members.models import Member
from zhtj.members.rules import MemberState
from zhtj.members.service import ALREADY_DECIDED, MEMBER_CHANGED, leave_branch, member_and_branch, require_normal
from zhtj.names import index as search_index
from zhtj.orgs import service as orgs
from zhtj.orgs.authz import POSITIONS, Acting, authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgStatus, OrgType
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.unit_of_work import UnitOfWork

AGE_LIMIT = 28  # EXIT-2
# Age-out listing: branches whose members one page may read before it hands back a cursor.
BRANCHES_PER_PAGE = 50

NO_OPEN_EXIT = ConflictError("NO_OPEN_EXIT", "该团员没有待审批的离团申请", None)
DELETION_OPEN = ConflictError("DELETION_OPEN", "该团员有待处理的删除申请，不能同时办理离团", None)


def holds_position(member: Member) -> bool:
    """EXIT-2: a league post is a position grant (书记 … 工作人员) in any organisation."""
    if not member.account_id:
        return False
    return any(grant.role in POSITIONS for grant in accounts.grants_of(member.account_id))


def age_out_cutoff(today: date) -> str:
    """The latest birth date of someone who has turned 28 by today (ISO, for comparison)."""
    try:
        return today.replace(year=today.year - AGE_LIMIT).isoformat()
    except ValueError:  # 29 February: the birthday of the 28th year falls on 28 February
        return today.replace(year=today.year - AGE_LIMIT, day=28).isoformat()


def _check_age_out(member: Member) -> None:
    """EXIT-2: only members who reached 28 and hold no league post leave by age."""
    if not member.birth_date:
        raise RuleViolation("EXIT-2", "该团员出生日期未知，无法确认是否年满28周岁", None)
    if age_on(date.fromisoformat(member.birth_date), today_in_china()) < AGE_LIMIT:
        raise RuleViolation("EXIT-2", "该团员未满28周岁，不能办理超龄离团", None)
    if holds_position(member):
        raise RuleViolation("EXIT-2", "该团员担任团内职务，年满28周岁仍保留团籍", None)


def apply(principal: Principal, member_id: str, kind: ExitKind, resolution_date: date, resolution: str) -> ExitRequest:
    """EXIT-1/EXIT-2: the branch applies, on its meeting's resolution. Raises ValidationError,
    RuleViolation EXIT-2, ConflictError for a member not in the normal state."""
    member, branch = member_and_branch(member_id)
    operator = authorize(principal, "member.exit_apply", branch)
    if resolution_date > today_in_china():
        raise ValidationError("RESOLUTION_DATE_FUTURE", "支部大会决议日期不能晚于今天", "resolution_date")
    require_normal(member)
    if member.open_deletion_id:
        raise DELETION_OPEN
    if kind == ExitKind.AGED_OUT:
        _check_age_out(member)
    request_id, at = new_id("x"), now()
    request = ExitRequest(
        keys.member_pk(member_id),
        keys.exit_sk(request_id),
        gsi1pk=keys.branch_exits_pk(branch.org_id),
        gsi1sk=f"{ExitState.PENDING}#{at.isoformat()}#{request_id}",
        request_id=request_id,
        member_id=member_id,
        branch_id=branch.org_id,
        exit_kind=kind,
        state=ExitState.PENDING,
        resolution_date=resolution_date.isoformat(),
        resolution=resolution,
        applied_by=operator.account_id,
        applied_org_id=operator.org.org_id,
        applied_at=at,
    )
    uow = UnitOfWork(operator.actor)
    uow.put(request, condition=ExitRequest.pk.does_not_exist())
    uow.update(
        member,
        [Member.state.set(exit_pending_state(kind)), Member.open_exit_id.set(request_id)],
        condition=(Member.state == MemberState.NORMAL)
        & Member.open_exit_id.does_not_exist()
        & Member.open_deletion_id.does_not_exist(),
        on_fail=MEMBER_CHANGED,
        versioned=False,
    )
    uow.audit(
        "member.exit_apply",
        "MEMBER",
        member_id,
        branch.org_id,
        before={"state": MemberState.NORMAL},
        after={
            "state": exit_pending_state(kind),
            "request_id": request_id,
            "resolution_date": request.resolution_date,
            "resolution": resolution,
        },
    )
    uow.commit()
    return request


def _open_exit(principal: Principal, member_id: str) -> tuple[Acting, Member, Org, ExitRequest]:
    member, branch = member_and_branch(member_id)
    operator = authorize(principal, "member.exit_approve", branch)
    if not member.open_exit_id:
        raise NO_OPEN_EXIT
    try:
        request = ExitRequest.get(keys.member_pk(member_id), keys.exit_sk(member.open_exit_id), consistent_read=True)
    except ExitRequest.DoesNotExist as error:
        raise NO_OPEN_EXIT from error
    if request.state != ExitState.PENDING:
        raise ALREADY_DECIDED
    return operator, member, branch, request


def _close(uow: UnitOfWork, operator: Acting, request: ExitRequest, state: str, reason: str | None) -> None:
    actions: list[Action] = [
        ExitRequest.state.set(state),
        ExitRequest.gsi1sk.set(f"{state}#{request.applied_at.isoformat()}#{request.request_id}"),
        ExitRequest.decided_by.set(operator.account_id),
        ExitRequest.decided_org_id.set(operator.org.org_id),
        ExitRequest.decided_at.set(now()),
    ]
    if reason is not None:
        actions.append(ExitRequest.return_reason.set(reason))
    uow.update(request, actions, condition=ExitRequest.state == ExitState.PENDING, on_fail=ALREADY_DECIDED)
    request.state, request.decided_by, request.decided_org_id = state, operator.account_id, operator.org.org_id
    request.return_reason = reason


def approve(principal: Principal, member_id: str) -> ExitRequest:
    """EXIT-1/EXIT-2: the upper organisation approves; the member's state becomes the exit's
    done state, off the branch's member list, the branch's member_count down: one transaction.
    Of two approvers exactly one wins (the request's state is the guard)."""
    operator, member, branch, request = _open_exit(principal, member_id)
    kind = ExitKind(request.exit_kind)
    if kind == ExitKind.AGED_OUT:
        _check_age_out(member)  # a post taken since the application keeps the membership
    uow = UnitOfWork(operator.actor)
    _close(uow, operator, request, ExitState.APPROVED, None)
    after = leave_branch(
        uow,
        member,
        branch,
        left_state(kind),
        [Member.open_exit_id.remove()],
        (Member.open_exit_id == request.request_id) & (Member.state == exit_pending_state(kind)),
    )
    uow.audit(
        "member.exit_approve",
        "MEMBER",
        member_id,
        branch.org_id,
        before={"state": exit_pending_state(kind), "request_id": request.request_id},
        after={**after, "request_id": request.request_id},
    )
    uow.commit()
    return request


def return_application(principal: Principal, member_id: str, reason: str) -> ExitRequest:
    """The upper organisation returns an exit application with a reason; the member is NORMAL again."""
    operator, member, branch, request = _open_exit(principal, member_id)
    kind = ExitKind(request.exit_kind)
    uow = UnitOfWork(operator.actor)
    _close(uow, operator, request, ExitState.RETURNED, reason)
    uow.update(
        member,
        [Member.state.set(MemberState.NORMAL), Member.open_exit_id.remove()],
        condition=(Member.open_exit_id == request.request_id) & (Member.state == exit_pending_state(kind)),
        on_fail=ALREADY_DECIDED,
        versioned=False,
    )
    uow.audit(
        "member.exit_return",
        "MEMBER",
        member_id,
        branch.org_id,
        before={"state": exit_pending_state(kind), "request_id": request.request_id},
        after={"state": MemberState.NORMAL, "request_id": request.request_id, "reason": reason},
    )
    uow.commit()
    return request


def restore(principal: Principal, member_id: str, reason: str) -> Member:
    """恢复团籍: the upper organisation restores a member who left at 28 to their branch."""
    member, branch = member_and_branch(member_id)
    operator = authorize(principal, "member.restore", branch)
    if member.state != MemberState.AGED_OUT:
        raise ConflictError("NOT_AGED_OUT", "只有满28周岁离团的团员可以恢复团籍", None)
    branch_gone = ConflictError("BRANCH_NOT_ACTIVE", "原团支部已撤销，不能恢复到该团支部", None)
    if branch.status != OrgStatus.ACTIVE:
        raise branch_gone
    uow = UnitOfWork(operator.actor)
    token_actions, token_guard = search_index.move(uow, member, branch)  # STAT-3: back in the search
    uow.update(
        member,
        [
            Member.state.set(MemberState.NORMAL),
            Member.gsi1pk.set(keys.branch_members_pk(branch.org_id)),
            Member.left_on.remove(),
            *token_actions,
        ],
        condition=(Member.state == MemberState.AGED_OUT) & token_guard,
        on_fail=ALREADY_DECIDED,
        versioned=False,
    )
    uow.update(
        branch,
        [Org.member_count.add(1)],
        condition=(Org.status == OrgStatus.ACTIVE) & search_index.branch_guard(branch),
        on_fail=branch_gone,
        versioned=False,
    )
    uow.audit(
        "member.restore",
        "MEMBER",
        member_id,
        branch.org_id,
        before={"state": member.state, "left_on": member.left_on},
        after={"state": MemberState.NORMAL, "reason": reason},
    )
    uow.commit()
    member.state, member.gsi1pk, member.left_on = MemberState.NORMAL, keys.branch_members_pk(branch.org_id), None
    return member


# --- Lists --------------------------------------------------------------------------------------


def branch_requests(
    principal: Principal, branch_id: str, state: str, cursor: str | None, limit: int
) -> tuple[list[ExitRequest], str | None]:
    """A branch's exit applications in one state (PENDING: waiting for the upper organisation)."""
    authorize(principal, "member.read", get_org(branch_id))
    return paging.query_page(
        ExitRequest.by_gsi1.query,
        keys.branch_exits_pk(branch_id),
        ExitRequest.gsi1sk.startswith(f"{state}#"),
        limit=limit,
        cursor=cursor,
    )


def former_members(
    principal: Principal, branch_id: str, cursor: str | None, limit: int
) -> tuple[list[Member], str | None]:
    """Members who left the branch by an exit or were deleted (their records stay)."""
    authorize(principal, "member.read", get_org(branch_id))
    return paging.query_page(Member.by_gsi1.query, keys.former_members_pk(branch_id), limit=limit, cursor=cursor)


def age_out_candidates(
    principal: Principal, org_id: str, cursor: str | None, limit: int
) -> tuple[list[Member], str | None]:
    """EXIT-2: members in the subtree's branches who reached 28, are in the normal state and
    hold no league post, a page at a time. Reads at most BRANCHES_PER_PAGE branches per call,
    so a page may come back short (or empty) with a cursor: keep paging until it is None.
    A whole-province listing belongs to the scheduled sweep (SWEEP-3)."""
    authorize(principal, "member.read", get_org(org_id))
    scope = ("exits.age_out", org_id)
    state = paging.open_cursor(cursor, *scope) or {}
    # The subtree's own cursor (sealed for its listing), the branch's position in that page and
    # the table key to resume that branch's members from.
    subtree_cursor, index, member_key = state.get("s"), state.get("i", 0), state.get("k")
    over_28 = (Member.birth_date <= age_out_cutoff(today_in_china())) & (Member.state == MemberState.NORMAL)
    found: list[Member] = []
    read = 0
    while True:
        branches, next_subtree = orgs.list_subtree(
            principal, org_id, subtree_cursor, BRANCHES_PER_PAGE, org_type=OrgType.BRANCH
        )
        while index < len(branches):
            if len(found) >= limit or read >= BRANCHES_PER_PAGE:
                return found, paging.seal({"s": subtree_cursor, "i": index, "k": member_key}, *scope)
            members, member_key = paging.read_page(
                Member.by_gsi1.query,
                keys.branch_members_pk(branches[index].org_id),
                filter_condition=over_28,
                limit=limit - len(found),
                start_key=member_key,
            )
            found.extend(m for m in members if not holds_position(m))
            if member_key is None:
                index, read = index + 1, read + 1
        if next_subtree is None:
            return found, None
        subtree_cursor, index = next_subtree, 0
