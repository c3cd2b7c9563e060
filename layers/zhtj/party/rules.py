"""Rules of recommending outstanding members to the Party (推优入党, PARTY-1). Pure: no I/O."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from zhtj.core.errors import RuleViolation

# PARTY-1: a member is recommended at 18 or over, counted on the proposal date.
MIN_AGE = 18


class RecommendationState(StrEnum):
    PROPOSED = "PROPOSED"  # 支部推荐，待上级团委审批
    APPROVED = "APPROVED"  # 上级团委同意推荐
    RETURNED = "RETURNED"  # 退回 (the branch may propose again)


def age_on(birth: date, day: date) -> int:
    """Full years of age on `day` (born 29 February: a year is full on 1 March in common years)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_age(birth_date: str | None, proposed_on: date) -> None:
    """PARTY-1: 18 or over on the proposal date, by the birth date of the member's record.
    Raises RuleViolation."""
    if birth_date is None:
        raise RuleViolation("PARTY-1", "团员档案中没有出生日期，无法确认已年满18周岁", "member_id")
    if age_on(date.fromisoformat(birth_date), proposed_on) < MIN_AGE:
        raise RuleViolation("PARTY-1", "推优入党的团员须年满18周岁", "member_id")
