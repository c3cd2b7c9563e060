"""Rules of the annual records the member card shows (CARD-1): annual registration (年度团籍注册),
education evaluation (教育评议) and volunteer hours, and an evaluation proposal's states.
Pure: no I/O. annual/service.py applies them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from zhtj.core.errors import RuleViolation, ValidationError

# Education evaluation (教育评议): 优秀 at most 30 % of the branch's evaluated members.
EXCELLENT_PERCENT = 30
# Party members who keep league membership (GB/T 4762: 01 中共党员, 02 中共预备党员) register
# every year but are not evaluated.
PARTY_STATUSES = frozenset({"01", "02"})


class ProposalState(StrEnum):
    """A branch's evaluation proposal (EvaluationProposal.state)."""

    PROPOSED = "PROPOSED"  # 待上级认定
    CERTIFIED = "CERTIFIED"  # 已认定: the grades are on the members' records
    RETURNED = "RETURNED"  # 退回: the branch proposes again


class Grade(StrEnum):
    """教育评议 grades, stored as the Chinese word the card prints."""

    EXCELLENT = "优秀"
    QUALIFIED = "合格"
    BASICALLY_QUALIFIED = "基本合格"
    UNQUALIFIED = "不合格"


class AnnualResult(StrEnum):
    """年度团籍注册 results, stored as the word the card prints."""

    REGISTERED = "已注册"
    DEFERRED = "暂缓注册"
    REFUSED = "不予注册"


def check_year(year: int, today: date) -> None:
    """Annual records are kept for a year that has begun, and from 2000 on. Raises ValidationError."""
    if not 2000 <= year <= today.year:
        raise ValidationError("YEAR_OUT_OF_RANGE", f"年度应在2000年至{today.year}年之间", "year")


def evaluated(political_status: str | None) -> bool:
    """Party members who keep league membership are not evaluated (they still register)."""
    return political_status not in PARTY_STATUSES


def check_evaluation(grades: Mapping[str, Grade], expected: set[str], party: set[str]) -> None:
    """A branch's proposal (教育评议): every member to be evaluated graded exactly once, no party
    member graded, and 优秀 at most 30 % of those evaluated. Raises ValidationError or
    RuleViolation."""
    graded_party = sorted(set(grades) & party)
    if graded_party:
        raise RuleViolation("EVAL_PARTY_MEMBER", "保留团籍的党员只注册、不参加教育评议", "grades")
    unknown = sorted(set(grades) - expected)
    if unknown:
        raise ValidationError("EVAL_NOT_IN_BRANCH", f"{len(unknown)} 名人员不是本支部参加评议的团员", "grades")
    missing = expected - set(grades)
    if missing:
        raise ValidationError(
            "EVAL_INCOMPLETE", f"还有 {len(missing)} 名团员未评定，须为全体团员一并提出评议", "grades"
        )
    excellent = sum(1 for grade in grades.values() if grade == Grade.EXCELLENT)
    cap = len(expected) * EXCELLENT_PERCENT // 100
    if excellent > cap:
        raise RuleViolation(
            "EVAL_EXCELLENT_CAP",
            f"评为“优秀”的团员不得超过参加评议人数的30%"
            f"（本支部 {len(expected)} 人，至多 {cap} 人，现为 {excellent} 人）",
            "grades",
        )


def check_tenths(tenths: int) -> None:
    """Volunteer service of one activity: 0.1 to 24 hours a record. Raises ValidationError."""
    if not 1 <= tenths <= 240:
        raise ValidationError("VOLUNTEER_HOURS", "单次志愿服务时长应在0.1至24小时之间", "tenths_of_hours")
