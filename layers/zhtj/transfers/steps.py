"""The step machinery every transfer move shares: asking an organisation (its inbox entry and
the deadline timer, XFER-2), who may answer the step waiting (the organisation asked, or above
it once overdue) and who is the applicant, recording an answer in the history, saving the
transfer only if nobody changed it meanwhile, and ending a live transfer (returned, withdrawn).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from zhtj.accounts import reads as accounts
from zhtj.core import clock
from zhtj.core.errors import ConflictError, ForbiddenError
from zhtj.members.models import Member
from zhtj.members.service import member_actor
from zhtj.messages import notify as messages
from zhtj.orgs.authz import Acting, authorize, get_org
from zhtj.orgs.rules import path_ids
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import Actor, UnitOfWork
from zhtj.timers import service as timers
from zhtj.timers.models import Timer
from zhtj.transfers.figures import EventCounts
from zhtj.transfers.models import Transfer, TransferStep
from zhtj.transfers.reads import get
from zhtj.transfers.rules import LIVE_STATES, StepOutcome, TransferState

# The step's one timer, fired by deadlines/service.py: MSG-1's reminder to the organisation asked
# 24 hours before the deadline (escalation.remind), then the deadline (escalation.escalate).
TIMER_KIND = "XFER_STEP_DUE"
REMIND_BEFORE = timedelta(hours=24)

NOT_LIVE = ConflictError("TRANSFER_NOT_OPEN", "该转接申请已办结，不能再处理", None)
STEP_TAKEN = ConflictError("TRANSFER_STEP_DECIDED", "该审批环节已被处理，请刷新后查看", "step")
NOT_YOUR_STEP = ForbiddenError("TRANSFER_NOT_YOUR_STEP", "当前审批环节不由本组织办理（逾期后由上级组织代办）", None)
NOT_APPLICANT = ForbiddenError("TRANSFER_NOT_APPLICANT", "只有申请人（团员本人或发起的组织）可以办理此项", None)
MEMBER_BUSY = ConflictError("MEMBER_CHANGED", "团员状态已被他人变更，请刷新后重试", None)
APPEAL_PENDING = ConflictError("TRANSFER_APPEAL_PENDING", "该转接申请正在申诉，由上级组织处理申诉", None)


# --- Asking ------------------------------------------------------------------------------------


def ask(uow: UnitOfWork, transfer: Transfer, org_id: str, org_path: str, at: datetime, due: datetime) -> None:
    """Point the transfer at the organisation asked next (its inbox, the deadline timer with its
    reminder)."""
    transfer.step_org_id, transfer.escalated_to, transfer.step_overdue = org_id, None, False
    transfer.step_asked_at, transfer.step_due_at = at, due
    transfer.gsi1pk = keys.transfer_inbox_pk(org_id)
    transfer.gsi1sk = f"{timers.stamp(due)}#{transfer.transfer_id}"
    transfer.step_path = org_path
    uow.put(step_timer(transfer, due))
    tell_waiting(uow, transfer, org_id, due, "ask")


def step_timer(transfer: Transfer, due: datetime) -> Timer:
    """The step's one timer (XFER-2): its deadline, carrying MSG-1's reminder 24 hours before it
    (none for a step shorter than that). Put again (the same key) by each later ask or
    escalation, so a reminder set for an earlier deadline goes with it."""
    remind_at = due - REMIND_BEFORE
    return timers.build(
        TIMER_KIND, timer_subject(transfer), due, remind_at=remind_at if remind_at > clock.now() else None
    )


def tell_waiting(uow: UnitOfWork, transfer: Transfer, org_id: str, due: datetime, why: str) -> None:
    """MSG-1: the organisation asked (or escalated to) is told a step waits for it; the
    transfers of one batch tell it once (one event per batch and organisation). Its reminder 24
    hours before `due` is the step's timer's (step_timer)."""
    if transfer.batch_id:
        event, member = f"transfer-batch:{transfer.batch_id}:{why}:{org_id}", f"{transfer.member_name}等（批量转接）"
    else:
        event, member = f"transfer:{transfer.transfer_id}:{why}:{org_id}:{timers.stamp(due)}", transfer.member_name
    params = {"member": member, "due": messages.china_time(due)}
    messages.notify(uow, messages.Kind.TRANSFER_STEP_WAITING, event, org_id=org_id, params=params)


def near_event(transfer: Transfer, org_id: str, due: datetime) -> tuple[str, str]:
    """MSG-1: the event of the reminder before a step's deadline, and whom it names (the
    transfers of one batch remind an organisation once)."""
    if transfer.batch_id:
        return f"transfer-batch:{transfer.batch_id}:near:{org_id}", f"{transfer.member_name}等（批量转接）"
    return f"transfer:{transfer.transfer_id}:near:{org_id}:{timers.stamp(due)}", transfer.member_name


def timer_subject(transfer: Transfer) -> str:
    return f"{transfer.member_id}/{transfer.transfer_id}"


def snapshot(transfer: Transfer) -> dict[str, Any]:
    """What the audit record keeps of a transfer."""
    return {
        "transfer_id": transfer.transfer_id,
        "state": transfer.state,
        "from_branch_id": transfer.from_branch_id,
        "to_branch_id": transfer.to_branch_id,
        "destination": transfer.destination,
        "step_index": transfer.step_index,
        "step_org_id": transfer.step_org_id,
        "proposal_id": transfer.proposal_id,
    }


# --- Who answers -------------------------------------------------------------------------------


def for_step(principal: Principal, member_id: str, transfer_id: str, step: int) -> tuple[Transfer, Acting]:
    """The transfer and the operator answering its step: authorization first, then the state
    (a stranger learns nothing about a transfer's progress)."""
    transfer = get(member_id, transfer_id)
    if transfer.state not in LIVE_STATES or not transfer.step_org_id:
        authorize(principal, "transfer.act", get_org(transfer.from_branch_id))
        raise NOT_LIVE
    operator = _step_operator(principal, transfer)
    if transfer.step_index != step:
        raise STEP_TAKEN
    return transfer, operator


def _step_operator(principal: Principal, transfer: Transfer) -> Acting:
    """The organisation asked; once the step is overdue, also any organisation between it and
    the one it was escalated to (REV-2's rule, applied to transfers)."""
    asked = get_org(transfer.step_org_id or "")
    operator = authorize(principal, "transfer.act", asked)
    if operator.org.org_id == asked.org_id:
        return operator
    if transfer.escalated_to:
        ids = path_ids(asked.path)
        if transfer.escalated_to in ids and operator.org.org_id in ids[ids.index(transfer.escalated_to) :]:
            return operator
    raise NOT_YOUR_STEP


def applicant(principal: Principal, transfer: Transfer) -> Actor:
    """The member, or an operator of the organisation that started it (or above it)."""
    if accounts.is_self(principal, transfer.member_id):
        return member_actor(principal)
    if transfer.started_org_id:
        return authorize(principal, "transfer.start", get_org(transfer.started_org_id)).actor
    raise NOT_APPLICANT


# --- Recording and saving ----------------------------------------------------------------------


def record_answer(
    transfer: Transfer, operator: Acting, outcome: StepOutcome, at: datetime, reason: str | None, stats: EventCounts
) -> None:
    """The step's answer in the history, its response time in the figures."""
    hours = stats.response(transfer.step_path or "", transfer.step_asked_at or at, at, transfer.step_overdue)
    transfer.history = [
        *transfer.history,
        TransferStep(
            step=transfer.step_index,
            org_id=transfer.step_org_id,
            acted_org_id=operator.org.org_id,
            outcome=outcome,
            at=at,
            hours=round(hours, 2),
            late=bool(transfer.step_overdue),
            reason=reason,
        ),
    ]


def save(uow: UnitOfWork, transfer: Transfer, before_state: str, before_step: int) -> None:
    """The transfer as changed, only if nobody changed it since it was read (two approvers on
    one step: exactly one wins)."""
    uow.put(
        transfer,
        condition=(Transfer.state == before_state) & (Transfer.step_index == before_step),
        on_fail=STEP_TAKEN,
    )


def close_step(transfer: Transfer) -> None:
    """No step waits any more: out of every inbox."""
    transfer.step_org_id = transfer.step_path = transfer.escalated_to = None
    transfer.step_asked_at = transfer.step_due_at = None
    transfer.step_overdue = False
    transfer.gsi1pk = transfer.gsi1sk = None


def end(uow: UnitOfWork, transfer: Transfer, state: TransferState, at: datetime, stats: EventCounts) -> None:
    """Returned or withdrawn: the member is free to start again; the step's timer goes."""
    stats.state(transfer.state, state)
    uow.update(
        Member(keys.member_pk(transfer.member_id), keys.META),
        [Member.open_transfer_id.remove()],
        condition=Member.open_transfer_id == transfer.transfer_id,
        on_fail=MEMBER_BUSY,
        versioned=False,
    )
    timers.cancel(uow, TIMER_KIND, timer_subject(transfer))
    transfer.state, transfer.closed_at = state, at
    close_step(transfer)
