"""Deleting a member (DEL-1; seed 001 §3): requested by the branch with a written reason,
collected and forwarded by the city-level committee, approved by the province alone.

Branches and committees never delete: only the province's approval does, and even then the
record stays: the member becomes DELETED, leaves the branch's member list and count, and
the ID number's claim (REG-4) is released so that the person can register again. A wrongly
approved registration is corrected the same way, with a written explanation (cause
WRONG_APPROVAL). The province can return every pending request at once (seed 001 §3.3).

States: REQUESTED (团支部已申请) → FORWARDED (市级团委已核定上报) → APPROVED (已删除);
REQUESTED or FORWARDED → RETURNED (退回, with a reason).
"""

from __future__ import annotations

import msgspec
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from zhtj.changes.models import DeletionRequest
from zhtj.changes.rules import OPEN_DELETION_STATES, DeletionCause, DeletionState
from zhtj.core.clock import new_id, now
from zhtj.core.errors import ConflictError, DomainError, RuleViolation, ValidationError
from zhtj.members.models import Member
from zhtj.members.rules import MemberState
from zhtj.members.service import (
    ALREADY_DECIDED,
    MEMBER_CHANGED,
    city_level_committee,
    leave_branch,
    member_and_branch,
    require_city_committee,
    require_normal,
)
from zhtj.orgs.authz import Acting, authorize, get_org
from zhtj.registration.models import Claim
from zhtj.registration.rules import ClaimOwner
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.unit_of_work import UnitOfWork

# Bulk return: each request costs 3 actions (request, member, audit record) of the 100 a
# transaction may hold; one call handles at most BULK_LIMIT requests (API time limit).
BULK_CHUNK = 30
BULK_LIMIT = 1500

NO_OPEN_DELETION = ConflictError("NO_OPEN_DELETION", "该团员没有待处理的删除申请", None)
DELETION_OPEN = ConflictError("DELETION_OPEN", "该团员已有待处理的删除申请", None)


def request(
    principal: Principal, member_id: str, reason: str, cause: DeletionCause, explanation: str | None
) -> DeletionRequest:
    """The branch asks for a member's deletion, in writing. Raises ValidationError (a wrongly
    approved registration needs its written explanation), ConflictError."""
    member, branch = member_and_branch(member_id)
    operator = authorize(principal, "member.delete_request", branch)
    explanation = (explanation or "").strip() or None
    if cause == DeletionCause.WRONG_APPROVAL and explanation is None:
        raise ValidationError("EXPLANATION_REQUIRED", "团支部误审核通过需删除的，须书面说明情况", "explanation")
    require_normal(member)
    if member.open_deletion_id:
        raise DELETION_OPEN
    city = city_level_committee(branch)
    request_id, at = new_id("d"), now()
    deletion = DeletionRequest(
        keys.member_pk(member_id),
        keys.deletion_sk(request_id),
        gsi1pk=keys.city_deletions_pk(city.org_id),
        gsi1sk=f"{DeletionState.REQUESTED}#{at.isoformat()}#{request_id}",
        gsi2pk=keys.open_deletions_pk(DeletionState.REQUESTED),
        gsi2sk=f"{at.isoformat()}#{request_id}",
        request_id=request_id,
        member_id=member_id,
        branch_id=branch.org_id,
        city_org_id=city.org_id,
        state=DeletionState.REQUESTED,
        cause=cause.value,
        reason=reason,
        explanation=explanation,
        requested_by=operator.account_id,
        requested_org_id=operator.org.org_id,
        requested_at=at,
    )
    uow = UnitOfWork(operator.actor)
    uow.put(deletion, condition=DeletionRequest.pk.does_not_exist())
    uow.update(
        member,
        [Member.open_deletion_id.set(request_id)],
        condition=(Member.state == MemberState.NORMAL) & Member.open_deletion_id.does_not_exist(),
        on_fail=MEMBER_CHANGED,
        versioned=False,
    )
    uow.audit(
        "member.delete_request",
        "MEMBER",
        member_id,
        branch.org_id,
        after={"request_id": request_id, "state": DeletionState.REQUESTED, "cause": cause.value, "reason": reason},
    )
    uow.commit()
    return deletion


def _open_deletion(member: Member) -> DeletionRequest:
    if not member.open_deletion_id:
        raise NO_OPEN_DELETION
    try:
        return DeletionRequest.get(
            keys.member_pk(member.member_id), keys.deletion_sk(member.open_deletion_id), consistent_read=True
        )
    except DeletionRequest.DoesNotExist as error:
        raise NO_OPEN_DELETION from error


def _moved(deletion: DeletionRequest, state: str) -> list[Action]:
    """Index moves of a state change: the city's list keeps it by state; the province's open
    lists hold it only while open."""
    actions: list[Action] = [
        DeletionRequest.state.set(state),
        DeletionRequest.gsi1sk.set(f"{state}#{deletion.requested_at.isoformat()}#{deletion.request_id}"),
    ]
    if state in OPEN_DELETION_STATES:
        actions.append(DeletionRequest.gsi2pk.set(keys.open_deletions_pk(state)))
    else:
        actions += [DeletionRequest.gsi2pk.remove(), DeletionRequest.gsi2sk.remove()]
    return actions


def forward(principal: Principal, member_id: str) -> DeletionRequest:
    """The city-level committee has verified the request and forwards it to the province."""
    member, branch = member_and_branch(member_id)
    operator = authorize(principal, "member.delete_forward", branch)
    require_city_committee(operator, branch)
    deletion = _open_deletion(member)
    if deletion.state != DeletionState.REQUESTED:
        raise ConflictError("DELETION_FORWARDED", "该删除申请已上报团省委", None)
    at = now()
    uow = UnitOfWork(operator.actor)
    uow.update(
        deletion,
        [
            *_moved(deletion, DeletionState.FORWARDED),
            DeletionRequest.forwarded_by.set(operator.account_id),
            DeletionRequest.forwarded_at.set(at),
        ],
        condition=DeletionRequest.state == DeletionState.REQUESTED,
        on_fail=ALREADY_DECIDED,
    )
    uow.audit(
        "member.delete_forward",
        "MEMBER",
        member_id,
        branch.org_id,
        before={"request_id": deletion.request_id, "state": DeletionState.REQUESTED},
        after={"request_id": deletion.request_id, "state": DeletionState.FORWARDED},
    )
    uow.commit()
    deletion.state, deletion.forwarded_by, deletion.forwarded_at = DeletionState.FORWARDED, operator.account_id, at
    return deletion


def approve(principal: Principal, member_id: str) -> DeletionRequest:
    """The province approves a forwarded request: the member becomes DELETED (the record
    stays), leaves the member list and count, and the ID number's and development number's
    claims are released. One transaction; of two approvers exactly one wins."""
    operator = authorize(principal, "member.delete_approve", None)
    member, branch = member_and_branch(member_id)
    deletion = _open_deletion(member)
    if deletion.state != DeletionState.FORWARDED:
        raise RuleViolation("DEL-1", "删除申请须经地级以上市团委汇总核定后，报团省委审批", None)
    at = now()
    uow = UnitOfWork(operator.actor)
    uow.update(
        deletion,
        [
            *_moved(deletion, DeletionState.APPROVED),
            DeletionRequest.decided_by.set(operator.account_id),
            DeletionRequest.decided_at.set(at),
        ],
        condition=DeletionRequest.state == DeletionState.FORWARDED,
        on_fail=ALREADY_DECIDED,
    )
    after = leave_branch(
        uow,
        member,
        branch,
        MemberState.DELETED,
        [Member.open_deletion_id.remove()],
        (Member.open_deletion_id == deletion.request_id) & (Member.state == MemberState.NORMAL),
    )
    for claim_pk in _claim_keys(member):
        owned: Condition = (Claim.owner_kind == ClaimOwner.MEMBER) & (Claim.owner_id == member_id)
        uow.delete(Claim(claim_pk, keys.META), condition=Claim.pk.does_not_exist() | owned)
    uow.audit(
        "member.delete_approve",
        "MEMBER",
        member_id,
        branch.org_id,
        before={"state": MemberState.NORMAL, "request_id": deletion.request_id},
        after={**after, "request_id": deletion.request_id, "claims_released": len(_claim_keys(member))},
    )
    uow.commit()
    deletion.state, deletion.decided_by, deletion.decided_at = DeletionState.APPROVED, operator.account_id, at
    return deletion


def _claim_keys(member: Member) -> list[str]:
    claim_keys = [keys.id_claim_pk(member.id_index)] if member.id_index else []
    if member.development_number:
        claim_keys.append(keys.development_number_claim_pk(member.development_number))
    return claim_keys


def _return(uow: UnitOfWork, operator: Acting, deletion: DeletionRequest, member: Member, reason: str) -> None:
    """Close an open request as RETURNED and free the member's pointer, with the audit record."""
    uow.update(
        deletion,
        [
            *_moved(deletion, DeletionState.RETURNED),
            DeletionRequest.decided_by.set(operator.account_id),
            DeletionRequest.decided_at.set(now()),
            DeletionRequest.return_reason.set(reason),
        ],
        condition=DeletionRequest.state == deletion.state,
        on_fail=ALREADY_DECIDED,
    )
    uow.update(
        member,
        [Member.open_deletion_id.remove()],
        condition=Member.open_deletion_id == deletion.request_id,
        on_fail=ALREADY_DECIDED,
        versioned=False,
    )
    uow.audit(
        "member.delete_return",
        "MEMBER",
        deletion.member_id,
        deletion.branch_id,
        before={"request_id": deletion.request_id, "state": deletion.state},
        after={"request_id": deletion.request_id, "state": DeletionState.RETURNED, "reason": reason},
    )


def return_request(principal: Principal, member_id: str, reason: str) -> DeletionRequest:
    """The city-level committee returns a request it has not forwarded; the province returns
    any open request."""
    member, branch = member_and_branch(member_id)
    operator = authorize(principal, "member.delete_return", branch)
    if not operator.is_province:
        require_city_committee(operator, branch)
    deletion = _open_deletion(member)
    if not operator.is_province and deletion.state != DeletionState.REQUESTED:
        raise ConflictError("DELETION_FORWARDED", "该删除申请已上报团省委，由团省委处理", None)
    uow = UnitOfWork(operator.actor)
    _return(uow, operator, deletion, member, reason)
    uow.commit()
    deletion.state, deletion.return_reason = DeletionState.RETURNED, reason
    return deletion


class BulkReturn(msgspec.Struct, frozen=True):
    returned: int
    skipped: int  # decided by someone else meanwhile
    more: bool  # BULK_LIMIT reached: call again


def return_all(principal: Principal, reason: str) -> BulkReturn:
    """The province returns every open request (seed 001 §3.3), in transactions of BULK_CHUNK
    requests, each request with its own audit record. A chunk that loses a race to another
    decision is retried request by request, so the others still go back."""
    operator = authorize(principal, "member.delete_approve", None)
    returned = skipped = 0
    for state in OPEN_DELETION_STATES:
        chunk: list[DeletionRequest] = []
        # One pass over the index: items already handled drop out of it, so the pass ends.
        for deletion in DeletionRequest.by_gsi2.query(keys.open_deletions_pk(state), page_size=BULK_CHUNK):
            if returned + skipped >= BULK_LIMIT:
                break
            if isinstance(deletion, DeletionRequest):
                chunk.append(deletion)
            if len(chunk) == BULK_CHUNK:
                done, lost = _return_chunk(operator, chunk, reason)
                returned, skipped, chunk = returned + done, skipped + lost, []
        if chunk:
            done, lost = _return_chunk(operator, chunk, reason)
            returned, skipped = returned + done, skipped + lost
    return BulkReturn(returned=returned, skipped=skipped, more=returned + skipped >= BULK_LIMIT)


def _return_chunk(operator: Acting, chunk: list[DeletionRequest], reason: str) -> tuple[int, int]:
    # The members are read (one batch) for their version: an update of a versioned item
    # built from its key alone would reset its version.
    members = {
        m.member_id: m
        for m in Member.batch_get([(keys.member_pk(d.member_id), keys.META) for d in chunk])
        if isinstance(m, Member)
    }
    missing = sum(1 for d in chunk if d.member_id not in members)
    chunk = [d for d in chunk if d.member_id in members]
    uow = UnitOfWork(operator.actor)
    for deletion in chunk:
        _return(uow, operator, deletion, members[deletion.member_id], reason)
    try:
        uow.commit()
        return len(chunk), missing
    except DomainError:
        pass
    done = 0
    for deletion in chunk:
        single = UnitOfWork(operator.actor)
        _return(single, operator, deletion, members[deletion.member_id], reason)
        try:
            single.commit()
            done += 1
        except DomainError:
            continue
    return done, len(chunk) - done + missing


# --- Lists --------------------------------------------------------------------------------------


def city_requests(
    principal: Principal, org_id: str, state: str, cursor: str | None, limit: int
) -> tuple[list[DeletionRequest], str | None]:
    """What a city-level committee collects, by state (REQUESTED: to verify and forward)."""
    authorize(principal, "member.read", get_org(org_id))
    return paging.query_page(
        DeletionRequest.by_gsi1.query,
        keys.city_deletions_pk(org_id),
        DeletionRequest.gsi1sk.startswith(f"{state}#"),
        limit=limit,
        cursor=cursor,
    )


def province_requests(
    principal: Principal, state: str, cursor: str | None, limit: int
) -> tuple[list[DeletionRequest], str | None]:
    """The province's open requests in one state (FORWARDED: to decide), oldest first."""
    authorize(principal, "member.delete_approve", None)
    if state not in OPEN_DELETION_STATES:
        raise ValidationError("STATE_NOT_OPEN", f"只能查询待处理的申请：{'、'.join(OPEN_DELETION_STATES)}", "state")
    return paging.query_page(DeletionRequest.by_gsi2.query, keys.open_deletions_pk(state), limit=limit, cursor=cursor)
