"""Rules of rewards and punishments (奖惩, AWARD-1/AWARD-2) and a declaration's states.
Pure: no I/O. awards/service.py applies them; the annual records' rules are annual/rules.py.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from zhtj.core.errors import ValidationError
from zhtj.timers.workdays import WorkdayCalendar

# AWARD-2: an entry is due within 20 working days of the issuing document's date.
ENTRY_WORKDAYS = 20
# A batch entry (one document naming many members) is at most this many members.
MAX_BATCH = 200


class AwardKind(StrEnum):
    REWARD = "REWARD"
    PUNISHMENT = "PUNISHMENT"


class DeclarationState(StrEnum):
    """A member's declaration of an award (AwardDeclaration.state)."""

    PENDING = "PENDING"  # 待审核
    APPROVED = "APPROVED"  # the award is on the record
    RETURNED = "RETURNED"  # 退回


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
