"""Rules of the changes to a member after approval (EDIT-1..4, DEL-1, EXIT-1..2): the ways of
leaving, the causes of a deletion, and the states of edit, deletion and exit requests. Pure: no I/O.

ExitKind and DeletionCause are also the API's (chalicelib.changes.schemas imports them): their names and
docstrings are part of the OpenAPI document.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from zhtj.members.rules import MemberState, pending_state


class ExitKind(StrEnum):
    """EXIT-1/EXIT-2: the ways of leaving the league; each is also the member's final state
    (and `<kind>_PENDING` the state while the upper organisation decides)."""

    VOLUNTARY = "VOLUNTARY"  # 自愿退团
    LAPSED = "LAPSED"  # 自行脱团
    EXPELLED = "EXPELLED"  # 开除团籍
    AGED_OUT = "AGED_OUT"  # 满28周岁离团


class DeletionCause(StrEnum):
    """DEL-1: why a member is to be deleted."""

    OTHER = "OTHER"
    WRONG_APPROVAL = "WRONG_APPROVAL"  # 团支部误审核通过: needs a written explanation


def left_state(kind: ExitKind) -> MemberState:
    """The member's state once an exit of this kind is approved."""
    return MemberState(kind.value)


def exit_pending_state(kind: ExitKind) -> MemberState:
    """The member's state while the upper organisation decides an exit of this kind."""
    return pending_state(kind.value)


class ExitState(StrEnum):
    """An exit application's states (EXIT-1/EXIT-2)."""

    PENDING = "PENDING"  # 待上级审批
    APPROVED = "APPROVED"
    RETURNED = "RETURNED"


class DeletionState(StrEnum):
    """A deletion request's states (DEL-1): REQUESTED → FORWARDED → APPROVED; an open one may be
    RETURNED."""

    REQUESTED = "REQUESTED"  # 团支部已申请
    FORWARDED = "FORWARDED"  # 市级团委已核定上报
    APPROVED = "APPROVED"  # 已删除
    RETURNED = "RETURNED"  # 退回


OPEN_DELETION_STATES: Final = (DeletionState.REQUESTED, DeletionState.FORWARDED)


class EditRoute(StrEnum):
    """Who decides an edit request: the branch (EDIT-2, EDIT-4 inside a window), or the province
    on the city-level committee's application (EDIT-4 outside a window)."""

    BRANCH_REVIEW = "BRANCH_REVIEW"
    PROVINCE_APPLICATION = "PROVINCE_APPLICATION"


class EditState(StrEnum):
    """An edit request's states, per route; the open ones are also the member's edit_state."""

    EDIT_PENDING = "EDIT_PENDING"  # 修改待审核
    EDIT_RETURNED = "EDIT_RETURNED"  # 修改被退回
    EDIT_APPROVED = "EDIT_APPROVED"
    APPLICATION_PENDING = "APPLICATION_PENDING"  # 市级团委已申请，待团省委审批
    APPLICATION_RETURNED = "APPLICATION_RETURNED"
    APPLICATION_APPROVED = "APPLICATION_APPROVED"


# Per route: the open state, then where approval and return lead.
EDIT_STATES: Final = {
    EditRoute.BRANCH_REVIEW: (EditState.EDIT_PENDING, EditState.EDIT_APPROVED, EditState.EDIT_RETURNED),
    EditRoute.PROVINCE_APPLICATION: (
        EditState.APPLICATION_PENDING,
        EditState.APPLICATION_APPROVED,
        EditState.APPLICATION_RETURNED,
    ),
}
