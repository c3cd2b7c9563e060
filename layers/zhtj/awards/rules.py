"""Rules of rewards and punishments (奖惩, AWARD-1/AWARD-2) and of the annual records the card
shows: annual registration (年度团籍注册), education evaluation (教育评议), volunteer hours.
Pure: no I/O. The logic layer (awards/service.py, annual/service.py) applies them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from zhtj.core.errors import RuleViolation, ValidationError
from zhtj.timers.workdays import WorkdayCalendar

# AWARD-2: an entry is due within 20 working days of the issuing document's date.
ENTRY_WORKDAYS = 20
# A batch entry (one document naming many members) is at most this many members.
MAX_BATCH = 200
# Education evaluation (教育评议): 优秀 at most 30 % of the branch's evaluated members.
EXCELLENT_PERCENT = 30
# Party members who keep league membership (GB/T 4762: 01 中共党员, 02 中共预备党员) register
# every year but are not evaluated.
PARTY_STATUSES = frozenset({"01", "02"})


class AwardKind(StrEnum):
    REWARD = "REWARD"
    PUNISHMENT = "PUNISHMENT"


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


def check_document(document_date: date, today: date) -> None:
    """An issuing document cannot be dated in the future. Raises ValidationError."""
    if document_date > today:
        raise ValidationError("DOCUMENT_DATE_FUTURE", "发文日期不能晚于今天", "document_date")


def check_punishment(kind: AwardKind, start: date | None, release: date | None) -> None:
    """A punishment has a start date (its release date, if known, comes after it); a reward has
    neither. Raises ValidationError."""
    if kind == AwardKind.REWARD:
        if start is not None or release is not None:
            raise ValidationError("REWARD_HAS_TERM", "奖励不填写处分起止日期", "starts_on")
        return
    if start is None:
        raise ValidationError("PUNISHMENT_START", "处分须填写开始日期", "starts_on")
    if release is not None and release <= start:
        raise ValidationError("PUNISHMENT_RELEASE", "处分解除日期须晚于开始日期", "released_on")


def in_force(kind: AwardKind, release: date | None, today: date) -> bool:
    """A punishment is in force until its release date; a reward is always shown as chosen."""
    return kind == AwardKind.PUNISHMENT and (release is None or release > today)


def entry_deadline(calendar: WorkdayCalendar, document_date: date) -> date:
    """AWARD-2: the last China date an entry counts as on time (20 working days after the
    document's date, the document's own day not counted)."""
    return calendar.add_workdays(document_date, ENTRY_WORKDAYS)


def is_late(calendar: WorkdayCalendar, document_date: date, entered_on: date) -> bool:
    """AWARD-2: entered after the deadline. A late entry is accepted and flagged (a
    compliance finding), never refused."""
    return entered_on > entry_deadline(calendar, document_date)


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
