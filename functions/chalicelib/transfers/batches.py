"""Routes of graduation season (XFER-6): a branch's graduation date, a graduate's delayed
graduation, and batch transfers through the `transfers` queue with their per-member results.
Thin: parse, call logic, shape."""

from __future__ import annotations

from datetime import date

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib.http import api
from chalicelib.schemas import Body, Out
from chalicelib.transfers.routes import ID_FIELD, TAG
from zhtj.signin.tokens import Principal
from zhtj.transfers import batches as transfer_batches
from zhtj.transfers.models import TransferBatch, TransferBatchRow
from zhtj.transfers.rules import Cause

bp = Blueprint(__name__)


class GraduationIn(Body):
    graduation_date: date


class GraduationOut(BaseModel):
    org_id: str
    graduation_date: str | None
    graduates_branch: bool


class DelayedIn(Body):
    delayed: bool


class DelayedOut(BaseModel):
    member_id: str
    delayed_graduation: bool


class TransferBatchRowIn(Body):
    member_id: str = ID_FIELD
    to_branch_id: str = ID_FIELD
    cause: Cause
    cause_text: str | None = Field(default=None, max_length=100)


class BatchIn(Body):
    rows: list[TransferBatchRowIn] = Field(min_length=1, max_length=transfer_batches.MAX_BATCH)


class TransferBatchRowOut(Out):
    member_id: str
    to_branch_id: str
    outcome: str
    transfer_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    approval: str | None = None
    approval_error: str | None = None


class TransferBatchOut(BaseModel):
    batch_id: str
    org_id: str
    rows: int
    processed: int
    started: int
    refused: int
    approved: int
    results: list[TransferBatchRowOut]


class BatchApproveOut(BaseModel):
    batch_id: str
    queued: int


def _batch(batch: TransferBatch, rows: list[TransferBatchRow]) -> TransferBatchOut:
    return TransferBatchOut(
        batch_id=batch.batch_id,
        org_id=batch.org_id,
        rows=int(batch.rows),
        processed=len(rows),
        started=sum(r.outcome == "STARTED" for r in rows),
        refused=sum(r.outcome == "REFUSED" for r in rows),
        approved=sum(r.approval == "APPROVED" for r in rows),
        results=[TransferBatchRowOut.model_validate(r) for r in rows],
    )


@api(
    bp, "/orgs/{org_id}/graduation", "POST", summary="设置毕业时间", body=GraduationIn, response=GraduationOut, tag=TAG
)
def set_graduation(org_id: str, principal: Principal, body: GraduationIn) -> BaseModel:
    branch = transfer_batches.set_graduation(principal, org_id, body.graduation_date)
    return GraduationOut(
        org_id=branch.org_id, graduation_date=branch.graduation_date, graduates_branch=bool(branch.graduates_branch)
    )


@api(
    bp,
    "/members/{member_id}/delayed-graduation",
    "POST",
    summary="标记延期毕业",
    body=DelayedIn,
    response=DelayedOut,
    tag=TAG,
)
def delayed_graduation(member_id: str, principal: Principal, body: DelayedIn) -> BaseModel:
    member = transfer_batches.set_delayed_graduation(principal, member_id, body.delayed)
    return DelayedOut(member_id=member.member_id, delayed_graduation=bool(member.delayed_graduation))


@api(
    bp,
    "/orgs/{org_id}/transfer-batches",
    "POST",
    summary="批量发起转接",
    body=BatchIn,
    response=TransferBatchOut,
    status=202,
    tag=TAG,
)
def create_batch(org_id: str, principal: Principal, body: BatchIn) -> BaseModel:
    batch = transfer_batches.create(principal, org_id, [r.model_dump(mode="json") for r in body.rows])
    return _batch(batch, [])


@api(bp, "/transfer-batches/{batch_id}", "GET", summary="批量转接结果（逐人）", response=TransferBatchOut, tag=TAG)
def read_batch(batch_id: str, principal: Principal) -> BaseModel:
    return _batch(*transfer_batches.read(principal, batch_id))


@api(
    bp,
    "/transfer-batches/{batch_id}/approve",
    "POST",
    summary="批量审批（待本组织审批的全部）",
    response=BatchApproveOut,
    status=202,
    tag=TAG,
)
def approve_batch(batch_id: str, principal: Principal) -> BaseModel:
    return BatchApproveOut(batch_id=batch_id, queued=transfer_batches.approve(principal, batch_id))


# --- From outside the province (XFER-5) ---------------------------------------------------------
