"""The collector's settings a batch runs with (zhtj.core.heap.batch)."""

from __future__ import annotations

import gc

import pytest

from zhtj.core import heap


def test_a_batch_collects_its_young_objects_less_often_and_gives_the_thresholds_back() -> None:
    # Given the process's thresholds
    before = gc.get_threshold()
    # When a batch runs, with another inside it
    with heap.batch():
        during = gc.get_threshold()
        with heap.batch():
            nested = gc.get_threshold()
        after_nested = gc.get_threshold()
    # Then the youngest generation waits for BATCH_YOUNG allocations while any batch runs, the
    # older generations keep theirs, and the thresholds are the process's again at the end
    assert during == nested == after_nested == (heap.BATCH_YOUNG, *before[1:])
    assert gc.get_threshold() == before


def test_a_batch_that_fails_still_gives_the_thresholds_back() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), heap.batch():
        raise RuntimeError("a chunk failed")
    assert gc.get_threshold() == before
