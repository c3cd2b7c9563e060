"""Changing a member's data after approval (EDIT-1..4, seed 001 §1-2).

- EDIT-1: name, ID number, join month and development number are never edited directly.
- EDIT-2: political status, income band and "is a cadre" go to the branch for review: an
  EditRequest EDIT_PENDING (REFERENCE state 4), approved (applied to the record) or returned
  with a reason (EDIT_RETURNED, state 5). One open request per member; the record is
  unchanged until approval.
- EDIT-3: everything else applies at once, with its audit record.
- EDIT-4: the join month is corrected by one of two explicit routes. Inside a window set by
  the province the member asks and the branch reviews (route BRANCH_REVIEW, like EDIT-2).
  Outside, the city-level committee applies in writing (route PROVINCE_APPLICATION,
  APPLICATION_PENDING) and the province alone approves or returns it. The window governs
  when the member may ask; a request made inside it may be reviewed after it closes.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Any

from pynamodb.expressions.update import Action

from zhtj.changes.models import EditRequest, JoinDateWindow
from zhtj.changes.rules import EDIT_STATES, EditRoute, EditState
from zhtj.core.clock import new_id, now, today_in_china
from zhtj.core.errors import ConflictError, RuleViolation, ValidationError
from zhtj.core.phones import check_phone
from zhtj.members.codes import political_status_code
from zhtj.members.models import Member
from zhtj.members.rules import MemberState
from zhtj.members.service import (
    ALREADY_DECIDED,
    MEMBER_CHANGED,
    get_member,
    member_actor,
    member_and_branch,
    own_member,
    read_member,
    require_city_committee,
    require_normal,
)
from zhtj.messages import notify as messages
from zhtj.orgs.authz import Acting, authorize, get_org
from zhtj.registration.rules import IncomeBand, check_age, check_development_number, check_join_month
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.unit_of_work import Actor, UnitOfWork

LOCKED_FIELDS = ("name", "id_number", "join_month", "development_number")  # EDIT-1
REVIEWED_FIELDS = ("political_status", "income_band", "is_cadre")  # EDIT-2
FREE_FIELDS = ("education", "occupation", "phone")  # EDIT-3
FIELD_NAMES = {
    "name": "姓名",
    "id_number": "身份证号",
    "join_month": "入团年月",
    "development_number": "团员发展编号",
    "political_status": "政治面貌",
    "income_band": "经济收入",
    "is_cadre": "是否为团干部",
}


EDIT_OPEN = ConflictError("EDIT_OPEN", "已有一项修改申请正在审核，请待审核结束后再提交", None)
NO_OPEN_EDIT = ConflictError("NO_OPEN_EDIT", "该团员没有待审核的修改申请", None)
NO_CHANGE = ValidationError("NO_CHANGE", "没有需要修改的内容", None)


# --- EDIT-1..3: the member edits -------------------------------------------------------------


def _checked(field: str, value: Any) -> Any:
    """An edited value checked as registration checks it (REG-1); stored form."""
    if field in REVIEWED_FIELDS and value is None:
        raise ValidationError("VALUE_REQUIRED", f"{FIELD_NAMES[field]}不能为空", field)
    if field == "political_status":
        return political_status_code(str(value))
    if field == "income_band":
        return IncomeBand(value).value
    if field == "is_cadre":
        return bool(value)
    if field == "phone":
        return check_phone(value)
    return (value or "").strip() or None


def edit(principal: Principal, member_id: str, changes: dict[str, Any]) -> tuple[Member, EditRequest | None]:
    """EDIT-1..3: the member changes their own data (fields absent from `changes` stay).
    EDIT-3 fields apply at once; EDIT-2 fields open a request for branch review, in the same
    transaction. Returns the member and the request (if one was opened). Raises RuleViolation
    EDIT-1 naming a locked field, ValidationError, ConflictError."""
    member = own_member(principal, member_id)
    for field in LOCKED_FIELDS:
        if field in changes:
            hint = "；如填写有误，请在团省委开放的时段内申请更正" if field == "join_month" else ""
            raise RuleViolation("EDIT-1", f"{FIELD_NAMES[field]}经团支部审核通过后不可修改{hint}", field)
    require_normal(member)
    checked = {field: _checked(field, value) for field, value in changes.items()}
    changed = {field: value for field, value in checked.items() if value != getattr(member, field)}
    reviewed = {field: value for field, value in changed.items() if field in REVIEWED_FIELDS}
    free = {field: value for field, value in changed.items() if field in FREE_FIELDS}
    if not changed:
        raise NO_CHANGE
    if reviewed and member.open_edit_id:
        raise EDIT_OPEN
    uow = UnitOfWork(member_actor(principal))
    actions: list[Action] = [
        getattr(Member, f).set(v) if v is not None else getattr(Member, f).remove() for f, v in free.items()
    ]
    condition = Member.state == MemberState.NORMAL
    request = None
    if reviewed:
        request = _new_request(member, EditRoute.BRANCH_REVIEW, reviewed, None, principal.account_id, None)
        uow.put(request, condition=EditRequest.pk.does_not_exist())
        actions += [Member.open_edit_id.set(request.request_id), Member.edit_state.set(EditState.EDIT_PENDING)]
        condition &= Member.open_edit_id.does_not_exist()
        uow.audit(
            "member.edit_request",
            "MEMBER",
            member_id,
            member.branch_id,
            before=request.previous.as_dict(),
            after={**reviewed, "request_id": request.request_id, "state": EditState.EDIT_PENDING},
        )
    uow.update(member, actions, condition=condition, on_fail=MEMBER_CHANGED, versioned=False)
    if free:
        before = {field: getattr(member, field) for field in free}
        uow.audit("member.edit", "MEMBER", member_id, member.branch_id, before=before, after=free)
    uow.commit()
    for field, value in free.items():
        setattr(member, field, value)
    if request is not None:
        member.open_edit_id, member.edit_state = request.request_id, EditState.EDIT_PENDING
    return member, request


def _new_request(
    member: Member, route: EditRoute, changes: dict[str, Any], reason: str | None, account_id: str, org_id: str | None
) -> EditRequest:
    request_id, at = new_id("e"), now()
    state = EDIT_STATES[route][0]
    # Absent values are left out: the stored map holds no nulls.
    previous = {field: getattr(member, field) for field in changes if getattr(member, field) is not None}
    return EditRequest(
        keys.member_pk(member.member_id),
        keys.edit_sk(request_id),
        gsi1pk=_queue_pk(route, member.branch_id),
        gsi1sk=f"{state}#{at.isoformat()}#{request_id}",
        request_id=request_id,
        member_id=member.member_id,
        branch_id=member.branch_id,
        route=route,
        state=state,
        changes=changes,
        previous=previous,
        reason=reason,
        requested_by=account_id,
        requested_org_id=org_id,
        requested_at=at,
    )


def _queue_pk(route: str, branch_id: str) -> str:
    return keys.branch_edits_pk(branch_id) if route == EditRoute.BRANCH_REVIEW else keys.PROVINCE_EDITS_PK


def _open_request(member: Member) -> EditRequest:
    if not member.open_edit_id:
        raise NO_OPEN_EDIT
    try:
        return EditRequest.get(
            keys.member_pk(member.member_id), keys.edit_sk(member.open_edit_id), consistent_read=True
        )
    except EditRequest.DoesNotExist as error:
        raise NO_OPEN_EDIT from error


def _decide(operator: Acting, member: Member, request: EditRequest, approve: bool, reason: str | None) -> EditRequest:
    """Approve (apply the change to the record) or return a request, in one transaction with
    its audit record. The request's state is the guard: of two deciders exactly one wins."""
    open_state, approved, returned = EDIT_STATES[EditRoute(request.route)]
    if request.state != open_state:
        raise ALREADY_DECIDED
    state, at = (approved if approve else returned), now()
    changes = request.changes.as_dict()
    uow = UnitOfWork(operator.actor)
    request_actions: list[Action] = [
        EditRequest.state.set(state),
        EditRequest.gsi1sk.set(f"{state}#{request.requested_at.isoformat()}#{request.request_id}"),
        EditRequest.decided_by.set(operator.account_id),
        EditRequest.decided_org_id.set(operator.org.org_id),
        EditRequest.decided_at.set(at),
    ]
    if reason is not None:
        request_actions.append(EditRequest.return_reason.set(reason))
    uow.update(request, request_actions, condition=EditRequest.state == open_state, on_fail=ALREADY_DECIDED)
    member_actions: list[Action] = [Member.open_edit_id.remove()]
    if approve:
        member_actions += [getattr(Member, field).set(value) for field, value in changes.items()]
        member_actions.append(Member.edit_state.remove())
    else:
        member_actions.append(Member.edit_state.set(returned))
    uow.update(
        member,
        member_actions,
        condition=Member.open_edit_id == request.request_id,
        on_fail=ALREADY_DECIDED,
        versioned=False,
    )
    verb = "approve" if approve else "return"
    uow.audit(
        f"member.edit_{verb}" if request.route == EditRoute.BRANCH_REVIEW else f"member.join_month_{verb}",
        "MEMBER",
        member.member_id,
        member.branch_id,
        before={**request.previous.as_dict(), "request_id": request.request_id, "state": open_state},
        after={**(changes if approve else {"reason": reason}), "request_id": request.request_id, "state": state},
    )
    messages.notify(
        uow,
        messages.Kind.EDIT_DECIDED,
        f"edit:{request.request_id}:{state}",
        member_id=member.member_id,
        params={"outcome": "已通过" if approve else "被退回", "reason": f"理由：{reason}" if reason else ""},
    )  # MSG-1
    uow.commit()
    request.state, request.decided_by, request.decided_org_id = state, operator.account_id, operator.org.org_id
    request.decided_at, request.return_reason = at, reason
    return request


def approve_edit(principal: Principal, member_id: str) -> EditRequest:
    """EDIT-2/EDIT-4 (inside a window): the branch (or an organisation above acting for it)
    approves the member's open request; the change is applied to the record."""
    member, branch = member_and_branch(member_id)
    operator = authorize(principal, "member.edit_review", branch)
    return _decide(operator, member, _branch_request(member), approve=True, reason=None)


def return_edit(principal: Principal, member_id: str, reason: str) -> EditRequest:
    """EDIT-2/EDIT-4: the branch returns the member's open request with a reason."""
    member, branch = member_and_branch(member_id)
    operator = authorize(principal, "member.edit_review", branch)
    return _decide(operator, member, _branch_request(member), approve=False, reason=reason)


def _branch_request(member: Member) -> EditRequest:
    request = _open_request(member)
    if request.route != EditRoute.BRANCH_REVIEW:
        raise ConflictError("EDIT_WITH_PROVINCE", "该团员的入团年月更正申请正由团省委审批，团支部无须审核", None)
    return request


def member_requests(
    principal: Principal, member_id: str, cursor: str | None, limit: int
) -> tuple[list[EditRequest], str | None]:
    """A member's edit requests, newest first: the member themself, or an operator above."""
    read_member(principal, member_id)
    return paging.query_page(
        EditRequest.query,
        keys.member_pk(member_id),
        EditRequest.sk.startswith(keys.edit_sk("")),
        scan_index_forward=False,
        limit=limit,
        cursor=cursor,
    )


def branch_requests(
    principal: Principal, branch_id: str, state: str, cursor: str | None, limit: int
) -> tuple[list[EditRequest], str | None]:
    """A branch's edit requests in one state (EDIT_PENDING: its review queue), oldest first."""
    authorize(principal, "member.read", get_org(branch_id))
    return paging.query_page(
        EditRequest.by_gsi1.query,
        keys.branch_edits_pk(branch_id),
        EditRequest.gsi1sk.startswith(f"{state}#"),
        limit=limit,
        cursor=cursor,
    )


# --- EDIT-4: join-month correction ---------------------------------------------------------


def windows() -> list[JoinDateWindow]:
    return [
        w for w in JoinDateWindow.query(keys.JOIN_WINDOWS_PK, consistent_read=True) if isinstance(w, JoinDateWindow)
    ]


def current_window(today: date) -> JoinDateWindow | None:
    """The window open today (China date, both ends inclusive), if any."""
    day = today.isoformat()
    return next((w for w in windows() if w.opens_on <= day <= w.closes_on), None)


def set_windows(principal: Principal, spans: list[tuple[date, date]]) -> list[JoinDateWindow]:
    """The province replaces the join-month correction windows (EDIT-4: windows are data).
    Raises ValidationError for a window that closes before it opens or overlaps another."""
    operator = authorize(principal, "join_date_windows.set", None)
    ordered = sorted(spans)
    for opens_on, closes_on in ordered:
        if closes_on < opens_on:
            raise ValidationError("WINDOW_ORDER", "更正时段的结束日期不能早于开始日期", "windows")
    for (_, closes_on), (opens_on, _) in pairwise(ordered):
        if opens_on <= closes_on:
            raise ValidationError("WINDOW_OVERLAP", "更正时段不能相互重叠", "windows")
    existing = {w.sk: w for w in windows()}
    wanted = {keys.join_window_sk(o.isoformat(), c.isoformat()): (o.isoformat(), c.isoformat()) for o, c in ordered}
    uow = UnitOfWork(operator.actor)
    for sk, window in existing.items():
        if sk not in wanted:
            uow.delete(window)
    written = []
    for sk, (opens, closes) in wanted.items():
        window = existing.get(sk) or JoinDateWindow(
            keys.JOIN_WINDOWS_PK, sk, opens_on=opens, closes_on=closes, set_by=operator.account_id, set_at=now()
        )
        if sk not in existing:
            uow.put(window)
        written.append(window)
    uow.audit(
        "join_date_windows.set",
        "ORG",
        operator.org.org_id,
        operator.org.org_id,
        before={"windows": sorted(existing)},
        after={"windows": sorted(wanted)},
    )
    uow.commit()
    return written


def _corrected_join_month(member: Member, value: str) -> str:
    """A corrected join month checked as registration checks it (REG-3): not in the future,
    not before birth, old enough at admission, and in agreement with the development number
    the member keeps (EDIT-1)."""
    birth = date.fromisoformat(member.birth_date) if member.birth_date else None
    joined = check_join_month(value, birth or date.min, today_in_china())
    if birth is not None:
        check_age(birth, joined)
    check_development_number(member.development_number, joined)
    month = f"{joined.year:04d}-{joined.month:02d}"
    if month == member.join_month:
        raise ValidationError("NO_CHANGE", "更正后的入团年月与现有记录相同", "join_month")
    return month


def _open_join_month_request(
    actor: Actor, member: Member, route: EditRoute, month: str, reason: str, org_id: str | None
) -> EditRequest:
    if member.open_edit_id:
        raise EDIT_OPEN
    request = _new_request(member, route, {"join_month": month}, reason, actor.account_id, org_id)
    uow = UnitOfWork(actor)
    uow.put(request, condition=EditRequest.pk.does_not_exist())
    uow.update(
        member,
        [Member.open_edit_id.set(request.request_id), Member.edit_state.set(request.state)],
        condition=(Member.state == MemberState.NORMAL) & Member.open_edit_id.does_not_exist(),
        on_fail=EDIT_OPEN,
        versioned=False,
    )
    uow.audit(
        "member.join_month_request" if route == EditRoute.BRANCH_REVIEW else "member.join_month_apply",
        "MEMBER",
        member.member_id,
        member.branch_id,
        before={"join_month": member.join_month},
        after={"join_month": month, "request_id": request.request_id, "state": request.state, "reason": reason},
    )
    uow.commit()
    return request


def request_join_month(principal: Principal, member_id: str, join_month: str, reason: str) -> EditRequest:
    """EDIT-4 inside a window: the member asks to correct their join month; the branch reviews
    it like an EDIT-2 request. Outside every window: refused, naming the other route."""
    member = own_member(principal, member_id)
    require_normal(member)
    if current_window(today_in_china()) is None:
        raise RuleViolation(
            "EDIT-4",
            "现在不在团省委开放的入团年月更正时段内；确需更正的，请联系所属地级以上市团委核实后向团省委提出申请",
            "join_month",
        )
    month = _corrected_join_month(member, join_month)
    return _open_join_month_request(member_actor(principal), member, EditRoute.BRANCH_REVIEW, month, reason, None)


def apply_join_month(principal: Principal, member_id: str, join_month: str, explanation: str) -> EditRequest:
    """EDIT-4 outside a window: the city-level committee applies to the province with a written
    explanation of the verified facts. Inside a window: refused (the member asks instead)."""
    member, branch = member_and_branch(member_id)
    operator = authorize(principal, "member.join_month_apply", branch)
    require_city_committee(operator, branch)
    require_normal(member)
    window = current_window(today_in_china())
    if window is not None:
        raise RuleViolation(
            "EDIT-4",
            f"入团年月更正时段开放中（{window.opens_on}至{window.closes_on}），请由团员本人申请、团支部审核",
            "join_month",
        )
    month = _corrected_join_month(member, join_month)
    return _open_join_month_request(
        operator.actor, member, EditRoute.PROVINCE_APPLICATION, month, explanation, branch.org_id
    )


def _province_request(principal: Principal, member_id: str) -> tuple[Acting, Member, EditRequest]:
    operator = authorize(principal, "member.join_month_approve", None)
    member = get_member(member_id)
    request = _open_request(member)
    if request.route != EditRoute.PROVINCE_APPLICATION:
        raise ConflictError("EDIT_WITH_BRANCH", "该团员的修改申请由团支部审核，不是市级团委的更正申请", None)
    return operator, member, request


def approve_join_month(principal: Principal, member_id: str) -> EditRequest:
    """EDIT-4: the province alone approves a city-level application; the join month changes."""
    operator, member, request = _province_request(principal, member_id)
    return _decide(operator, member, request, approve=True, reason=None)


def return_join_month(principal: Principal, member_id: str, reason: str) -> EditRequest:
    operator, member, request = _province_request(principal, member_id)
    return _decide(operator, member, request, approve=False, reason=reason)


def province_applications(
    principal: Principal, state: str, cursor: str | None, limit: int
) -> tuple[list[EditRequest], str | None]:
    """The province's queue of city-level join-month applications, oldest first."""
    authorize(principal, "member.join_month_approve", None)
    return paging.query_page(
        EditRequest.by_gsi1.query,
        keys.PROVINCE_EDITS_PK,
        EditRequest.gsi1sk.startswith(f"{state}#"),
        limit=limit,
        cursor=cursor,
    )
