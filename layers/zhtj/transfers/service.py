"""Transfers of membership (组织关系转接, XFER-1..6, ORG-7).

A transfer walks a chain of approvers held as data per province (default: the leaving branch,
its parent, the receiving branch, its parent). Each step is asked with a response deadline
(72 hours): a Timer in the same transaction as the step, swept like every deadline
(timers/service.py). When it runs out the step is escalated to the organisation above the one
asked, which may then act in its place, and the lateness is recorded. Each step approves or
returns with a reason (XFER-1: never for want of paper); the applicant may withdraw; a returned
transfer may be appealed once, decided by the organisation above the one that returned it.

Every change is one transaction: the transfer, the member's pointer, the timer, the counters
of XFER-2's monitoring (TransferStats of every organisation above both branches) and the
audit record. Completion moves the member, both branches' member counts and the card's
content version together.
"""

from __future__ import annotations

import json
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.expressions.update import Action

from zhtj.accounts import service as accounts
from zhtj.cards import service as cards
from zhtj.core import clock
from zhtj.core.clock import today_in_china
from zhtj.core.errors import ConflictError, ForbiddenError, NotFoundError, RuleViolation, ValidationError
from zhtj.dues import owed as dues
from zhtj.members.models import Member
from zhtj.members.service import NORMAL, member_actor, require_normal
from zhtj.names import index as search_index
from zhtj.orgs import service as orgs
from zhtj.orgs.authz import OUT_OF_SCOPE, Acting, authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgType, Sector, path_ids
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.unit_of_work import Actor, UnitOfWork
from zhtj.timers import service as timers
from zhtj.timers.models import Timer
from zhtj.transfers.models import Transfer, TransferChainConfig, TransferProposal, TransferStats, TransferStep
from zhtj.transfers.rules import (
    DEFAULT_CHAIN,
    HISTOGRAM_BUCKETS,
    RESPONSE_HOURS,
    Cause,
    ChainStep,
    Destination,
    ReturnCode,
    Side,
    bucket_of,
    check_chain,
    check_dues_paid_up,
    check_return_reason,
    percentile_hours,
    resolve_chain,
)

TIMER_KIND = "XFER_STEP_DUE"  # fired by deadlines/service.py

OPEN = "OPEN"
APPEALED = "APPEALED"
RETURNED = "RETURNED"
COMPLETED = "COMPLETED"
WITHDRAWN = "WITHDRAWN"
LIVE_STATES = frozenset({OPEN, APPEALED})
STATE_NAMES = {OPEN: "审批中", APPEALED: "申诉中", RETURNED: "已退回", COMPLETED: "已完成", WITHDRAWN: "已撤回"}
# The monitoring counters (TransferStats) group the states so: an appeal is a live request again.
_COUNTED = {OPEN: "open", APPEALED: "open", RETURNED: "returned", COMPLETED: "completed", WITHDRAWN: "withdrawn"}
APPEAL_STEP = -1

NO_TRANSFER = NotFoundError("TRANSFER_NOT_FOUND", "转接申请不存在", "transfer_id")
NOT_LIVE = ConflictError("TRANSFER_NOT_OPEN", "该转接申请已办结，不能再处理", None)
STEP_TAKEN = ConflictError("TRANSFER_STEP_DECIDED", "该审批环节已被处理，请刷新后查看", "step")
NOT_YOUR_STEP = ForbiddenError("TRANSFER_NOT_YOUR_STEP", "当前审批环节不由本组织办理（逾期后由上级组织代办）", None)
NOT_APPLICANT = ForbiddenError("TRANSFER_NOT_APPLICANT", "只有申请人（团员本人或发起的组织）可以办理此项", None)
PROPOSE_ONLY = ForbiddenError(
    "TRANSFER_PROPOSE_ONLY",
    "只能为本组织及下级组织的团员发起转接；其他组织（如转入方）可提出转接建议，经团员本人确认后发起",
    "member_id",
)
MEMBER_BUSY = ConflictError("MEMBER_CHANGED", "团员状态已被他人变更，请刷新后重试", None)
TARGET_GONE = ConflictError("TARGET_BRANCH_GONE", "转入团支部已撤销，请退回后重新选择", "to_branch_id")


# --- The chain as data -----------------------------------------------------------------------


@dataclass(frozen=True)
class ChainConfig:
    steps: tuple[ChainStep, ...]
    response_hours: int


def chain_config() -> ChainConfig:
    """The province's chain (or the default four steps)."""
    try:
        item = TransferChainConfig.get(keys.CONFIG_PK, keys.TRANSFER_CHAIN_SK)
    except TransferChainConfig.DoesNotExist:
        return ChainConfig(DEFAULT_CHAIN, RESPONSE_HOURS)
    steps = tuple(ChainStep(Side(s["side"]), int(s["up"])) for s in json.loads(item.steps))
    return ChainConfig(steps, int(item.response_hours))


def set_chain(principal: Principal, steps: list[ChainStep], response_hours: int) -> ChainConfig:
    """XFER-2: the province sets its chain and deadline. Applies to transfers started afterwards."""
    operator = authorize(principal, "transfer.chain_set", None)
    check_chain(steps)
    if not 24 <= response_hours <= 240:
        raise ValidationError("RESPONSE_HOURS", "审批时限应在24至240小时之间", "response_hours")
    before = chain_config()
    item = TransferChainConfig(
        keys.CONFIG_PK,
        keys.TRANSFER_CHAIN_SK,
        steps=json.dumps([{"side": s.side.value, "up": s.up} for s in steps]),
        response_hours=response_hours,
        set_by=operator.account_id,
        set_at=clock.now(),
    )
    uow = UnitOfWork(operator.actor)
    uow.put(item)
    uow.audit(
        "transfer.chain_set",
        "CONFIG",
        "transfer_chain",
        operator.org.org_id,
        before={"steps": [s.label() for s in before.steps], "response_hours": before.response_hours},
        after={"steps": [s.label() for s in steps], "response_hours": response_hours},
    )
    uow.commit()
    return ChainConfig(tuple(steps), response_hours)


# --- Monitoring counters (XFER-2) ------------------------------------------------------------


class Counts:
    """Counter moves of one transaction, merged per organisation (one update per item: a
    transaction may not touch an item twice), written to one shard chosen by `seed`."""

    def __init__(self) -> None:
        self.moves: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, path: str | None, field: str, value: int = 1) -> None:
        """Move a counter of every organisation on a materialized path (the subtree's figures)."""
        if path:
            for org_id in path_ids(path):
                self.moves[org_id][field] += value

    def write(self, uow: UnitOfWork, seed: str) -> None:
        sk = keys.transfer_stats_sk(zlib.crc32(seed.encode()) % keys.TRANSFER_STATS_SHARDS)
        for org_id, moves in self.moves.items():
            actions: list[Action] = [getattr(TransferStats, f).add(v) for f, v in sorted(moves.items()) if v]
            if actions:
                # The update may create the item: name its kind.
                actions.append(TransferStats.kind.set(TransferStats))
                uow.update(TransferStats(keys.transfer_stats_pk(org_id), sk), actions, versioned=False)


class _Stats(Counts):
    """The counter moves of one transfer event."""

    def __init__(self, transfer: Transfer) -> None:
        super().__init__()
        self.transfer = transfer

    def state(self, before: str | None, after: str) -> None:
        t = self.transfer
        for side, path in (("out", t.from_path), ("in", t.to_path)):
            if before is not None:
                self.add(path, f"{side}_{_COUNTED[before]}", -1)
            self.add(path, f"{side}_{_COUNTED[after]}")

    def response(self, asked_path: str, asked_at: datetime, at: datetime, overdue: bool) -> float:
        hours = (at - asked_at).total_seconds() / 3600
        self.add(asked_path, "responses")
        self.add(asked_path, f"h{bucket_of(hours)}")
        if hours <= chain_config().response_hours and not overdue:
            self.add(asked_path, "within_deadline")
        if overdue:
            self.add(asked_path, "overdue_now", -1)
        return hours

    def write_event(self, uow: UnitOfWork) -> None:
        """One shard per event of the transfer, so a transfer's events spread over the shards."""
        self.write(uow, f"{self.transfer.transfer_id}#{len(self.transfer.history)}")


# --- Reading ---------------------------------------------------------------------------------


def get(member_id: str, transfer_id: str) -> Transfer:
    try:
        return Transfer.get(keys.member_pk(member_id), keys.transfer_sk(transfer_id), consistent_read=True)
    except Transfer.DoesNotExist as error:
        raise NO_TRANSFER from error


def read(principal: Principal, member_id: str, transfer_id: str) -> Transfer:
    """The member, or an operator above either branch or the organisation asked now."""
    transfer = get(member_id, transfer_id)
    if accounts.is_self(principal, member_id):
        return transfer
    for org_id in (transfer.from_branch_id, transfer.to_branch_id, transfer.step_org_id, transfer.escalated_to):
        if org_id:
            try:
                authorize(principal, "transfer.read", get_org(org_id))
                return transfer
            except ForbiddenError:
                continue
    authorize(principal, "transfer.read", get_org(transfer.from_branch_id))  # raises the usual refusal
    return transfer


def history(principal: Principal, member_id: str) -> list[Transfer]:
    """A member's transfers, oldest first (one query of the member partition)."""
    member = accounts.get_member(member_id)
    if not accounts.is_self(principal, member_id):
        authorize(principal, "member.read", get_org(member.branch_id))
    return [
        t
        for t in Transfer.query(keys.member_pk(member_id), Transfer.sk.startswith(keys.TRANSFER_SK_PREFIX))
        if isinstance(t, Transfer)
    ]


def inbox(principal: Principal, org_id: str, cursor: str | None, limit: int) -> tuple[list[Transfer], str | None]:
    """The steps waiting on an organisation (its own, and those escalated to it), oldest deadline first."""
    authorize(principal, "transfer.read", get_org(org_id))
    return paging.query_page(Transfer.by_gsi1.query, keys.transfer_inbox_pk(org_id), limit=limit, cursor=cursor)


_STATES = ("open", "returned", "completed", "withdrawn")
_FIGURE_FIELDS = (
    *(f"{side}_{state}" for side in ("out", "in") for state in _STATES),
    *(f"h{i}" for i in range(HISTOGRAM_BUCKETS)),
    "responses",
    "within_deadline",
    "late_steps",
    "overdue_now",
    "graduates",
    "graduates_transferred",
)


@dataclass(frozen=True)
class Figures:
    """XFER-2's figures of an organisation's subtree."""

    out_by_state: dict[str, int]
    in_by_state: dict[str, int]
    responses: int
    within_deadline_rate: float | None
    median_hours: int | None  # upper bound of the histogram bucket; -1: beyond the largest bound
    p90_hours: int | None
    late_steps: int
    overdue_now: int
    graduates: int
    graduates_transferred: int
    graduate_completion_rate: float | None


def figures(org_id: str) -> Figures:
    """Sum the shards of one organisation (one Query, whatever the size of its subtree)."""
    totals: Counter[str] = Counter()
    for item in TransferStats.query(keys.transfer_stats_pk(org_id), consistent_read=True):
        if isinstance(item, TransferStats):
            for name in _FIGURE_FIELDS:
                totals[name] += int(getattr(item, name) or 0)
    histogram = [totals[f"h{i}"] for i in range(HISTOGRAM_BUCKETS)]
    graduates = totals["graduates"]
    return Figures(
        out_by_state={state: totals[f"out_{state}"] for state in _STATES},
        in_by_state={state: totals[f"in_{state}"] for state in _STATES},
        responses=totals["responses"],
        within_deadline_rate=totals["within_deadline"] / totals["responses"] if totals["responses"] else None,
        median_hours=percentile_hours(histogram, 0.5),
        p90_hours=percentile_hours(histogram, 0.9),
        late_steps=totals["late_steps"],
        overdue_now=totals["overdue_now"],
        graduates=graduates,
        graduates_transferred=totals["graduates_transferred"],
        graduate_completion_rate=totals["graduates_transferred"] / graduates if graduates else None,
    )


def read_figures(principal: Principal, org_id: str) -> Figures:
    authorize(principal, "transfer.stats", get_org(org_id))
    return figures(org_id)


# --- Starting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """What a transfer asks for: a branch in the province, or a destination outside it (XFER-4)."""

    cause: Cause
    cause_text: str | None = None
    to_branch_id: str | None = None
    destination: Destination | None = None
    destination_name: str | None = None
    letter_number: str | None = None


def academic_year(today: date) -> int:
    """The intake year of the academic year `today` falls in (terms start in September; the
    graduation season from July on belongs to the coming intake)."""
    return today.year if today.month >= 7 else today.year - 1


def check_eligible(member: Member, today: date) -> None:
    """The pre-check (REFERENCE "Transfer"): an approved member in the normal state, no open
    transfer, not in an exit or deletion, dues paid up to last month (DUES_NOT_PAID_UP, naming
    the months). Refusals say why."""
    require_normal(member)
    if member.open_transfer_id:
        raise ConflictError("TRANSFER_ALREADY_OPEN", "该团员已有正在办理的转接申请", None)
    if member.open_exit_id or member.open_deletion_id:
        raise ConflictError("MEMBER_IN_EXIT_FLOW", "该团员正在办理离团或删除，不能转接", None)
    check_dues_paid_up(dues.months_owed(member.member_id, today))


def check_target(source: Org, target: Org, cause: Cause, today: date) -> None:
    """The receiving branch: an active branch other than the member's own (XFER-3), and for
    further study a university's current freshman branch (XFER-6)."""
    if target.org_type != OrgType.BRANCH or target.system:
        raise ValidationError(
            "TARGET_NOT_BRANCH", "转入组织须为团支部（无团组织的，转入居住地社区或村团支部）", "to_branch_id"
        )
    if target.status != orgs.ACTIVE:
        raise ValidationError("TARGET_NOT_ACTIVE", "转入团支部已撤销或合并", "to_branch_id")
    if target.org_id == source.org_id:
        raise ValidationError("TARGET_IS_SOURCE", "转入团支部与现所在团支部相同", "to_branch_id")
    # XFER-6: a graduate going on to study may only join a university's freshman branch once it exists.
    university = target.sector in (Sector.UNIVERSITY, Sector.VOCATIONAL)
    if cause == Cause.FURTHER_STUDY and university and target.entry_year != academic_year(today):
        raise RuleViolation(
            "XFER-6",
            f"升学转入高校的，须转入{academic_year(today)}级新生团支部（新生团支部建立后方可转入）",
            "to_branch_id",
        )


def _resolve(member: Member, request: Request, today: date) -> tuple[Org, Org | None, list[str]]:
    source = get_org(member.branch_id)
    if request.destination is not None:
        if request.to_branch_id:
            raise ValidationError("TARGET_AMBIGUOUS", "转出省外时不能同时选择省内团支部", "to_branch_id")
        if not (request.destination_name or "").strip():
            raise ValidationError("DESTINATION_NAME_REQUIRED", "转往省外的，须填写接收组织名称", "destination_name")
        return source, None, resolve_chain(list(chain_config().steps), path_ids(source.path), None)
    if not request.to_branch_id:
        raise ValidationError("TARGET_REQUIRED", "请选择转入团支部", "to_branch_id")
    target = get_org(request.to_branch_id)
    check_target(source, target, request.cause, today)
    return source, target, resolve_chain(list(chain_config().steps), path_ids(source.path), path_ids(target.path))


def start(
    principal: Principal,
    member_id: str,
    request: Request,
    batch_id: str | None = None,
    extra: Callable[[UnitOfWork, Transfer], None] | None = None,
    proposal: TransferProposal | None = None,
) -> Transfer:
    """XFER-2: the member starts a transfer (also by confirming an organisation's `proposal`),
    or an operator whose subtree holds the member's branch; any other organisation is refused
    (TRANSFER_PROPOSE_ONLY: it may propose instead). Raises ValidationError, RuleViolation,
    ConflictError, ForbiddenError."""
    member = accounts.get_member(member_id)
    if accounts.is_self(principal, member_id):
        actor, started_org = member_actor(principal), None
    else:
        operator = _starting_operator(principal, get_org(member.branch_id))
        actor, started_org = operator.actor, operator.org.org_id
    check_cause(request.cause, request.cause_text)
    today = today_in_china()
    source, target, chain = _resolve(member, request, today)
    check_eligible(member, today)
    return _write_start(actor, started_org, member, source, target, chain, request, batch_id, extra, proposal)


def check_cause(cause: Cause, cause_text: str | None) -> None:
    if cause == Cause.OTHER and not (cause_text or "").strip():
        raise ValidationError("CAUSE_TEXT_REQUIRED", "转接原因为“其他”时须写明原因", "cause_text")


def _starting_operator(principal: Principal, source: Org) -> Acting:
    """An operator at or above the leaving branch. Elsewhere (the receiving side, a sibling, another
    city) an operator may not open a transfer, nor block or count one, for a member it does not hold."""
    try:
        return authorize(principal, "transfer.start", source)
    except ForbiddenError as error:
        if error is OUT_OF_SCOPE:
            raise PROPOSE_ONLY from error
        raise


def _write_start(
    actor: Actor,
    started_org: str | None,
    member: Member,
    source: Org,
    target: Org | None,
    chain: list[str],
    request: Request,
    batch_id: str | None,
    extra: Callable[[UnitOfWork, Transfer], None] | None,
    proposal: TransferProposal | None,
) -> Transfer:
    """The start in one transaction (`extra` adds a batch row's outcome, or the confirmed
    proposal, to it)."""
    now = clock.now()
    transfer_id = clock.new_id("t")
    config = chain_config()
    due = now + timedelta(hours=config.response_hours)
    transfer = Transfer(
        keys.member_pk(member.member_id),
        keys.transfer_sk(transfer_id),
        transfer_id=transfer_id,
        member_id=member.member_id,
        member_name=member.name,
        out_of_province=target is None,
        cause=request.cause.value,
        cause_text=(request.cause_text or "").strip() or None,
        from_branch_id=source.org_id,
        from_branch_name=source.full_name,
        from_path=source.path,
        to_branch_id=target.org_id if target else None,
        to_branch_name=target.full_name if target else None,
        to_path=target.path if target else None,
        destination=request.destination.value if request.destination else None,
        destination_name=(request.destination_name or "").strip() or None,
        letter_number=(request.letter_number or "").strip() or None,
        state=OPEN,
        chain=chain,
        step_index=0,
        graduate=bool(source.graduates_branch) and not member.delayed_graduation,
        batch_id=batch_id,
        started_by=actor.account_id,
        started_org_id=started_org,
        proposal_id=proposal.proposal_id if proposal else None,
        proposed_by_org_id=proposal.org_id if proposal else None,
        requested_at=now,
        history=[],
    )
    if batch_id:
        transfer.gsi2pk, transfer.gsi2sk = keys.transfer_batch_members_pk(batch_id), member.member_id
    uow = UnitOfWork(actor)
    _ask(uow, transfer, chain[0], get_org(chain[0]).path, now, due)
    uow.put(transfer, condition=Transfer.pk.does_not_exist())
    uow.update(
        member,
        [Member.open_transfer_id.set(transfer_id)],
        condition=(Member.state == NORMAL)
        & Member.open_transfer_id.does_not_exist()
        & Member.open_exit_id.does_not_exist()
        & Member.open_deletion_id.does_not_exist(),
        on_fail=ConflictError("TRANSFER_ALREADY_OPEN", "该团员已有正在办理的转接申请", None),
        versioned=False,
    )
    stats = _Stats(transfer)
    stats.state(None, OPEN)
    stats.write_event(uow)
    uow.audit("transfer.start", "MEMBER", member.member_id, source.org_id, after=_snapshot(transfer))
    if extra is not None:
        extra(uow, transfer)
    uow.commit()
    return transfer


def _ask(uow: UnitOfWork, transfer: Transfer, org_id: str, org_path: str, at: datetime, due: datetime) -> None:
    """Point the transfer at the organisation asked next (its inbox, the deadline timer)."""
    transfer.step_org_id, transfer.escalated_to, transfer.step_overdue = org_id, None, False
    transfer.step_asked_at, transfer.step_due_at = at, due
    transfer.gsi1pk = keys.transfer_inbox_pk(org_id)
    transfer.gsi1sk = f"{timers.stamp(due)}#{transfer.transfer_id}"
    transfer.step_path = org_path
    timers.schedule(uow, TIMER_KIND, timer_subject(transfer), due)


def timer_subject(transfer: Transfer) -> str:
    return f"{transfer.member_id}/{transfer.transfer_id}"


def _snapshot(transfer: Transfer) -> dict[str, Any]:
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


# --- Answering a step ------------------------------------------------------------------------


def _for_step(principal: Principal, member_id: str, transfer_id: str, step: int) -> tuple[Transfer, Acting]:
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


APPEAL_PENDING = ConflictError("TRANSFER_APPEAL_PENDING", "该转接申请正在申诉，由上级组织处理申诉", None)


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


def _answer(
    transfer: Transfer, operator: Acting, outcome: str, at: datetime, reason: str | None, stats: _Stats
) -> None:
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


def _save(uow: UnitOfWork, transfer: Transfer, before_state: str, before_step: int) -> None:
    """The transfer as changed, only if nobody changed it since it was read (two approvers on
    one step: exactly one wins)."""
    uow.put(
        transfer,
        condition=(Transfer.state == before_state) & (Transfer.step_index == before_step),
        on_fail=STEP_TAKEN,
    )


def _close_step(transfer: Transfer) -> None:
    transfer.step_org_id = transfer.step_path = transfer.escalated_to = None
    transfer.step_asked_at = transfer.step_due_at = None
    transfer.step_overdue = False
    transfer.gsi1pk = transfer.gsi1sk = None


def approve(
    principal: Principal, member_id: str, transfer_id: str, step: int, letter_number: str | None = None
) -> Transfer:
    """The organisation asked approves its step; the last approval completes the transfer."""
    transfer, operator = _for_step(principal, member_id, transfer_id, step)
    if transfer.state != OPEN:
        raise APPEAL_PENDING
    return _advance(operator, transfer, letter_number)


def _advance(operator: Acting, transfer: Transfer, letter_number: str | None) -> Transfer:
    """Approve the current step (or an appeal granted in its place) and ask the next one."""
    at, before_state, before_step = clock.now(), transfer.state, transfer.step_index
    uow = UnitOfWork(operator.actor)
    stats = _Stats(transfer)
    _answer(transfer, operator, "APPROVED" if before_step != APPEAL_STEP else "APPEAL_GRANTED", at, None, stats)
    next_step = int(transfer.returned_step or 0) + 1 if before_step == APPEAL_STEP else int(before_step) + 1
    if letter_number and letter_number.strip():
        transfer.letter_number = letter_number.strip()
    if next_step < len(transfer.chain):
        transfer.state, transfer.step_index = OPEN, next_step
        org = get_org(str(transfer.chain[next_step]))
        _ask(uow, transfer, org.org_id, org.path, at, at + timedelta(hours=chain_config().response_hours))
        stats.state(before_state, OPEN)
        action = "transfer.approve_step"
    else:
        _complete(uow, transfer, at, stats)
        stats.state(before_state, COMPLETED)
        action = "transfer.complete"
    _save(uow, transfer, before_state, int(before_step))
    stats.write_event(uow)
    uow.audit(
        action,
        "MEMBER",
        transfer.member_id,
        operator.org.org_id,
        before={"state": before_state, "step": before_step},
        after=_snapshot(transfer),
    )
    uow.commit()
    return transfer


def _complete(uow: UnitOfWork, transfer: Transfer, at: datetime, stats: _Stats) -> None:
    """One transaction moves the membership: the member's branch and member list, both
    branches' counts, the card's content (XFER-4: out of the province, to ORG-7's organisation)."""
    if transfer.out_of_province:
        if not transfer.letter_number:
            raise ValidationError("LETTER_NUMBER_REQUIRED", "转出省外须填写纸质介绍信编号", "letter_number")
        target = _system_org(transfer.from_path)
    else:
        target = get_org(transfer.to_branch_id or "")
    member = accounts.get_member(transfer.member_id)
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
        condition=(Org.status == orgs.ACTIVE) & search_index.branch_guard(target),
        on_fail=TARGET_GONE,
        versioned=False,
    )
    timers.cancel(uow, TIMER_KIND, timer_subject(transfer))
    cards.changed(uow, transfer.member_id)
    if transfer.graduate:
        stats.add(transfer.from_path, "graduates_transferred")
    transfer.state, transfer.completed_at = COMPLETED, at
    _close_step(transfer)


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
    transfer, operator = _for_step(principal, member_id, transfer_id, step)
    if transfer.state != OPEN:
        raise APPEAL_PENDING
    check_return_reason(code, reason)
    at, before_step = clock.now(), transfer.step_index
    uow = UnitOfWork(operator.actor)
    stats = _Stats(transfer)
    _answer(transfer, operator, "RETURNED", at, reason, stats)
    transfer.returned_by, transfer.returned_step = transfer.step_org_id, before_step
    transfer.return_code, transfer.return_reason = code.value, reason
    _end(uow, transfer, RETURNED, at, stats)
    _save(uow, transfer, OPEN, int(before_step))
    stats.write_event(uow)
    uow.audit(
        "transfer.return",
        "MEMBER",
        member_id,
        operator.org.org_id,
        before={"state": OPEN},
        after={**_snapshot(transfer), "code": code.value, "reason": reason},
    )
    uow.commit()
    return transfer


def _end(uow: UnitOfWork, transfer: Transfer, state: str, at: datetime, stats: _Stats) -> None:
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
    _close_step(transfer)


def _applicant(principal: Principal, transfer: Transfer) -> Actor:
    """The member, or an operator of the organisation that started it (or above it)."""
    if accounts.is_self(principal, transfer.member_id):
        return member_actor(principal)
    if transfer.started_org_id:
        return authorize(principal, "transfer.start", get_org(transfer.started_org_id)).actor
    raise NOT_APPLICANT


def withdraw(principal: Principal, member_id: str, transfer_id: str, reason: str) -> Transfer:
    """The applicant withdraws a live transfer, with a reason."""
    transfer = get(member_id, transfer_id)
    actor = _applicant(principal, transfer)
    if transfer.state not in LIVE_STATES:
        raise NOT_LIVE
    at, before_state, before_step = clock.now(), transfer.state, transfer.step_index
    uow = UnitOfWork(actor)
    stats = _Stats(transfer)
    if transfer.step_overdue:
        stats.add(transfer.step_path, "overdue_now", -1)
    transfer.withdraw_reason = reason
    _end(uow, transfer, WITHDRAWN, at, stats)
    _save(uow, transfer, before_state, int(before_step))
    stats.write_event(uow)
    uow.audit(
        "transfer.withdraw",
        "MEMBER",
        member_id,
        transfer.from_branch_id,
        before={"state": before_state},
        after={**_snapshot(transfer), "reason": reason},
    )
    uow.commit()
    return transfer


def appeal(principal: Principal, member_id: str, transfer_id: str, reason: str, attachment_key: str | None) -> Transfer:
    """申诉: the applicant appeals a return once, with a reason and an attachment; the
    organisation above the one that returned it decides (with the same deadline)."""
    transfer = get(member_id, transfer_id)
    actor = _applicant(principal, transfer)
    if transfer.state != RETURNED:
        raise ConflictError("TRANSFER_NOT_RETURNED", "只有被退回的转接申请可以申诉", None)
    if transfer.appealed:
        raise ConflictError("TRANSFER_ALREADY_APPEALED", "该退回已申诉过，不能再次申诉", None)
    if attachment_key is not None:
        from zhtj.table import storage

        if not attachment_key.startswith(appeal_upload_prefix(transfer)) or not storage.exists(
            "uploads", attachment_key
        ):
            raise ValidationError("ATTACHMENT_NOT_FOUND", "申诉附件未上传或不属于本申请", "attachment_key")
    returned_by = get_org(transfer.returned_by or "")
    judge = get_org(returned_by.parent_id or returned_by.org_id)
    member = accounts.get_member(member_id)
    check_eligible(member, today_in_china())
    at = clock.now()
    uow = UnitOfWork(actor)
    stats = _Stats(transfer)
    stats.state(RETURNED, APPEALED)
    uow.update(
        member,
        [Member.open_transfer_id.set(transfer_id)],
        condition=(Member.state == NORMAL) & Member.open_transfer_id.does_not_exist(),
        on_fail=ConflictError("TRANSFER_ALREADY_OPEN", "该团员已有正在办理的转接申请", None),
        versioned=False,
    )
    transfer.state, transfer.step_index, transfer.appealed = APPEALED, APPEAL_STEP, True
    transfer.appeal_reason, transfer.appeal_attachment_key, transfer.closed_at = reason, attachment_key, None
    _ask(uow, transfer, judge.org_id, judge.path, at, at + timedelta(hours=chain_config().response_hours))
    _save(uow, transfer, RETURNED, int(transfer.returned_step or 0))
    stats.write_event(uow)
    uow.audit(
        "transfer.appeal",
        "MEMBER",
        member_id,
        judge.org_id,
        before={"state": RETURNED},
        after={**_snapshot(transfer), "reason": reason},
    )
    uow.commit()
    return transfer


def appeal_upload_prefix(transfer: Transfer) -> str:
    return f"transfer-appeals/{transfer.member_id}/{transfer.transfer_id}/"


def appeal_upload(principal: Principal, member_id: str, transfer_id: str, content_type: str) -> tuple[str, str]:
    """A presigned upload for an appeal's attachment: (key, url)."""
    from zhtj.table import storage

    transfer = get(member_id, transfer_id)
    _applicant(principal, transfer)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(content_type)
    if extension is None:
        raise ValidationError("ATTACHMENT_TYPE", "附件只能是PDF、JPEG或PNG", "content_type")
    key = f"{appeal_upload_prefix(transfer)}{clock.new_id('f')}.{extension}"
    return key, storage.upload_url("uploads", key, content_type)


def decide_appeal(principal: Principal, member_id: str, transfer_id: str, grant: bool, reason: str) -> Transfer:
    """The organisation above the returning one grants the appeal (the returned step counts as
    approved and the chain goes on) or upholds the return (final)."""
    transfer = get(member_id, transfer_id)
    if transfer.state != APPEALED:
        _for_step(principal, member_id, transfer_id, int(transfer.step_index))  # the refusal a stranger gets
        raise ConflictError("TRANSFER_NOT_APPEALED", "该转接申请没有待处理的申诉", None)
    transfer, operator = _for_step(principal, member_id, transfer_id, APPEAL_STEP)
    if grant:
        return _advance(operator, transfer, None)
    at = clock.now()
    uow = UnitOfWork(operator.actor)
    stats = _Stats(transfer)
    _answer(transfer, operator, "APPEAL_UPHELD", at, reason, stats)
    _end(uow, transfer, RETURNED, at, stats)
    _save(uow, transfer, APPEALED, APPEAL_STEP)
    stats.write_event(uow)
    uow.audit(
        "transfer.appeal_upheld",
        "MEMBER",
        member_id,
        operator.org.org_id,
        before={"state": APPEALED},
        after={**_snapshot(transfer), "reason": reason},
    )
    uow.commit()
    return transfer


# --- The deadline (XFER-2) -------------------------------------------------------------------


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
    stats = _Stats(transfer)
    if not transfer.step_overdue:
        stats.add(transfer.step_path, "late_steps")
        stats.add(transfer.step_path, "overdue_now")
    transfer.step_overdue, transfer.escalated_to = True, above
    transfer.history = [
        *transfer.history,
        TransferStep(
            step=before_step, org_id=transfer.step_org_id, acted_org_id=above, outcome="ESCALATED", at=at, late=True
        ),
    ]
    due = at + timedelta(hours=chain_config().response_hours)
    transfer.step_due_at = due
    transfer.gsi1pk, transfer.gsi1sk = keys.transfer_inbox_pk(above), f"{timers.stamp(due)}#{transfer.transfer_id}"
    # The timer moves on (same key): the condition on its due time makes a second firing a no-op.
    uow.put(
        timers.build(TIMER_KIND, timer_subject(transfer), due),
        condition=Timer.due_at == timer.due_at,
        on_fail=timers.LOST_RACE,
    )
    _save(uow, transfer, transfer.state, int(before_step))
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
