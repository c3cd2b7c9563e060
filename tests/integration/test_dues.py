"""League dues through the logic layer and the routes: DUES-1..4 (orders, payments, ledger)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support import World
from zhtj.dal import keys
from zhtj.dal.models import Member
from zhtj.errors import NotFoundError
from zhtj.logic import dues


def set_member(member_id: str, **fields: object) -> None:
    member = Member.get(keys.member_pk(member_id), keys.META)
    for name, value in fields.items():
        setattr(member, name, value)
    member.save()


def test_dues_1_months_owed_reads_the_member_and_paid_months(world: World) -> None:
    member_id = world.members["huajing"][0]
    set_member(member_id, join_month="2024-11")
    assert dues.months_owed(member_id, date(2025, 2, 3)) == ["2024-11", "2024-12", "2025-01"]
    with pytest.raises(NotFoundError):
        dues.months_owed("m-nobody", date(2025, 2, 3))
