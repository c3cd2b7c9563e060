"""zhtj.table.limits: a rate shared by every process (REG-5 paces the real-name provider
with it). One conditional ADD per take on the window's item; a window's limit is never passed,
budgets and windows are independent, a turn whose window closed meanwhile is not a turn."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from zhtj.table import keys, limits
from zhtj.table.limits import RateWindow

START = datetime(2026, 9, 1, 8, 0, 0, 100_000, tzinfo=UTC)


@pytest.fixture
def clock(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[datetime]]:
    """The budget's clock: the times it reads, in order; the last one repeats."""
    times = [START]

    def now() -> datetime:
        return times.pop(0) if len(times) > 1 else times[0]

    monkeypatch.setattr(limits, "now", now)
    yield times


def test_reg_5_a_window_gives_its_limit_of_turns_and_no_more(clock: list[datetime]) -> None:
    # When 5 turns are asked of a budget of 3 a second, in one second
    taken = [limits.take("provider", 3) for _ in range(5)]
    # Then 3 are given; another budget is not touched; the next second gives 3 again
    assert taken == [True, True, True, False, False]
    assert limits.take("other", 3)
    clock[0] = START + timedelta(seconds=1)
    assert [limits.take("provider", 3) for _ in range(4)] == [True, True, True, False]
    # And the window's item counts them, and expires by TTL a day later
    window = RateWindow.get(keys.rate_window_pk("provider", int(START.timestamp())), keys.META)
    assert window.used == 3 and window.expires_at == START.replace(microsecond=0) + limits.KEEP


def test_reg_5_a_turn_taken_as_its_window_closes_is_not_a_turn(clock: list[datetime]) -> None:
    # Given the clock crossing into the next second while the turn is being taken
    clock[:] = [START + timedelta(milliseconds=890), START + timedelta(milliseconds=1010)]
    # When it is taken, Then it does not count as a turn (the call would land in the next second)
    assert not limits.take("provider", 3)
    # And waiting for the next window gives one there
    assert limits.take_or_wait("provider", 3, max_wait_seconds=1.5)
    window = RateWindow.get(keys.rate_window_pk("provider", int(START.timestamp()) + 1), keys.META)
    assert window.used == 1


def test_reg_5_a_batch_takes_its_turns_at_once_and_never_more_than_the_window_has(clock: list[datetime]) -> None:
    # Given a budget of 10 a second, 2 turns of which a single take has had
    assert limits.take("provider", 10) and limits.take("provider", 10)
    # When batches ask for 5, then 6, then 4 turns in the same second
    given = [limits.take_many("provider", wanted, 10) for wanted in (5, 6, 4)]
    # Then 5, then the 3 left, then none are given; a single take is refused too
    assert given == [5, 3, 0]
    assert not limits.take("provider", 10)
    # And the next second gives its own turns
    clock[0] = START + timedelta(seconds=1)
    assert limits.take_many("provider", 12, 10) == 10


def test_reg_5_concurrent_batches_share_a_window_without_passing_it(clock: list[datetime]) -> None:
    # When 8 batches of 3 ask a budget of 10 at once
    with ThreadPoolExecutor(8) as pool:
        given = list(pool.map(lambda _: limits.take_many("provider", 3, 10), range(8)))
    # Then exactly 10 turns are given in all
    assert sum(given) == 10 and all(0 <= g <= 3 for g in given)


def test_reg_5_batch_turns_taken_as_the_window_closes_are_not_turns(clock: list[datetime]) -> None:
    # Given the clock crossing into the next second while the turns are being taken
    clock[:] = [START + timedelta(milliseconds=890), START + timedelta(milliseconds=1010)]
    # When / Then none is given
    assert limits.take_many("provider", 4, 10) == 0
