"""The organisations' answers to a step (XFER-1, XFER-2, XFER-4): approve, and the chain goes on
to its next organisation, or the last approval completes the transfer (the member, both
branches' counts and the card's content move in one transaction); or return it with a reason
(never for want of paper)."""

from __future__ import annotations

from datetime import datetime, timedelta

from zhtj.cards import due as card_due
from zhtj.core import clock
from zhtj.core.errors import ConflictError, ValidationError
from zhtj.members import service as member_records
from zhtj.members.models import Member
from zhtj.messages import notify as messages
from zhtj.names import index as search_index
from zhtj.orgs.authz import Acting, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgStatus, path_ids
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import UnitOfWork
from zhtj.timers import service as timers
from zhtj.transfers.chain import chain_config
from zhtj.transfers.figures import EventCounts
from zhtj.transfers.models import Transfer
from zhtj.transfers.rules import APPEAL_STEP, ReturnCode, StepOutcome, TransferState, check_return_reason
from zhtj.transfers.steps import (
    APPEAL_PENDING,
    MEMBER_BUSY,
    TIMER_KIND,
    ask,
    close_step,
    end,
    for_step,
    record_answer,
    save,
    snapshot,
    timer_subject,
)

TARGET_GONE = ConflictError("TARGET_BRANCH_GONE", "转入团支部已撤销，请退回后重新选择", "to_branch_id")


def approve(
    principal: Principal, member_id: str, transfer_id: str, step: int, letter_number: str | None = None
) -> Transfer:
    """The organisation asked approves its step; the last approval completes the transfer."""
    transfer, operator = for_step(principal, member_id, transfer_id, step)
    if transfer.state != TransferState.OPEN:
        raise APPEAL_PENDING
    return advance(operator, transfer, letter_number)


def advance(operator: Acting, transfer: Transfer, letter_number: str | None) -> Transfer:
    """Approve the current step (or an appeal granted in its place) and ask the next one."""
    at, before_state, before_step = clock.now(), transfer.state, transfer.step_index
    uow = UnitOfWork(operator.actor)
    stats = EventCounts(transfer)
    outcome = StepOutcome.APPROVED if before_step != APPEAL_STEP else StepOutcome.APPEAL_GRANTED
    record_answer(transfer, operator, outcome, at, None, stats)
    next_step = int(transfer.returned_step or 0) + 1 if before_step == APPEAL_STEP else int(before_step) + 1
    if letter_number and letter_number.strip():
        transfer.letter_number = letter_number.strip()
    if next_step < len(transfer.chain):
        transfer.state, transfer.step_index = TransferState.OPEN, next_step
        org = get_org(str(transfer.chain[next_step]))
        ask(uow, transfer, org.org_id, org.path, at, at + timedelta(hours=chain_config().response_hours))
        stats.state(before_state, TransferState.OPEN)
        action = "transfer.approve_step"
    else:
        _complete(uow, transfer, at, stats)
        stats.state(before_state, TransferState.COMPLETED)
        action = "transfer.complete"
    save(uow, transfer, before_state, int(before_step))
    messages.notify(
        uow,
        messages.Kind.TRANSFER_DECIDED,
        f"transfer:{transfer.transfer_id}:{before_step}:{outcome}",
        member_id=transfer.member_id,
        params={"outcome": "已完成" if action == "transfer.complete" else "已获一级组织审批通过"},
    )  # MSG-1
    stats.write_event(uow)
    uow.audit(
        action,
        "MEMBER",
        transfer.member_id,
        operator.org.org_id,
        before={"state": before_state, "step": before_step},
        after=snapshot(transfer),
    )
    uow.commit()
    return transfer


def _complete(uow: UnitOfWork, transfer: Transfer, at: datetime, stats: EventCounts) -> None:
    """One transaction moves the membership: the member's branch and member list, both
    branches' counts, the card's content (XFER-4: out of the province, to ORG-7's organisation)."""
    if transfer.out_of_province:
        if not transfer.letter_number:
            raise ValidationError("LETTER_NUMBER_REQUIRED", "转出省外须填写纸质介绍信编号", "letter_number")
        target = _system_org(transfer.from_path)
    else:
        target = get_org(transfer.to_branch_id or "")
    member = member_records.get_member(transfer.member_id)
    token_actions, token_guard = search_index.move(uow, member, target)  # STAT-3: the search tokens follow
    uow.update(
        member,
        [
            Member.branch_id.set(target.org_id),
            Member.gsi1pk.set(keys.branch_members_pk(target.org_id)),
            Member.open_transfer_id.remove(),
            *token_actions,
        ],
        condition=(Member.open_transfer_id == transfer.transfer_id)
        & (Member.branch_id == transfer.from_branch_id)
        & token_guard,
        on_fail=MEMBER_BUSY,
        versioned=False,
    )
    uow.update(Org(keys.org_pk(transfer.from_branch_id), keys.META), [Org.member_count.add(-1)], versioned=False)
    uow.update(
        Org(keys.org_pk(target.org_id), keys.META),
        [Org.member_count.add(1)],
        condition=(Org.status == OrgStatus.ACTIVE) & search_index.branch_guard(target),
        on_fail=TARGET_GONE,
        versioned=False,
    )
    timers.cancel(uow, TIMER_KIND, timer_subject(transfer))
    card_due.changed(uow, transfer.member_id)
    if transfer.graduate:
        stats.add(transfer.from_path, "graduates_transferred")
    transfer.state, transfer.completed_at = TransferState.COMPLETED, at
    close_step(transfer)


def _system_org(path: str) -> Org:
    """ORG-7's organisation of the province the path belongs to."""
    root_id = path_ids(path)[0]
    for org in Org.by_gsi1.query(keys.system_orgs_pk(root_id)):
        if isinstance(org, Org):
            return org
    raise ConflictError("SYSTEM_ORG_MISSING", "本省尚未建立“非本省所辖团组织”", None)


def return_transfer(
    principal: Principal, member_id: str, transfer_id: str, step: int, code: ReturnCode, reason: str
) -> Transfer:
    """The organisation asked returns the transfer with a reason (XFER-1: never for paper)."""
    transfer, operator = for_step(principal, member_id, transfer_id, step)
    if transfer.state != TransferState.OPEN:
        raise APPEAL_PENDING
    check_return_reason(code, reason)
    at, before_step = clock.now(), transfer.step_index
    uow = UnitOfWork(operator.actor)
    stats = EventCounts(transfer)
    record_answer(transfer, operator, StepOutcome.RETURNED, at, reason, stats)
    transfer.returned_by, transfer.returned_step = transfer.step_org_id, before_step
    transfer.return_code, transfer.return_reason = code.value, reason
    end(uow, transfer, TransferState.RETURNED, at, stats)
    save(uow, transfer, TransferState.OPEN, int(before_step))
    messages.notify(
        uow,
        messages.Kind.TRANSFER_DECIDED,
        f"transfer:{transfer_id}:{before_step}:RETURNED",
        member_id=member_id,
        params={"outcome": "被退回", "reason": f"理由：{reason}"},
    )  # MSG-1
    stats.write_event(uow)
    uow.audit(
        "transfer.return",
        "MEMBER",
        member_id,
        operator.org.org_id,
        before={"state": TransferState.OPEN},
        after={**snapshot(transfer), "code": code.value, "reason": reason},
    )
    uow.commit()
    return transfer
