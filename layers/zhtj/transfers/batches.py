"""Graduation season (XFER-6): graduating branches, batch transfers and batch approval.

An administrator marks a class branch as graduating on a date; a timer (timers/service.py)
makes it a graduates' branch on that day and counts its graduates for the completion rate.
A batch (hundreds of members at once) is written as one item and processed through the
`transfers` queue: each member is started (or approved) in its own transaction together with
the member's outcome row, so a crash or a redelivery never does a member twice or half.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as clock_time
from typing import Any

from zhtj.core import clock
from zhtj.core.clock import today_in_china
from zhtj.core.errors import ConflictError, DomainError, NotFoundError, ValidationError
from zhtj.core.observability import logger
from zhtj.members import service as member_records
from zhtj.members.models import Member
from zhtj.members.rules import MemberState
from zhtj.orgs.authz import authorize, get_org, within
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgStatus, OrgType
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork, lost_race
from zhtj.timers import service as timers
from zhtj.timers.models import Timer
from zhtj.timers.workdays import CHINA_TZ
from zhtj.transfers import answers, reads
from zhtj.transfers.figures import Counts
from zhtj.transfers.messages import TRANSFERS, ApproveChunk, StartChunk
from zhtj.transfers.models import Transfer, TransferBatch, TransferBatchRow
from zhtj.transfers.rules import BatchApproval, BatchRowOutcome, Cause, StepOutcome, TransferState
from zhtj.transfers.start import Request, start
from zhtj.transfers.steps import STEP_TAKEN

GRADUATION_KIND = "GRADUATION"  # timer: a branch becomes a graduates' branch
MAX_BATCH = 1000
CHUNK = 10  # members per queue message

NO_BATCH = NotFoundError("BATCH_NOT_FOUND", "批量转接不存在", "batch_id")


# --- Graduation ------------------------------------------------------------------------------


def set_graduation(principal: Principal, branch_id: str, on: date) -> Org:
    """XFER-6: mark a class branch as graduating on a date (at 00:00 China time that day it becomes
    a graduates' branch)."""
    branch = get_org(branch_id)
    operator = authorize(principal, "transfer.graduation_set", branch)
    if branch.org_type != OrgType.BRANCH or branch.system:
        raise ValidationError("NOT_A_BRANCH", "只能为团支部设置毕业时间", "org_id")
    if branch.graduates_branch:
        raise ConflictError("ALREADY_GRADUATED", "该团支部已转为毕业生团支部", None)
    if on < today_in_china():
        raise ValidationError("GRADUATION_DATE_PAST", "毕业时间不能早于今天", "graduation_date")
    uow = UnitOfWork(operator.actor)
    uow.update(branch, [Org.graduation_date.set(on.isoformat())], condition=Org.status == OrgStatus.ACTIVE)
    timers.schedule(uow, GRADUATION_KIND, branch_id, datetime.combine(on, clock_time(0), CHINA_TZ))
    uow.audit(
        "org.graduation_set",
        "ORG",
        branch_id,
        branch_id,
        before={"graduation_date": branch.graduation_date},
        after={"graduation_date": on.isoformat()},
    )
    uow.commit()
    branch.graduation_date = on.isoformat()
    return branch


def graduates_of(branch_id: str) -> int:
    """Members of a branch who graduate (delayed graduations excluded): one query of the branch list."""
    return sum(
        1
        for m in Member.by_gsi1.query(keys.branch_members_pk(branch_id))
        if isinstance(m, Member) and m.state == MemberState.NORMAL and not m.delayed_graduation
    )


def graduate(timer: Timer) -> None:
    """The graduation date came: the branch becomes a graduates' branch and its graduates are
    counted for the completion rate of every organisation above it. Once only."""
    try:
        branch = Org.get(keys.org_pk(timer.subject_id), keys.META, consistent_read=True)
    except Org.DoesNotExist:
        branch = None
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.delete(timer, condition=Timer.pk.exists(), on_fail=timers.LOST_RACE)
    if branch is not None and not branch.graduates_branch and branch.status == OrgStatus.ACTIVE:
        count = graduates_of(branch.org_id)
        uow.update(
            branch, [Org.graduates_branch.set(True)], condition=Org.graduates_branch.does_not_exist(), versioned=False
        )
        stats = Counts()
        stats.add(branch.path, "graduates", count)
        stats.write(uow, f"graduation#{branch.org_id}")
        uow.audit("org.graduated", "ORG", branch.org_id, branch.org_id, after={"graduates": count})
    try:
        uow.commit()
    except ConflictError as error:
        if error is not timers.LOST_RACE:
            raise


def set_delayed_graduation(principal: Principal, member_id: str, delayed: bool) -> Member:
    """A member flagged as graduating late (延期毕业) is not counted as a graduate."""
    member = member_records.get_member(member_id)
    branch = get_org(member.branch_id)
    operator = authorize(principal, "transfer.graduation_set", branch)
    if bool(member.delayed_graduation) == delayed:
        return member
    uow = UnitOfWork(operator.actor)
    uow.update(member, [Member.delayed_graduation.set(delayed)])
    if branch.graduates_branch:
        stats = Counts()
        stats.add(branch.path, "graduates", -1 if delayed else 1)
        stats.write(uow, f"delay#{member_id}#{clock.now().isoformat()}")
    uow.audit("member.delayed_graduation", "MEMBER", member_id, branch.org_id, after={"delayed_graduation": delayed})
    uow.commit()
    member.delayed_graduation = delayed
    return member


# --- Batches ---------------------------------------------------------------------------------


def create(principal: Principal, org_id: str, rows: list[dict[str, Any]]) -> TransferBatch:
    """An organisation starts transfers for a list of its members at once (XFER-2: only members
    of `org_id`'s subtree, which must be at or below the operator's organisation; a row naming
    anyone else is refused). The list is kept in one item; the queue starts them, one
    transaction per member, as the operator who created it."""
    org = get_org(org_id)
    operator = authorize(principal, "transfer.start", org)
    if not 1 <= len(rows) <= MAX_BATCH:
        raise ValidationError("BATCH_SIZE", f"每批转接应为1至{MAX_BATCH}人", "rows")
    if len({r["member_id"] for r in rows}) != len(rows):
        raise ValidationError("BATCH_DUPLICATE", "同一团员在批量名单中出现多次", "rows")
    batch_id, at = clock.new_id("b"), clock.now()
    batch = TransferBatch(
        keys.transfer_batch_pk(batch_id),
        keys.META,
        gsi1pk=keys.org_transfer_batches_pk(org_id),
        gsi1sk=f"{at.isoformat()}#{batch_id}",
        batch_id=batch_id,
        org_id=org_id,
        created_by=operator.account_id,
        created_org_id=operator.org.org_id,
        created_at=at,
        rows=len(rows),
        rows_json=json.dumps(rows, ensure_ascii=False),
    )
    uow = UnitOfWork(operator.actor)
    uow.put(batch, condition=TransferBatch.pk.does_not_exist())
    uow.audit("transfer.batch_create", "TRANSFER_BATCH", batch_id, org_id, after={"rows": len(rows)})
    uow.commit()
    for first in range(0, len(rows), CHUNK):
        TRANSFERS.send(StartChunk(batch_id=batch_id, first=first, count=CHUNK))
    return batch


def _batch(batch_id: str) -> TransferBatch:
    try:
        return TransferBatch.get(keys.transfer_batch_pk(batch_id), keys.META, consistent_read=True)
    except TransferBatch.DoesNotExist as error:
        raise NO_BATCH from error


def _row(batch_id: str, member_id: str) -> TransferBatchRow | None:
    try:
        return TransferBatchRow.get(
            keys.transfer_batch_pk(batch_id), keys.batch_row_sk(member_id), consistent_read=True
        )
    except TransferBatchRow.DoesNotExist:
        return None


def handle(message: StartChunk | ApproveChunk) -> None:
    """A message of the transfers queue. Every member of a chunk is done at most once (its row
    is written in the member's own transaction), so a redelivered chunk only finishes the rest."""
    try:
        batch = _batch(message.batch_id)
    except NotFoundError:
        logger.warning("transfer batch not found", extra={"batch_id": message.batch_id})
        return  # nothing to do, however often it is delivered
    match message:
        case StartChunk(first=first, count=count):
            rows = json.loads(batch.rows_json)[first : first + count]
            _each(rows, lambda row: _start_one(batch, row))
        case ApproveChunk():
            principal = Principal(message.account_id, message.org_id)
            _each(message.member_ids, lambda member_id: _approve_one(batch, principal, member_id))


def _each(items: list[Any], do: Callable[[Any], None]) -> None:
    """Do every member of a chunk. A member whose transaction lost a race (the ConflictError
    _start_one/_approve_one let through) is left to the chunk's redelivery, but the others
    are done first: one busy member does not hold up nine for a visibility timeout."""
    lost: ConflictError | None = None
    for item in items:
        try:
            do(item)
        except ConflictError as error:
            lost = error
    if lost is not None:
        raise lost


def _start_one(batch: TransferBatch, row: dict[str, Any]) -> None:
    member_id = str(row["member_id"])
    if _row(batch.batch_id, member_id) is not None:
        return
    outcome = TransferBatchRow(
        keys.transfer_batch_pk(batch.batch_id),
        keys.batch_row_sk(member_id),
        member_id=member_id,
        to_branch_id=str(row.get("to_branch_id") or ""),
        cause=str(row.get("cause") or ""),
    )

    def record(uow: UnitOfWork, transfer: Transfer) -> None:
        outcome.outcome, outcome.transfer_id = BatchRowOutcome.STARTED, transfer.transfer_id
        uow.put(outcome, condition=TransferBatchRow.pk.does_not_exist())

    principal = Principal(batch.created_by, batch.created_org_id or batch.org_id)
    try:
        request = Request(
            cause=Cause(row.get("cause") or Cause.EMPLOYMENT),
            cause_text=row.get("cause_text"),
            to_branch_id=row.get("to_branch_id"),
        )
        member = member_records.get_member(member_id)
        if not within(get_org(batch.org_id), get_org(member.branch_id)):
            raise NotFoundError("MEMBER_NOT_IN_ORG", "该团员不在本组织内", "member_id")
        start(principal, member_id, request, batch_id=batch.batch_id, extra=record)
    except DomainError as error:
        if _row(batch.batch_id, member_id) is not None:
            return  # started by an earlier delivery of this chunk
        if lost_race(error):
            raise  # not the member's refusal: the chunk's redelivery starts them
        outcome.outcome, outcome.error_code, outcome.error_message = BatchRowOutcome.REFUSED, error.code, error.message
        try:
            outcome.save(condition=TransferBatchRow.pk.does_not_exist())
        except Exception:  # written meanwhile by a concurrent delivery
            logger.info("batch row already written", extra={"batch_id": batch.batch_id})
    except ValueError:
        outcome.outcome, outcome.error_code, outcome.error_message = (
            BatchRowOutcome.REFUSED,
            "CAUSE_UNKNOWN",
            "转接原因不正确",
        )
        outcome.save()


def approve(principal: Principal, batch_id: str) -> int:
    """Approve in one action every transfer of a batch whose step now waits on the acting
    organisation. Returns how many were queued; each is approved in its own transaction."""
    batch = _batch(batch_id)
    operator = authorize(principal, "transfer.act", get_org(principal.acting_org_id or ""))
    waiting = [
        t.member_id
        for t in Transfer.by_gsi2.query(keys.transfer_batch_members_pk(batch_id))
        if isinstance(t, Transfer)
        and t.state == TransferState.OPEN
        and operator.org.org_id in (t.step_org_id, t.escalated_to)
    ]
    if not waiting:
        raise ConflictError("BATCH_NOTHING_WAITING", "该批量转接中没有等待本组织审批的申请", None)
    for first in range(0, len(waiting), CHUNK):
        TRANSFERS.send(
            ApproveChunk(
                batch_id=batch.batch_id,
                account_id=principal.account_id,
                org_id=operator.org.org_id,
                member_ids=waiting[first : first + CHUNK],
            )
        )
    return len(waiting)


def _approve_one(batch: TransferBatch, principal: Principal, member_id: str) -> None:
    row = _row(batch.batch_id, member_id)
    if row is None or row.transfer_id is None:
        return
    transfer = reads.get(member_id, row.transfer_id)
    step = transfer.step_index
    try:
        answers.approve(principal, member_id, row.transfer_id, int(step))
        row.update(
            actions=[TransferBatchRow.approval.set(BatchApproval.APPROVED), TransferBatchRow.approval_error.remove()]
        )
    except DomainError as error:
        current = reads.get(member_id, row.transfer_id)
        done = any(
            h.step == step and h.acted_org_id == principal.acting_org_id and h.outcome == StepOutcome.APPROVED
            for h in current.history
        )
        undecided = current.state == TransferState.OPEN and current.step_index == step
        if done:  # approved by an earlier delivery
            row.update(actions=[TransferBatchRow.approval.set(BatchApproval.APPROVED)])
        elif lost_race(error) or (error.code == STEP_TAKEN.code and undecided):
            # Another writer was in flight on the transfer, or changed it without deciding this
            # step (its version moved): not a refusal. The chunk's redelivery approves it.
            raise
        else:
            row.update(
                actions=[
                    TransferBatchRow.approval.set(BatchApproval.REFUSED),
                    TransferBatchRow.approval_error.set(f"{error.code}: {error.message}"),
                ]
            )


def read(principal: Principal, batch_id: str) -> tuple[TransferBatch, list[TransferBatchRow]]:
    """A batch with one outcome per member (rows not yet processed are absent)."""
    batch = _batch(batch_id)
    authorize(principal, "transfer.read", get_org(batch.org_id))
    rows = [
        r
        for r in TransferBatchRow.query(
            keys.transfer_batch_pk(batch_id), TransferBatchRow.sk.startswith("ROW#"), consistent_read=True
        )
        if isinstance(r, TransferBatchRow)
    ]
    return batch, rows
