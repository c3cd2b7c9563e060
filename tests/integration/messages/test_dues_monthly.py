"""MSG-1's monthly dues reminder: on its schedule, every member who owes dues is told, once per
(member, month), walking the organisation tree's index page by page (never a table scan); the
members paid up are not told. Each test reads Given / When / Then."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.support import World, drain, pay_dues
from tests.support.deadlines import at
from tests.support.http import member_headers
from tests.support.messages import NOON, deliver, of_kind, owe_dues
from tests.support.messages import settled as settled  # a fixture
from zhtj.core import clock
from zhtj.messages.rules import Kind
from zhtj.reminders import monthly


def run_month(client: Any, monkeypatch: pytest.MonkeyPatch, day: date | None = None) -> int:
    """The schedule for the month of `day` (this month), its pages worked, the notices delivered."""
    with monkeypatch.context() as patched:
        if day is not None:
            at(patched, NOON.replace(year=day.year, month=day.month, day=day.day))
        partitions = monthly.start(day)
        drain(client, "reminders")
    deliver(client, monkeypatch, NOON if day is None else NOON.replace(year=day.year, month=day.month, day=day.day))
    return partitions


def test_msg_1_the_monthly_dues_reminder_tells_each_member_who_owes_once_a_month(
    client: Any, settled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two members of 华景 who owe dues, one paid up, and one of 莲花 who owes
    world = settled
    owing, other, paid_up = world.members["huajing"]
    owe_dues(owing)
    owe_dues(other)
    pay_dues(paid_up)
    elsewhere = world.members["lianhua"][0]
    owe_dues(elsewhere)
    # When the month's reminder runs, and runs again the same month (a second schedule, redelivery)
    with monkeypatch.context() as small_pages:
        small_pages.setattr(monthly, "BRANCHES_PER_PAGE", 1)  # many pages: each queues the next
        assert run_month(client, monkeypatch) >= 1
        run_month(client, monkeypatch)
    # Then each member who owes is told once, with their branch and how many months
    [reminder] = of_kind(client, member_headers(world, owing), Kind.DUES_REMINDER)
    assert "华景" in reminder["text"] and "个月的团费未交" in reminder["text"]
    assert len(of_kind(client, member_headers(world, other), Kind.DUES_REMINDER)) == 1
    assert len(of_kind(client, member_headers(world, elsewhere), Kind.DUES_REMINDER)) == 1
    # And the member paid up is not told
    assert of_kind(client, member_headers(world, paid_up), Kind.DUES_REMINDER) == []
    # When next month comes and the reminder runs again
    next_month = (clock.now().date().replace(day=1) + timedelta(days=40)).replace(day=10)
    run_month(client, monkeypatch, next_month)
    # Then the member who still owes is told again, once more
    assert len(of_kind(client, member_headers(world, owing), Kind.DUES_REMINDER)) == 2
