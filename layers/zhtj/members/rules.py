"""Rules of a member's record: the membership states and their names. Pure: no I/O.

Membership states (REFERENCE "How the real system behaves"): NORMAL; for every way of leaving
(EXIT-1/EXIT-2, changes.rules.ExitKind) a pending state `<kind>_PENDING` while the upper
organisation decides and a done state `<kind>`; DELETED once the province approved a deletion
(DEL-1). A member in a done state or DELETED keeps the record (never deleted) but is off the
branch's member list.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class MemberState(StrEnum):
    """A member's states (Member.state)."""

    NORMAL = "NORMAL"  # 正常
    VOLUNTARY_PENDING = "VOLUNTARY_PENDING"  # 自愿退团待审批
    LAPSED_PENDING = "LAPSED_PENDING"  # 自行脱团待审批
    EXPELLED_PENDING = "EXPELLED_PENDING"  # 开除团籍待审批
    AGED_OUT_PENDING = "AGED_OUT_PENDING"  # 满28周岁离团待审批
    VOLUNTARY = "VOLUNTARY"  # 自愿退团
    LAPSED = "LAPSED"  # 自行脱团
    EXPELLED = "EXPELLED"  # 开除团籍
    AGED_OUT = "AGED_OUT"  # 满28周岁离团
    DELETED = "DELETED"  # 已删除


# The ways of leaving, each a done state (EXIT-1/EXIT-2), with their names.
LEFT_NAMES: Final[dict[str, str]] = {
    MemberState.VOLUNTARY: "自愿退团",
    MemberState.LAPSED: "自行脱团",
    MemberState.EXPELLED: "开除团籍",
    MemberState.AGED_OUT: "满28周岁离团",
}
# Off the member list for good: a way of leaving done, or deleted.
FINAL_STATES: Final[frozenset[str]] = frozenset({*LEFT_NAMES, MemberState.DELETED})


def pending_state(left: str) -> MemberState:
    """The state while the upper organisation decides a way of leaving (`<kind>_PENDING`)."""
    return MemberState(f"{left}_PENDING")


STATE_NAMES: Final[dict[str, str]] = {
    MemberState.NORMAL: "正常",
    MemberState.DELETED: "已删除",
    **LEFT_NAMES,
    **{pending_state(state): f"{name}待审批" for state, name in LEFT_NAMES.items()},
}
