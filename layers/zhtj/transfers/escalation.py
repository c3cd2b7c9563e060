"""The step's deadline (XFER-2): when the timer of a step fires (dispatched by
deadlines/service.py for steps.TIMER_KIND), the organisation above the one responsible may act
in its place, the lateness is counted once per step, and a new deadline runs."""

from __future__ import annotations

from datetime import timedelta

from zhtj.core import clock
from zhtj.core.errors import ConflictError, NotFoundError
from zhtj.messages import notify as messages
from zhtj.orgs.rules import path_ids
from zhtj.table import keys
from zhtj.table.unit_of_work import Actor, UnitOfWork
from zhtj.timers import service as timers
from zhtj.timers.models import Timer
from zhtj.transfers.chain import chain_config
from zhtj.transfers.figures import EventCounts
from zhtj.transfers.models import TransferStep
from zhtj.transfers.reads import get
from zhtj.transfers.rules import LIVE_STATES, StepOutcome
from zhtj.transfers.steps import (
    STEP_TAKEN,
    near_event,
    save,
    step_timer,
    tell_waiting,
)


def escalate(timer: Timer) -> None:
    """A step's deadline passed: the organisation above the one now responsible may act in its
    place (and the one after it, should that pass too), the lateness is recorded once per step,
    and a new deadline runs. Idempotent: the timer is re-read and moved in the same transaction."""
    member_id, _, transfer_id = timer.subject_id.partition("/")
    try:
        transfer = get(member_id, transfer_id)
    except NotFoundError:
        transfer = None
    uow = UnitOfWork(Actor("system", None))
    if transfer is None or transfer.state not in LIVE_STATES or not transfer.step_org_id:
        uow.delete(timer, condition=Timer.pk.exists(), on_fail=timers.LOST_RACE)
        uow.commit()
        return
    ids = path_ids(transfer.step_path or "")
    responsible = transfer.escalated_to or transfer.step_org_id
    position = ids.index(responsible) if responsible in ids else len(ids) - 1
    if position == 0:  # the province itself is late: nobody above; the step stays in its inbox
        uow.delete(timer, condition=Timer.due_at == timer.due_at, on_fail=timers.LOST_RACE)
        uow.commit()
        return
    above = ids[position - 1]
    at, before_step = clock.now(), transfer.step_index
    stats = EventCounts(transfer)
    if not transfer.step_overdue:
        stats.add(transfer.step_path, "late_steps")
        stats.add(transfer.step_path, "overdue_now")
    transfer.step_overdue, transfer.escalated_to = True, above
    transfer.history = [
        *transfer.history,
        TransferStep(
            step=before_step,
            org_id=transfer.step_org_id,
            acted_org_id=above,
            outcome=StepOutcome.ESCALATED,
            at=at,
            late=True,
        ),
    ]
    due = at + timedelta(hours=chain_config().response_hours)
    transfer.step_due_at = due
    transfer.gsi1pk, transfer.gsi1sk = keys.transfer_inbox_pk(above), f"{timers.stamp(due)}#{transfer.transfer_id}"
    # The timer moves on (same key): the condition on its due time makes a second firing a no-op.
    uow.put(
        step_timer(transfer, due),
        condition=Timer.due_at == timer.due_at,
        on_fail=timers.LOST_RACE,
    )
    save(uow, transfer, transfer.state, int(before_step))
    tell_waiting(uow, transfer, above, due, "escalate")  # MSG-1
    stats.write_event(uow)
    uow.audit(
        "transfer.escalate",
        "MEMBER",
        member_id,
        above,
        before={"responsible": responsible},
        after={"responsible": above, "step": before_step},
    )
    try:
        uow.commit()
    except ConflictError as error:
        if error is not timers.LOST_RACE and error is not STEP_TAKEN:
            raise
        return  # answered, withdrawn or escalated meanwhile: whoever won moved the timer


def remind(timer: Timer) -> None:
    """MSG-1: 24 hours before a step's deadline, the organisation now responsible is told, once:
    the step's timer is re-filed at its deadline in the transaction that queues the message, on
    condition that it is as this firing read it (a redelivered or racing firing sends nothing).
    A transfer no longer live tells nobody and its timer goes; a step whose deadline is no
    longer the timer's (moved on meanwhile, its timer put again) tells nobody."""
    member_id, _, transfer_id = timer.subject_id.partition("/")
    try:
        transfer = get(member_id, transfer_id)
    except NotFoundError:
        transfer = None
    uow = UnitOfWork(Actor("system", None))
    if transfer is None or transfer.state not in LIVE_STATES or not transfer.step_org_id:
        uow.delete(timer, condition=Timer.due_at == timer.due_at, on_fail=timers.LOST_RACE)
    else:
        timers.refile_at_deadline(uow, timer)
        due = transfer.step_due_at
        if due is not None and abs(due - timer.due_at) < timedelta(seconds=1):
            responsible = transfer.escalated_to or transfer.step_org_id
            event, member = near_event(transfer, responsible, due)
            what = f"团员{member}的组织关系转接审批"
            messages.notify(
                uow,
                messages.Kind.DEADLINE_NEAR,
                event,
                org_id=responsible,
                params={"what": what, "due": messages.china_time(due)},
            )
    try:
        uow.commit()
    except ConflictError as error:
        if error is not timers.LOST_RACE:
            raise
