"""Rules of membership transfers (组织关系转接, XFER-1..6): the states of a transfer, of its steps,
of a batch's rows, of a proposal and of an arrival; causes, return reasons, the approval chain
as data, destinations outside the province, the file check of XFER-5, and the response time
figures of XFER-2. Pure: no AWS, no clock."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import msgspec

from zhtj.core.errors import ConflictError, RuleViolation, ValidationError
from zhtj.registration.rules import NUMBERED_ERA, check_development_number

# XFER-2: every organisation in the chain answers within this many hours (data, not law:
# the province may change it with the chain).
RESPONSE_HOURS = 72

# XFER-2: an organisation outside the member's subtree (the receiving side) only proposes a
# transfer; the member confirms or declines it within this many days, after which it lapses.
# A week: long enough for a member who checks the H5 page now and then, short enough that a
# forgotten proposal does not sit beside the member's own plans.
PROPOSAL_DAYS = 7
# A decided or lapsed proposal stays readable this long (the proposer sees the outcome), then
# goes by TTL; the audit trail keeps every step for good.
PROPOSAL_KEPT_DAYS = 30


class TransferState(StrEnum):
    """Where a transfer stands (stored in Transfer.state)."""

    OPEN = "OPEN"  # a step of the chain waits on an organisation
    APPEALED = "APPEALED"  # an appeal waits on the organisation above the one that returned it
    RETURNED = "RETURNED"
    COMPLETED = "COMPLETED"
    WITHDRAWN = "WITHDRAWN"


# A live transfer waits on an organisation (its step or an appeal): the member may start no other.
LIVE_STATES = frozenset({TransferState.OPEN, TransferState.APPEALED})
STATE_NAMES = {
    TransferState.OPEN: "审批中",
    TransferState.APPEALED: "申诉中",
    TransferState.RETURNED: "已退回",
    TransferState.COMPLETED: "已完成",
    TransferState.WITHDRAWN: "已撤回",
}
# The step index of a transfer while its appeal waits (the chain's steps count from 0).
APPEAL_STEP = -1


class StepOutcome(StrEnum):
    """How a step of the chain ended (TransferStep.outcome in a transfer's history)."""

    APPROVED = "APPROVED"
    RETURNED = "RETURNED"
    ESCALATED = "ESCALATED"  # the deadline passed: the organisation above may act in its place
    APPEAL_GRANTED = "APPEAL_GRANTED"  # the returned step counts as approved; the chain goes on
    APPEAL_UPHELD = "APPEAL_UPHELD"  # the return stands (final)


class BatchRowOutcome(StrEnum):
    """What became of one member of a batch (XFER-6, TransferBatchRow.outcome)."""

    QUEUED = "QUEUED"
    STARTED = "STARTED"
    REFUSED = "REFUSED"


class BatchApproval(StrEnum):
    """The batch approval of one member's transfer (TransferBatchRow.approval; None: not asked)."""

    APPROVED = "APPROVED"
    REFUSED = "REFUSED"


class ProposalState(StrEnum):
    """A transfer proposal (XFER-2) as stored, and as read: EXPIRED is never stored (a PROPOSED
    proposal past its valid_until)."""

    PROPOSED = "PROPOSED"
    CONFIRMED = "CONFIRMED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"


class IncomingState(StrEnum):
    """A member coming from outside the province (XFER-5): accepted, then registered within the
    window, or late."""

    ACCEPTED = "ACCEPTED"
    REGISTERED = "REGISTERED"
    LATE = "LATE"


class Cause(StrEnum):
    EMPLOYMENT = "EMPLOYMENT"  # 就业/工作变动
    FURTHER_STUDY = "FURTHER_STUDY"  # 升学
    OTHER = "OTHER"  # 其他 (with text)


CAUSE_NAMES = {Cause.EMPLOYMENT: "就业或工作变动", Cause.FURTHER_STUDY: "升学", Cause.OTHER: "其他"}


def check_cause(cause: Cause, cause_text: str | None) -> None:
    """ "Other" needs its text: raises ValidationError CAUSE_TEXT_REQUIRED."""
    if cause == Cause.OTHER and not (cause_text or "").strip():
        raise ValidationError("CAUSE_TEXT_REQUIRED", "转接原因为“其他”时须写明原因", "cause_text")


def academic_year(today: date) -> int:
    """The intake year of the academic year `today` falls in (terms start in September; the
    graduation season from July on belongs to the coming intake)."""
    return today.year if today.month >= 7 else today.year - 1


class ReturnCode(StrEnum):
    """Grounds on which an organisation in the chain may return a transfer.

    XFER-1: within the province no paper letter may be demanded and a missing paper file is
    no ground to return — so no code offers either, and free text cannot stand alone."""

    WRONG_TARGET = "WRONG_TARGET"  # 转入组织选择有误
    NOT_OUR_MEMBER = "NOT_OUR_MEMBER"  # 不是本组织团员
    INFORMATION_WRONG = "INFORMATION_WRONG"  # 团员信息有误，需先修改
    NOT_STUDYING_OR_WORKING_HERE = "NOT_STUDYING_OR_WORKING_HERE"  # 不在本单位学习或工作
    DUPLICATE = "DUPLICATE"  # 重复申请
    OTHER = "OTHER"  # 其他（须写明理由）


RETURN_CODE_NAMES = {
    ReturnCode.WRONG_TARGET: "转入组织选择有误",
    ReturnCode.NOT_OUR_MEMBER: "不是本组织团员",
    ReturnCode.INFORMATION_WRONG: "团员信息有误，需先修改",
    ReturnCode.NOT_STUDYING_OR_WORKING_HERE: "不在本单位学习或工作",
    ReturnCode.DUPLICATE: "重复申请",
    ReturnCode.OTHER: "其他",
}

# XFER-1: words that make a free-text return reason a demand for paper. Refused, so that the
# "other" code cannot smuggle the forbidden ground back in.
PAPER_WORDS = ("介绍信", "纸质", "档案", "团员证原件", "纸质材料")


def check_dues_paid_up(owed: list[str]) -> None:
    """REFERENCE "Graduation": dues must be paid up before a transfer. `owed` is the run of
    months ("YYYY-MM", oldest first, consecutive) still unpaid; raises ConflictError
    DUES_NOT_PAID_UP naming them."""
    if not owed:
        return
    first, last = (_month_name(m) for m in (owed[0], owed[-1]))
    months = first if len(owed) == 1 else f"{first}至{last}"
    raise ConflictError("DUES_NOT_PAID_UP", f"转接前须交清团费：尚欠{len(owed)}个月（{months}）", "member_id")


def _month_name(month: str) -> str:
    year, number = month.split("-")
    return f"{year}年{int(number)}月"


def check_return_reason(code: ReturnCode, reason: str) -> None:
    """Raises RuleViolation XFER-1 for a paper ground, ValidationError for a missing reason."""
    if any(word in reason for word in PAPER_WORDS):
        raise RuleViolation("XFER-1", "省内转接全程网上办理，不得以缺少纸质介绍信或档案为由退回", "reason")
    if code == ReturnCode.OTHER and len(reason.strip()) < 2:
        raise ValidationError("REASON_REQUIRED", "选择“其他”时须写明退回理由", "reason")


class Destination(StrEnum):
    """XFER-4: where a member goes when leaving the province's jurisdiction."""

    OTHER_PROVINCE = "OTHER_PROVINCE"  # 外省（区、市）
    CENTRAL_ORGANS = "CENTRAL_ORGANS"  # 中央和国家机关
    FINANCE = "FINANCE"  # 全国金融系统
    RAILWAY = "RAILWAY"  # 全国铁道系统
    CIVIL_AVIATION = "CIVIL_AVIATION"  # 全国民航系统
    ARMY = "ARMY"  # 军队和武警部队


DESTINATION_NAMES = {
    Destination.OTHER_PROVINCE: "外省（区、市）",
    Destination.CENTRAL_ORGANS: "中央和国家机关",
    Destination.FINANCE: "全国金融系统",
    Destination.RAILWAY: "全国铁道系统",
    Destination.CIVIL_AVIATION: "全国民航系统",
    Destination.ARMY: "军队和武警部队",
}


class Side(StrEnum):
    FROM = "FROM"  # the leaving branch's side
    TO = "TO"  # the receiving branch's side


class ChainStep(msgspec.Struct, frozen=True):
    """One approver of the chain: the branch on one side (up = 0) or its ancestor `up` levels higher."""

    side: Side
    up: int

    def label(self) -> str:
        where = "转出" if self.side == Side.FROM else "转入"
        return f"{where}团支部" if self.up == 0 else f"{where}团支部的上{self.up}级组织"


# The real system asks four approvers in a row (REFERENCE "Transfer"). Stored per province as
# data (transfers/chain.py), this is the default until the province sets its own.
DEFAULT_CHAIN = (ChainStep(Side.FROM, 0), ChainStep(Side.FROM, 1), ChainStep(Side.TO, 0), ChainStep(Side.TO, 1))
MAX_CHAIN_STEPS = 8


def check_chain(steps: list[ChainStep]) -> None:
    """A chain has 1-8 distinct steps, starts on the leaving side, and ends on the receiving side."""
    if not 1 <= len(steps) <= MAX_CHAIN_STEPS:
        raise ValidationError("CHAIN_LENGTH", f"审批环节应为1至{MAX_CHAIN_STEPS}个", "steps")
    if len(set(steps)) != len(steps):
        raise ValidationError("CHAIN_DUPLICATE", "审批环节不能重复", "steps")
    if any(s.up < 0 or s.up > 3 for s in steps):
        raise ValidationError("CHAIN_LEVEL", "审批组织最多为团支部的上3级组织", "steps")
    if not any(s.side == Side.FROM for s in steps) or not any(s.side == Side.TO for s in steps):
        raise ValidationError("CHAIN_SIDES", "转出方和转入方都须至少有一个审批环节", "steps")
    sides = [s.side for s in steps]
    if sides != sorted(sides, key=lambda s: 0 if s == Side.FROM else 1):
        raise ValidationError("CHAIN_ORDER", "须先由转出方审批，再由转入方审批", "steps")


def resolve_chain(steps: list[ChainStep], from_lineage: list[str], to_lineage: list[str] | None) -> list[str]:
    """The organisations that approve, in order: lineages are root-first org ids ending with the
    branch. A step above the top of a lineage is the top (the province); consecutive repeats
    (a level that is the same organisation on both sides) collapse into one. Out of the province
    (to_lineage None) only the leaving side approves (XFER-4)."""
    resolved: list[str] = []
    for step in steps:
        lineage = from_lineage if step.side == Side.FROM else to_lineage
        if lineage is None:
            continue
        org_id = lineage[max(0, len(lineage) - 1 - step.up)]
        if not resolved or resolved[-1] != org_id:
            resolved.append(org_id)
    return resolved


def check_incoming_file(admitted_on: date, development_number: str | None) -> str | None:
    """XFER-5: the receiving organisation checks the member's file before accepting: joined
    2017 or later needs a Central Committee development number. Returns the number normalized;
    raises RuleViolation XFER-5 (none) or ValidationError (malformed)."""
    if admitted_on >= NUMBERED_ERA and not (development_number or "").strip():
        raise RuleViolation(
            "XFER-5", "2017年及以后入团的，须有团中央统一编制的发展团员编号，不能接收", "development_number"
        )
    return check_development_number(development_number, admitted_on)


# --- XFER-2: response times ------------------------------------------------------------------

# Upper bounds (hours) of the response-time histogram kept per organisation; the last bucket is open.
HISTOGRAM_HOURS = (1, 4, 8, 24, 48, 72, 120, 168, 336)
HISTOGRAM_BUCKETS = len(HISTOGRAM_HOURS) + 1


def bucket_of(hours: float) -> int:
    for index, bound in enumerate(HISTOGRAM_HOURS):
        if hours <= bound:
            return index
    return len(HISTOGRAM_HOURS)


def percentile_hours(histogram: list[int], share: float) -> int | None:
    """The upper bound (hours) of the bucket holding the given share of responses; None if no
    response yet, -1 for the open last bucket (more than the largest bound)."""
    total = sum(histogram)
    if total == 0:
        return None
    running = 0
    for index, count in enumerate(histogram):
        running += count
        if running >= share * total:
            return HISTOGRAM_HOURS[index] if index < len(HISTOGRAM_HOURS) else -1
    return -1
