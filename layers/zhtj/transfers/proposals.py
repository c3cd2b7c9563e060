"""Transfer proposals (XFER-2): how an organisation outside a member's subtree asks for them.

XFER-2 lets "the member start the transfer, or an organisation do it for them": the member's
own organisations (the branch and those above it) start directly (transfers/start.py). The
receiving side holds no such right over another city's member, so it only proposes: a
proposal opens no transfer, sets no pointer on the member (their own start is never blocked),
runs no 72-hour step and counts in no figure. The member sees it (`/me/transfer-proposals`)
and confirms it from their own session,
which starts the transfer as theirs in the same transaction, or declines it. The real system
also accepts an SMS code as the member's confirmation (REFERENCE "Transfer"); that path needs
the SMS adapters of the accounts work and is not offered here.

A proposal lapses after PROPOSAL_DAYS (read as EXPIRED, no writer needed) and leaves the table
by TTL PROPOSAL_KEPT_DAYS later; a decided one stays that long too, so the proposer sees the
outcome. Each step is audited under the member, in the proposing organisation's trail.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from zhtj.accounts import reads as accounts
from zhtj.core import clock
from zhtj.core.clock import today_in_china
from zhtj.core.errors import ConflictError, NotFoundError
from zhtj.members import service as member_records
from zhtj.members.service import NOT_SELF, member_actor
from zhtj.orgs.authz import authorize, get_org
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.unit_of_work import UnitOfWork
from zhtj.transfers.models import Transfer, TransferProposal
from zhtj.transfers.rules import PROPOSAL_DAYS, PROPOSAL_KEPT_DAYS, Cause, ProposalState, check_cause
from zhtj.transfers.start import Request, check_target, start

STATE_NAMES = {
    ProposalState.PROPOSED: "待团员确认",
    ProposalState.CONFIRMED: "团员已确认",
    ProposalState.DECLINED: "团员已拒绝",
    ProposalState.EXPIRED: "已过期",
}

NO_PROPOSAL = NotFoundError("PROPOSAL_NOT_FOUND", "转接建议不存在", "proposal_id")
PENDING = ConflictError("PROPOSAL_PENDING", "本组织已向该团员提出转接建议，正等待团员确认", None)
DECIDED = ConflictError("PROPOSAL_DECIDED", "该转接建议已处理", None)
LAPSED = ConflictError("PROPOSAL_EXPIRED", f"该转接建议已超过{PROPOSAL_DAYS}天未确认，已失效", None)


def state_of(proposal: TransferProposal, at: datetime) -> ProposalState:
    """The state as the reader sees it: a proposal nobody answered in time has lapsed."""
    if proposal.state == ProposalState.PROPOSED and proposal.valid_until <= at:
        return ProposalState.EXPIRED
    return ProposalState(proposal.state)


def propose(
    principal: Principal,
    member_id: str,
    cause: Cause,
    cause_text: str | None,
    to_branch_id: str,
    note: str | None,
) -> TransferProposal:
    """An operator at or above the receiving branch proposes that the member transfer there.
    The proposer learns nothing of the member's state (dues, open transfers): the member's
    confirmation runs the pre-check. Raises ForbiddenError, NotFoundError, ValidationError,
    RuleViolation, ConflictError PROPOSAL_PENDING."""
    member = member_records.get_member(member_id)
    target = get_org(to_branch_id)
    operator = authorize(principal, "transfer.propose", target)
    check_cause(cause, cause_text)
    check_target(get_org(member.branch_id), target, cause, today_in_china())
    at = clock.now()
    valid_until = at + timedelta(days=PROPOSAL_DAYS)
    proposal = TransferProposal(
        keys.member_pk(member_id),
        keys.transfer_proposal_sk(operator.org.org_id),
        gsi1pk=keys.org_transfer_proposals_pk(operator.org.org_id),
        proposal_id=clock.new_id("tp"),
        member_id=member_id,
        member_name=member.name,
        org_id=operator.org.org_id,
        org_name=operator.org.full_name,
        cause=cause.value,
        cause_text=(cause_text or "").strip() or None,
        to_branch_id=target.org_id,
        to_branch_name=target.full_name,
        note=(note or "").strip() or None,
        state=ProposalState.PROPOSED,
        proposed_by=operator.account_id,
        proposed_at=at,
        valid_until=valid_until,
        expires_at=valid_until + timedelta(days=PROPOSAL_KEPT_DAYS),
    )
    proposal.gsi1sk = f"{at.isoformat()}#{proposal.proposal_id}"
    uow = UnitOfWork(operator.actor)
    # One live proposal per member and organisation; a decided or lapsed one is replaced (its
    # steps stay in the audit trail).
    uow.put(
        proposal,
        condition=TransferProposal.pk.does_not_exist()
        | (TransferProposal.state != ProposalState.PROPOSED)
        | (TransferProposal.valid_until <= at),
        on_fail=PENDING,
    )
    uow.audit("transfer.propose", "MEMBER", member_id, operator.org.org_id, after=_snapshot(proposal))
    uow.commit()
    return proposal


def _snapshot(proposal: TransferProposal) -> dict[str, Any]:
    return {
        "proposal_id": proposal.proposal_id,
        "state": proposal.state,
        "org_id": proposal.org_id,
        "to_branch_id": proposal.to_branch_id,
        "cause": proposal.cause,
        "valid_until": proposal.valid_until.isoformat(),
        "transfer_id": proposal.transfer_id,
    }


def _of_member(member_id: str) -> list[TransferProposal]:
    """A member's proposals (one query of the member partition), newest first."""
    found = [
        p
        for p in TransferProposal.query(
            keys.member_pk(member_id),
            TransferProposal.sk.startswith(keys.TRANSFER_PROPOSAL_SK_PREFIX),
            consistent_read=True,
        )
        if isinstance(p, TransferProposal)
    ]
    return sorted(found, key=lambda p: p.proposed_at, reverse=True)


def own_member_id(principal: Principal) -> str:
    """The member signed in as themself (no acting organisation). Raises ForbiddenError NOT_SELF:
    only the member answers a proposal; no operator, not even the member's own branch, confirms
    on their behalf."""
    member_id = accounts.get_account(principal.account_id).member_id
    if principal.acting_org_id is not None or member_id is None:
        raise NOT_SELF
    return member_id


def mine(principal: Principal) -> list[TransferProposal]:
    """What the signed-in member sees: the proposals waiting for their answer first."""
    at = clock.now()
    found = _of_member(own_member_id(principal))
    return [p for p in found if state_of(p, at) == ProposalState.PROPOSED] + [
        p for p in found if state_of(p, at) != ProposalState.PROPOSED
    ]


def of_org(
    principal: Principal, org_id: str, cursor: str | None, limit: int
) -> tuple[list[TransferProposal], str | None]:
    """The proposals an organisation made, newest first, with what became of them."""
    authorize(principal, "transfer.read", get_org(org_id))
    return paging.query_page(
        TransferProposal.by_gsi1.query,
        keys.org_transfer_proposals_pk(org_id),
        limit=limit,
        cursor=cursor,
        scan_index_forward=False,
    )


def _own(principal: Principal, proposal_id: str) -> TransferProposal:
    """The signed-in member's own proposal, still open."""
    proposal = next((p for p in _of_member(own_member_id(principal)) if p.proposal_id == proposal_id), None)
    if proposal is None:
        raise NO_PROPOSAL
    state = state_of(proposal, clock.now())
    if state == ProposalState.EXPIRED:
        raise LAPSED
    if state != ProposalState.PROPOSED:
        raise DECIDED
    return proposal


def _decided(
    uow: UnitOfWork, proposal: TransferProposal, state: ProposalState, at: datetime, reason: str | None
) -> None:
    """The proposal answered in `uow`, if nobody answered or replaced it since it was read."""
    uow.update(
        proposal,
        [
            TransferProposal.state.set(state),
            TransferProposal.decided_at.set(at),
            TransferProposal.expires_at.set(at + timedelta(days=PROPOSAL_KEPT_DAYS)),
            *([TransferProposal.decline_reason.set(reason)] if reason else []),
            *([TransferProposal.transfer_id.set(proposal.transfer_id)] if proposal.transfer_id else []),
        ],
        condition=(TransferProposal.state == ProposalState.PROPOSED)
        & (TransferProposal.proposal_id == proposal.proposal_id),
        on_fail=DECIDED,
        versioned=False,
    )


def confirm(principal: Principal, proposal_id: str) -> Transfer:
    """The member confirms: the transfer starts as the member's own (their pre-check, their
    withdrawal and appeal), recording the proposal, in one transaction with the proposal's
    answer. Raises ForbiddenError NOT_SELF, NotFoundError, ConflictError (lapsed, decided, or
    the pre-check's refusals), ValidationError (the target closed meanwhile)."""
    proposal = _own(principal, proposal_id)
    member_id = proposal.member_id
    request = Request(cause=Cause(proposal.cause), cause_text=proposal.cause_text, to_branch_id=proposal.to_branch_id)

    def answer(uow: UnitOfWork, transfer: Transfer) -> None:
        at = clock.now()
        proposal.transfer_id = transfer.transfer_id
        _decided(uow, proposal, ProposalState.CONFIRMED, at, None)
        uow.audit(
            "transfer.proposal_confirm",
            "MEMBER",
            member_id,
            proposal.org_id,
            before={"state": ProposalState.PROPOSED},
            after={**_snapshot(proposal), "state": ProposalState.CONFIRMED},
        )

    return start(principal, member_id, request, extra=answer, proposal=proposal)


def decline(principal: Principal, proposal_id: str, reason: str | None) -> TransferProposal:
    """The member declines, optionally saying why; the proposer sees it in its list."""
    proposal = _own(principal, proposal_id)
    at = clock.now()
    reason = (reason or "").strip() or None
    uow = UnitOfWork(member_actor(principal))
    _decided(uow, proposal, ProposalState.DECLINED, at, reason)
    proposal.state, proposal.decided_at, proposal.decline_reason = ProposalState.DECLINED, at, reason
    uow.audit(
        "transfer.proposal_decline",
        "MEMBER",
        proposal.member_id,
        proposal.org_id,
        before={"state": ProposalState.PROPOSED},
        after={**_snapshot(proposal), "reason": reason},
    )
    uow.commit()
    return proposal
