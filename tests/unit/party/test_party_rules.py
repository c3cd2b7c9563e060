"""PARTY-1's age rule: pure, no AWS."""

from __future__ import annotations

from datetime import date

import pytest

from zhtj.core.errors import RuleViolation
from zhtj.party import rules as party_rules


def test_party_1_eighteen_or_over_on_the_proposal_date() -> None:
    # An 18th birthday counts on the day; the day before, the member is 17
    party_rules.check_age("2008-06-15", date(2026, 6, 15))
    with pytest.raises(RuleViolation) as refused:
        party_rules.check_age("2008-06-15", date(2026, 6, 14))
    assert (refused.value.code, refused.value.field) == ("PARTY-1", "member_id")
    # Born on 29 February: 18 on 1 March of a common year
    assert party_rules.age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert party_rules.age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18
    # No birth date on the record: refused, never assumed
    with pytest.raises(RuleViolation):
        party_rules.check_age(None, date(2026, 6, 15))
