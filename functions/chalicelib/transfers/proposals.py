"""Routes of transfer proposals (XFER-2): an organisation outside the member's subtree
proposes a transfer into a branch of its own subtree, and only the member, from their own
session, confirms it (which starts the transfer as the member's own) or declines it. Thin:
parse, call logic, shape."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib.http import PageQuery, api
from chalicelib.schemas import Body, Out, Page
from chalicelib.transfers.routes import ID_FIELD, TAG, TransferOut, transfer_out
from zhtj.core import clock
from zhtj.signin.tokens import Principal
from zhtj.transfers import proposals as transfer_proposals
from zhtj.transfers.models import TransferProposal
from zhtj.transfers.rules import Cause

bp = Blueprint(__name__)


class TransferProposalIn(Body):
    """XFER-2: an organisation outside the member's subtree proposes a transfer into a branch of
    its own subtree; the member confirms it (which starts the transfer) or declines it."""

    cause: Cause
    cause_text: str | None = Field(default=None, max_length=100)
    to_branch_id: str = ID_FIELD
    note: str | None = Field(default=None, max_length=200, description="what the proposer tells the member")


class TransferProposalOut(Out):
    proposal_id: str
    member_id: str
    member_name: str
    org_id: str = Field(description="the proposing organisation")
    org_name: str
    cause: str
    cause_text: str | None = None
    to_branch_id: str
    to_branch_name: str
    note: str | None = None
    state: Literal["PROPOSED", "CONFIRMED", "DECLINED", "EXPIRED"]
    state_name: str
    proposed_at: datetime
    valid_until: datetime = Field(description="the member confirms or declines before this; then it lapses")
    decided_at: datetime | None = None
    decline_reason: str | None = None
    transfer_id: str | None = Field(default=None, description="the transfer the member's confirmation started")


def _proposal(proposal: TransferProposal) -> TransferProposalOut:
    state = transfer_proposals.state_of(proposal, clock.now())
    fields = {n: getattr(proposal, n) for n in TransferProposalOut.model_fields if n not in ("state", "state_name")}
    return TransferProposalOut(**fields, state=state, state_name=transfer_proposals.STATE_NAMES[state])


class DeclineIn(Body):
    reason: str | None = Field(default=None, max_length=200)


@api(
    bp,
    "/members/{member_id}/transfer-proposals",
    "POST",
    summary="提出转接建议（转入方，须团员本人确认）",
    body=TransferProposalIn,
    response=TransferProposalOut,
    status=201,
    tag=TAG,
)
def propose(member_id: str, principal: Principal, body: TransferProposalIn) -> BaseModel:
    return _proposal(
        transfer_proposals.propose(principal, member_id, body.cause, body.cause_text, body.to_branch_id, body.note)
    )


# The member answers from their own session: the routes name no member.
_MINE = "/me/transfer-proposals"


@api(bp, _MINE, "GET", summary="我收到的转接建议（待确认的在前）", response=Page[TransferProposalOut], tag=TAG)
def my_proposals(principal: Principal) -> BaseModel:
    return Page[TransferProposalOut](items=[_proposal(p) for p in transfer_proposals.mine(principal)])


@api(
    bp,
    f"{_MINE}/{{proposal_id}}/confirm",
    "POST",
    summary="团员本人确认转接建议（发起转接）",
    response=TransferOut,
    status=201,
    tag=TAG,
)
def confirm_proposal(proposal_id: str, principal: Principal) -> BaseModel:
    return transfer_out(transfer_proposals.confirm(principal, proposal_id))


@api(
    bp,
    f"{_MINE}/{{proposal_id}}/decline",
    "POST",
    summary="团员本人拒绝转接建议",
    body=DeclineIn,
    response=TransferProposalOut,
    tag=TAG,
)
def decline_proposal(proposal_id: str, principal: Principal, body: DeclineIn) -> BaseModel:
    return _proposal(transfer_proposals.decline(principal, proposal_id, body.reason))


@api(
    bp,
    "/orgs/{org_id}/transfer-proposals",
    "GET",
    summary="本组织提出的转接建议及结果",
    query=PageQuery,
    response=Page[TransferProposalOut],
    tag=TAG,
)
def org_proposals(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = transfer_proposals.of_org(principal, org_id, query.cursor, query.limit)
    return Page[TransferProposalOut](items=[_proposal(p) for p in items], next_cursor=cursor)
