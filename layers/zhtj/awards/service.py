"""Rewards and punishments (奖惩, AWARD-1/AWARD-2): the operations the routes call, gathered from
entries.py (an organisation's entries, batches, releases, the lists) and declarations.py (a
member's own declaration and its review)."""

from __future__ import annotations

from zhtj.awards.declarations import (
    ALREADY_DECIDED,
    DECLARATION_NOT_FOUND,
    approve,
    declarations_for,
    declare,
    return_declaration,
)
from zhtj.awards.entries import (
    AWARD_CHANGED,
    AWARD_NOT_FOUND,
    NOT_GRANTING_ORG,
    AwardEntry,
    BatchOutcome,
    declaration_upload,
    enter,
    enter_batch,
    entered_by,
    get_award,
    member_awards,
    org_upload,
    release,
)

__all__ = [
    "ALREADY_DECIDED",
    "AWARD_CHANGED",
    "AWARD_NOT_FOUND",
    "DECLARATION_NOT_FOUND",
    "NOT_GRANTING_ORG",
    "AwardEntry",
    "BatchOutcome",
    "approve",
    "declaration_upload",
    "declarations_for",
    "declare",
    "enter",
    "enter_batch",
    "entered_by",
    "get_award",
    "member_awards",
    "org_upload",
    "release",
    "return_declaration",
]
