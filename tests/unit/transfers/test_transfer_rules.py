"""Pure rules of transfers: the dues pre-check's refusal (REFERENCE "Graduation": dues paid up
before a transfer), and the states' stored values."""

from __future__ import annotations

import pytest

from zhtj.core.errors import ConflictError
from zhtj.transfers.rules import (
    LIVE_STATES,
    BatchApproval,
    BatchRowOutcome,
    IncomingState,
    ProposalState,
    StepOutcome,
    TransferState,
    check_dues_paid_up,
)


def test_dues_paid_up_before_a_transfer_is_refused_by_its_own_code_naming_the_months() -> None:
    # Given a member paid up; When the pre-check runs; Then nothing is refused
    check_dues_paid_up([])
    # Given one month owed, then a run of months across a year's end; When the pre-check runs
    for owed, months in (
        (["2026-10"], "2026年10月"),
        (["2025-11", "2025-12", "2026-01"], "2025年11月至2026年1月"),
    ):
        with pytest.raises(ConflictError) as refused:
            check_dues_paid_up(owed)
        # Then the refusal is DUES_NOT_PAID_UP (not XFER-2, the rule of who starts), names the
        # months owed, and points at the member
        assert (refused.value.code, refused.value.field) == ("DUES_NOT_PAID_UP", "member_id")
        assert refused.value.message == f"转接前须交清团费：尚欠{len(owed)}个月（{months}）"


def test_states_are_stored_as_the_same_words_as_before_the_enums() -> None:
    # Given the states as StrEnums; When their values are read, Then they are the words already
    # stored in the table (no data migration), and each compares equal to its plain word
    assert [s.value for s in TransferState] == ["OPEN", "APPEALED", "RETURNED", "COMPLETED", "WITHDRAWN"]
    assert [s.value for s in StepOutcome] == ["APPROVED", "RETURNED", "ESCALATED", "APPEAL_GRANTED", "APPEAL_UPHELD"]
    assert [s.value for s in BatchRowOutcome] == ["QUEUED", "STARTED", "REFUSED"]
    assert [s.value for s in BatchApproval] == ["APPROVED", "REFUSED"]
    assert [s.value for s in ProposalState] == ["PROPOSED", "CONFIRMED", "DECLINED", "EXPIRED"]
    assert [s.value for s in IncomingState] == ["ACCEPTED", "REGISTERED", "LATE"]
    assert TransferState.OPEN == "OPEN" and f"{IncomingState.ACCEPTED}#" == "ACCEPTED#"
    # Then a transfer is live while a step or an appeal waits, read back as a plain string too
    assert {"OPEN", "APPEALED"} == LIVE_STATES and "RETURNED" not in LIVE_STATES
