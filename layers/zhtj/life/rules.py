"""Rules of organisation life (组织生活, LIFE-1): its kinds, quarters and limits. Pure: no I/O.
life/service.py applies them; the statistics count meetings by the quarter they were held in
(zhtj.stats.rules), and the daily sweep flags a branch with none in the last finished quarter
(zhtj.sweeps.service)."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from zhtj.core.errors import ValidationError

# Photos of one meeting: at most this many, JPEG or PNG, each at most MAX_PHOTO_BYTES.
MAX_PHOTOS = 9
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg": "jpg", "image/png": "png"}
# Attendees of one meeting (members of the branch, present or absent).
MAX_ATTENDEES = 300
# A meeting is recorded at most this long after it was held (a late entry still counts for its
# quarter: the next sweep clears the finding it had raised).
MAX_AGE_DAYS = 366
# The statistics' per-quarter counter (`life_2026Q3`) and its per-kind split (`life_2026Q3_LECTURE`).
COUNTER_PREFIX = "life_"


class MeetingKind(StrEnum):
    """三会两制一课: the meetings and the lecture a branch records."""

    BRANCH_ASSEMBLY = "BRANCH_ASSEMBLY"  # 支部大会
    BRANCH_COMMITTEE = "BRANCH_COMMITTEE"  # 支部委员会
    GROUP_MEETING = "GROUP_MEETING"  # 团小组会
    LECTURE = "LECTURE"  # 团课


KIND_NAMES = {
    MeetingKind.BRANCH_ASSEMBLY: "支部大会",
    MeetingKind.BRANCH_COMMITTEE: "支部委员会",
    MeetingKind.GROUP_MEETING: "团小组会",
    MeetingKind.LECTURE: "团课",
}


def quarter_of(day: date) -> str:
    """The quarter a China date falls in: 2026-08-15 -> "2026Q3"."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def last_finished_quarter(today: date) -> tuple[str, date, date]:
    """The quarter before today's: (label, first day, last day)."""
    end = quarter_start(today) - timedelta(days=1)
    return quarter_of(end), quarter_start(end), end


def quarter_field(quarter: str) -> str:
    return f"{COUNTER_PREFIX}{quarter}"


def check_held_on(held_on: date, today: date) -> None:
    """A meeting is recorded once held (never in the future), within a year. Raises ValidationError."""
    if held_on > today:
        raise ValidationError("LIFE_DATE_FUTURE", "组织生活的日期不能晚于今天", "held_on")
    if (today - held_on).days > MAX_AGE_DAYS:
        raise ValidationError("LIFE_DATE_TOO_OLD", "只能登记一年内开展的组织生活", "held_on")
