"""Routes of transfers (XFER-1..5): start, the chain's steps, withdraw, appeal, the inbox and
figures of an organisation, target search, arrivals from outside the province. Proposals by an
organisation outside the member's subtree are in proposals.py, graduation and batches
(XFER-6) in batches.py. Thin: parse, call logic, shape.

A transfer is addressed under its member (`/members/{id}/transfers/{transfer}`): it lives in
the member's partition, and the step it waits on decides who may act (zhtj/transfers/steps.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from chalice.app import Blueprint
from msgspec.structs import asdict
from pydantic import BaseModel, Field

from chalicelib.http import PageQuery, api
from chalicelib.schemas import Body, MaskedId, Out, Page
from zhtj.orgs import service as orgs
from zhtj.orgs.models import Org
from zhtj.signin.tokens import Principal
from zhtj.transfers import answers, appeals, chain, incoming, reads
from zhtj.transfers import figures as transfer_figures
from zhtj.transfers import start as starting
from zhtj.transfers.models import IncomingTransfer, Transfer
from zhtj.transfers.rules import Cause, ChainStep, Destination, IncomingState, ReturnCode, Side

bp = Blueprint(__name__)
TAG = "组织关系转接"
ID_FIELD = Field(min_length=1, max_length=40)


# --- Shapes ------------------------------------------------------------------------------------


class StepOut(Out):
    step: int
    org_id: str
    acted_org_id: str | None = None
    outcome: str
    at: datetime
    hours: float | None = None
    late: bool
    reason: str | None = None


class TransferOut(Out):
    transfer_id: str
    member_id: str
    member_name: str
    state: str
    out_of_province: bool
    cause: str
    cause_text: str | None = None
    from_branch_id: str
    from_branch_name: str
    to_branch_id: str | None = None
    to_branch_name: str | None = None
    destination: str | None = None
    destination_name: str | None = None
    letter_number: str | None = None
    chain: list[str]
    step_index: int
    step_org_id: str | None = None
    escalated_to: str | None = None
    step_due_at: datetime | None = None
    step_overdue: bool
    history: list[StepOut]
    return_code: str | None = None
    return_reason: str | None = None
    returned_by: str | None = None
    appealed: bool
    appeal_reason: str | None = None
    withdraw_reason: str | None = None
    graduate: bool
    batch_id: str | None = None
    proposal_id: str | None = None
    proposed_by_org_id: str | None = None
    requested_at: datetime
    completed_at: datetime | None = None


def transfer_out(transfer: Transfer) -> TransferOut:
    fields = {name: getattr(transfer, name) for name in TransferOut.model_fields if name != "history"}
    fields["chain"] = list(transfer.chain)
    history = [StepOut(**{n: getattr(h, n) for n in StepOut.model_fields}) for h in transfer.history]
    return TransferOut(**fields, history=history)


class TransferStart(Body):
    """To a branch in the province (to_branch_id), or out of it (destination, XFER-4)."""

    cause: Cause
    cause_text: str | None = Field(default=None, max_length=100)
    to_branch_id: str | None = Field(default=None, max_length=40)
    destination: Destination | None = None
    destination_name: str | None = Field(default=None, max_length=60)
    letter_number: str | None = Field(default=None, max_length=40)
    sms_code: str | None = Field(
        default=None,
        max_length=10,
        description="团员本人发起时必填：发送到本人手机的短信验证码（用途 transfer）；组织代为发起时不填",
    )


class StepApprove(Body):
    step: int = Field(ge=-1, le=8, description="the step being answered (two approvers at once: one wins)")
    letter_number: str | None = Field(default=None, max_length=40, description="XFER-4: the paper letter's number")


class StepReturn(Body):
    """XFER-1: the codes offer no paper ground."""

    step: int = Field(ge=0, le=8)
    code: ReturnCode
    reason: str = Field(min_length=1, max_length=200)


class TransferReason(Body):
    reason: str = Field(min_length=1, max_length=200)


class AppealIn(Body):
    reason: str = Field(min_length=1, max_length=500)
    attachment_key: str | None = Field(default=None, max_length=300)


class AppealDecision(Body):
    grant: bool
    reason: str = Field(min_length=1, max_length=200)


class AppealUploadIn(Body):
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]


class UploadOut(BaseModel):
    key: str
    url: str


class ChainStepIn(Body):
    side: Side
    up: int = Field(ge=0, le=10)


class ChainIn(Body):
    steps: list[ChainStepIn] = Field(min_length=1, max_length=10)
    response_hours: int = Field(ge=1, le=1000)


class ChainOut(BaseModel):
    steps: list[ChainStepIn]
    labels: list[str]
    response_hours: int


class FiguresOut(BaseModel):
    """XFER-2 for the organisation's subtree: response times are read off a histogram, so the
    median and 90th percentile are bucket bounds in hours (-1: beyond two weeks)."""

    out_by_state: dict[str, int]
    in_by_state: dict[str, int]
    responses: int
    within_deadline_rate: float | None
    median_hours: int | None
    p90_hours: int | None
    late_steps: int
    overdue_now: int
    graduates: int
    graduates_transferred: int
    graduate_completion_rate: float | None


class TargetQuery(BaseModel):
    q: str = Field(min_length=2, max_length=30)
    region: str | None = Field(default=None, max_length=30)
    limit: int = Field(default=20, ge=1, le=50)


class TargetOut(BaseModel):
    org_id: str
    short_name: str
    full_name: str
    sector: str
    region_name: str | None


class IncomingIn(Body):
    name: str = Field(min_length=2, max_length=30)
    id_number: str = Field(min_length=15, max_length=18)
    join_month: date = Field(description="the admission month's first day")
    development_number: str | None = Field(default=None, max_length=20)
    letter_number: str = Field(min_length=1, max_length=40)
    from_organisation: str = Field(min_length=2, max_length=60)


class IncomingOut(Out):
    incoming_id: str
    branch_id: str
    name: str
    id_masked: MaskedId
    join_month: str
    development_number: str | None = None
    letter_number: str
    from_organisation: str
    state: str
    accepted_at: datetime
    register_by: datetime
    registered_at: datetime | None = None


class IncomingQuery(PageQuery):
    state: str = Field(default=IncomingState.ACCEPTED, pattern="^[A-Z]{1,20}$")


def _chain(config: chain.ChainConfig) -> ChainOut:
    return ChainOut(
        steps=[ChainStepIn(side=s.side, up=s.up) for s in config.steps],
        labels=[s.label() for s in config.steps],
        response_hours=config.response_hours,
    )


# --- The chain ---------------------------------------------------------------------------------


@api(bp, "/transfer-chain", "GET", summary="转接审批环节与时限", response=ChainOut, tag=TAG)
def read_chain(principal: Principal) -> BaseModel:
    return _chain(chain.chain_config())


@api(bp, "/transfer-chain", "PUT", summary="设置转接审批环节（团省委）", body=ChainIn, response=ChainOut, tag=TAG)
def set_chain(principal: Principal, body: ChainIn) -> BaseModel:
    steps = [ChainStep(s.side, s.up) for s in body.steps]
    return _chain(chain.set_chain(principal, steps, body.response_hours))


# --- A member's transfers ------------------------------------------------------------------------

_ONE = "/members/{member_id}/transfers/{transfer_id}"


@api(
    bp,
    "/members/{member_id}/transfers",
    "POST",
    summary="发起组织关系转接",
    body=TransferStart,
    response=TransferOut,
    status=201,
    tag=TAG,
)
def start(member_id: str, principal: Principal, body: TransferStart) -> BaseModel:
    request = starting.Request(**body.model_dump(exclude={"sms_code"}))
    return transfer_out(starting.start(principal, member_id, request, sms_code=body.sms_code))


@api(bp, "/members/{member_id}/transfers", "GET", summary="团员的转接记录", response=Page[TransferOut], tag=TAG)
def member_history(member_id: str, principal: Principal) -> BaseModel:
    return Page[TransferOut](items=[transfer_out(t) for t in reads.history(principal, member_id)])


# --- Proposals by an organisation outside the member's subtree (XFER-2) ----------------------------


@api(bp, _ONE, "GET", summary="转接申请详情", response=TransferOut, tag=TAG)
def read(member_id: str, transfer_id: str, principal: Principal) -> BaseModel:
    return transfer_out(reads.read(principal, member_id, transfer_id))


@api(bp, f"{_ONE}/approve", "POST", summary="审批通过当前环节", body=StepApprove, response=TransferOut, tag=TAG)
def approve(member_id: str, transfer_id: str, principal: Principal, body: StepApprove) -> BaseModel:
    return transfer_out(answers.approve(principal, member_id, transfer_id, body.step, body.letter_number))


@api(bp, f"{_ONE}/return", "POST", summary="退回转接申请", body=StepReturn, response=TransferOut, tag=TAG)
def return_transfer(member_id: str, transfer_id: str, principal: Principal, body: StepReturn) -> BaseModel:
    return transfer_out(answers.return_transfer(principal, member_id, transfer_id, body.step, body.code, body.reason))


@api(bp, f"{_ONE}/withdraw", "POST", summary="撤回转接申请", body=TransferReason, response=TransferOut, tag=TAG)
def withdraw(member_id: str, transfer_id: str, principal: Principal, body: TransferReason) -> BaseModel:
    return transfer_out(appeals.withdraw(principal, member_id, transfer_id, body.reason))


@api(bp, f"{_ONE}/appeal-upload", "POST", summary="申诉附件上传地址", body=AppealUploadIn, response=UploadOut, tag=TAG)
def appeal_upload(member_id: str, transfer_id: str, principal: Principal, body: AppealUploadIn) -> BaseModel:
    key, url = appeals.appeal_upload(principal, member_id, transfer_id, body.content_type)
    return UploadOut(key=key, url=url)


@api(bp, f"{_ONE}/appeal", "POST", summary="对退回提出申诉", body=AppealIn, response=TransferOut, tag=TAG)
def appeal(member_id: str, transfer_id: str, principal: Principal, body: AppealIn) -> BaseModel:
    return transfer_out(appeals.appeal(principal, member_id, transfer_id, body.reason, body.attachment_key))


@api(bp, f"{_ONE}/appeal-decision", "POST", summary="处理申诉", body=AppealDecision, response=TransferOut, tag=TAG)
def decide_appeal(member_id: str, transfer_id: str, principal: Principal, body: AppealDecision) -> BaseModel:
    return transfer_out(appeals.decide_appeal(principal, member_id, transfer_id, body.grant, body.reason))


# --- An organisation's view ----------------------------------------------------------------------


@api(
    bp,
    "/orgs/{org_id}/transfer-inbox",
    "GET",
    summary="待本组织审批的转接（含逾期上交的）",
    query=PageQuery,
    response=Page[TransferOut],
    tag=TAG,
)
def inbox(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = reads.inbox(principal, org_id, query.cursor, query.limit)
    return Page[TransferOut](items=[transfer_out(t) for t in items], next_cursor=cursor)


@api(bp, "/orgs/{org_id}/transfer-stats", "GET", summary="转接办理情况（本组织及下级）", response=FiguresOut, tag=TAG)
def figures(org_id: str, principal: Principal) -> BaseModel:
    return FiguresOut(**asdict(transfer_figures.read_figures(principal, org_id)))


class ChildFiguresOut(FiguresOut):
    """XFER-2 per organisation: a direct child and its subtree's figures."""

    org_id: str
    short_name: str
    org_type: str
    status: str


@api(
    bp,
    "/orgs/{org_id}/transfer-stats/children",
    "GET",
    summary="各直属下级的转接办理情况（72小时内处理率，XFER-2）",
    query=PageQuery,
    response=Page[ChildFiguresOut],
    tag=TAG,
)
def children_figures(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    rows, cursor = transfer_figures.read_children_figures(principal, org_id, query.cursor, query.limit)
    items = [
        ChildFiguresOut(
            org_id=child.org_id, short_name=child.short_name, org_type=child.org_type, status=child.status, **asdict(f)
        )
        for child, f in rows
    ]
    return Page[ChildFiguresOut](items=items, next_cursor=cursor)


@api(
    bp,
    "/transfer-targets",
    "GET",
    summary="查找转入团支部（按名称、地区）",
    query=TargetQuery,
    response=Page[TargetOut],
    tag=TAG,
)
def targets(principal: Principal, query: TargetQuery) -> BaseModel:
    found: list[Org] = orgs.find_branches(query.q, query.region, query.limit)
    return Page[TargetOut](items=[TargetOut.model_validate(o, from_attributes=True) for o in found])


# --- Graduation and batches (XFER-6) -------------------------------------------------------------


@api(
    bp,
    "/orgs/{org_id}/incoming-transfers",
    "POST",
    summary="接收省外转入团员（核对档案）",
    body=IncomingIn,
    response=IncomingOut,
    status=201,
    tag=TAG,
)
def receive(org_id: str, principal: Principal, body: IncomingIn) -> BaseModel:
    item: IncomingTransfer = incoming.accept(
        principal,
        org_id,
        body.name,
        body.id_number,
        body.join_month,
        body.development_number,
        body.letter_number,
        body.from_organisation,
    )
    return IncomingOut.model_validate(item)


@api(
    bp,
    "/orgs/{org_id}/incoming-transfers",
    "GET",
    summary="省外转入团员（按状态）",
    query=IncomingQuery,
    response=Page[IncomingOut],
    tag=TAG,
)
def list_incoming(org_id: str, principal: Principal, query: IncomingQuery) -> BaseModel:
    items, cursor = incoming.list_for_branch(principal, org_id, query.state, query.cursor, query.limit)
    return Page[IncomingOut](items=[IncomingOut.model_validate(i) for i in items], next_cursor=cursor)
