"""The applicant's moves after the start: withdrawal, and appeals.

Withdrawal: the applicant (the member, or the organisation that started it) withdraws a live
transfer with a reason, in one transaction with the member's pointer, the step's timer, the
figures and the audit record.

Appeals (申诉): the applicant appeals a return once, with a reason and an attachment (uploaded
first through a presigned URL); the organisation above the one that returned it decides, with
the same deadline as a step: granted, the returned step counts as approved and the chain goes
on; upheld, the return is final."""

from __future__ import annotations

from datetime import timedelta

from zhtj.core import clock
from zhtj.core.clock import today_in_china
from zhtj.core.errors import ConflictError, ValidationError
from zhtj.members import service as member_records
from zhtj.members.models import Member
from zhtj.members.rules import MemberState
from zhtj.messages import notify as messages
from zhtj.orgs.authz import get_org
from zhtj.signin.tokens import Principal
from zhtj.table import storage
from zhtj.table.unit_of_work import UnitOfWork
from zhtj.transfers.answers import advance
from zhtj.transfers.chain import chain_config
from zhtj.transfers.figures import EventCounts
from zhtj.transfers.models import Transfer
from zhtj.transfers.reads import get
from zhtj.transfers.rules import APPEAL_STEP, LIVE_STATES, StepOutcome, TransferState
from zhtj.transfers.start import check_eligible
from zhtj.transfers.steps import NOT_LIVE, applicant, ask, end, for_step, record_answer, save, snapshot


def appeal(principal: Principal, member_id: str, transfer_id: str, reason: str, attachment_key: str | None) -> Transfer:
    """申诉: the applicant appeals a return once, with a reason and an attachment; the
    organisation above the one that returned it decides (with the same deadline)."""
    transfer = get(member_id, transfer_id)
    actor = applicant(principal, transfer)
    if transfer.state != TransferState.RETURNED:
        raise ConflictError("TRANSFER_NOT_RETURNED", "只有被退回的转接申请可以申诉", None)
    if transfer.appealed:
        raise ConflictError("TRANSFER_ALREADY_APPEALED", "该退回已申诉过，不能再次申诉", None)
    in_place = attachment_key is None or (
        attachment_key.startswith(appeal_upload_prefix(transfer)) and storage.exists("uploads", attachment_key)
    )
    if not in_place:
        raise ValidationError("ATTACHMENT_NOT_FOUND", "申诉附件未上传或不属于本申请", "attachment_key")
    returned_by = get_org(transfer.returned_by or "")
    judge = get_org(returned_by.parent_id or returned_by.org_id)
    member = member_records.get_member(member_id)
    check_eligible(member, today_in_china())
    at = clock.now()
    uow = UnitOfWork(actor)
    stats = EventCounts(transfer)
    stats.state(TransferState.RETURNED, TransferState.APPEALED)
    uow.update(
        member,
        [Member.open_transfer_id.set(transfer_id)],
        condition=(Member.state == MemberState.NORMAL) & Member.open_transfer_id.does_not_exist(),
        on_fail=ConflictError("TRANSFER_ALREADY_OPEN", "该团员已有正在办理的转接申请", None),
        versioned=False,
    )
    transfer.state, transfer.step_index, transfer.appealed = TransferState.APPEALED, APPEAL_STEP, True
    transfer.appeal_reason, transfer.appeal_attachment_key, transfer.closed_at = reason, attachment_key, None
    ask(uow, transfer, judge.org_id, judge.path, at, at + timedelta(hours=chain_config().response_hours))
    save(uow, transfer, TransferState.RETURNED, int(transfer.returned_step or 0))
    stats.write_event(uow)
    uow.audit(
        "transfer.appeal",
        "MEMBER",
        member_id,
        judge.org_id,
        before={"state": TransferState.RETURNED},
        after={**snapshot(transfer), "reason": reason},
    )
    uow.commit()
    return transfer


def appeal_upload_prefix(transfer: Transfer) -> str:
    return f"transfer-appeals/{transfer.member_id}/{transfer.transfer_id}/"


def appeal_upload(principal: Principal, member_id: str, transfer_id: str, content_type: str) -> tuple[str, str]:
    """A presigned upload for an appeal's attachment: (key, url)."""
    transfer = get(member_id, transfer_id)
    applicant(principal, transfer)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(content_type)
    if extension is None:
        raise ValidationError("ATTACHMENT_TYPE", "附件只能是PDF、JPEG或PNG", "content_type")
    key = f"{appeal_upload_prefix(transfer)}{clock.new_id('f')}.{extension}"
    return key, storage.upload_url("uploads", key, content_type)


def decide_appeal(principal: Principal, member_id: str, transfer_id: str, grant: bool, reason: str) -> Transfer:
    """The organisation above the returning one grants the appeal (the returned step counts as
    approved and the chain goes on) or upholds the return (final)."""
    transfer = get(member_id, transfer_id)
    if transfer.state != TransferState.APPEALED:
        for_step(principal, member_id, transfer_id, int(transfer.step_index))  # the refusal a stranger gets
        raise ConflictError("TRANSFER_NOT_APPEALED", "该转接申请没有待处理的申诉", None)
    transfer, operator = for_step(principal, member_id, transfer_id, APPEAL_STEP)
    if grant:
        return advance(operator, transfer, None)
    at = clock.now()
    uow = UnitOfWork(operator.actor)
    stats = EventCounts(transfer)
    record_answer(transfer, operator, StepOutcome.APPEAL_UPHELD, at, reason, stats)
    end(uow, transfer, TransferState.RETURNED, at, stats)
    save(uow, transfer, TransferState.APPEALED, APPEAL_STEP)
    messages.notify(
        uow,
        messages.Kind.TRANSFER_DECIDED,
        f"transfer:{transfer_id}:appeal:UPHELD",
        member_id=member_id,
        params={"outcome": "的申诉未获支持，转接被退回", "reason": f"理由：{reason}"},
    )  # MSG-1
    stats.write_event(uow)
    uow.audit(
        "transfer.appeal_upheld",
        "MEMBER",
        member_id,
        operator.org.org_id,
        before={"state": TransferState.APPEALED},
        after={**snapshot(transfer), "reason": reason},
    )
    uow.commit()
    return transfer


def withdraw(principal: Principal, member_id: str, transfer_id: str, reason: str) -> Transfer:
    """The applicant withdraws a live transfer, with a reason."""
    transfer = get(member_id, transfer_id)
    actor = applicant(principal, transfer)
    if transfer.state not in LIVE_STATES:
        raise NOT_LIVE
    at, before_state, before_step = clock.now(), transfer.state, transfer.step_index
    uow = UnitOfWork(actor)
    stats = EventCounts(transfer)
    if transfer.step_overdue:
        stats.add(transfer.step_path, "overdue_now", -1)
    transfer.withdraw_reason = reason
    end(uow, transfer, TransferState.WITHDRAWN, at, stats)
    save(uow, transfer, before_state, int(before_step))
    stats.write_event(uow)
    uow.audit(
        "transfer.withdraw",
        "MEMBER",
        member_id,
        transfer.from_branch_id,
        before={"state": before_state},
        after={**snapshot(transfer), "reason": reason},
    )
    uow.commit()
    return transfer
