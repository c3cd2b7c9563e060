"""Withdrawal: the applicant (the member, or the organisation that started it) withdraws a live
transfer with a reason, in one transaction with the member's pointer, the step's timer, the
figures and the audit record."""

from __future__ import annotations

from zhtj.core import clock
from zhtj.signin.tokens import Principal
from zhtj.table.unit_of_work import UnitOfWork
from zhtj.transfers.figures import EventCounts
from zhtj.transfers.models import Transfer
from zhtj.transfers.reads import get
from zhtj.transfers.rules import LIVE_STATES, TransferState
from zhtj.transfers.steps import NOT_LIVE, applicant, end, save, snapshot


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
