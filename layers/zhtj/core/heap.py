"""What a warm process keeps for its life, kept out of the garbage collector's full passes.

A full collection walks every tracked object: the modules (boto3's and botocore's models,
pydantic, powertools, fontTools...), the clients, a parsed font. On a worker that is a pause
of tens to hundreds of milliseconds, landing on whichever request happens to trigger it: the
tail of the latency, not its median. Once a process has loaded what it keeps (its first
request served, its font parsed), `keep_loaded` freezes everything alive then (gc.freeze):
later collections walk only what requests allocate. Nothing frozen is ever freed, so it is
called once per reason and process, at a moment when little garbage is waiting.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_frozen: set[str] = set()
_lock = threading.Lock()
_batches = 0  # batches running (`batch`), and the thresholds before the first of them
_saved: list[int] = []


def keep_loaded(reason: str) -> None:
    """Freeze what the process holds now, the first time `reason` asks (later: nothing)."""
    with _lock:
        if reason in _frozen:
            return
        _frozen.add(reason)
    gc.collect()
    gc.freeze()


@contextmanager
def loading() -> Iterator[None]:
    """No garbage collection while a function loads its code (its cold start), then everything
    loaded frozen as `keep_loaded` does, and collection back on.

    Importing allocates a great many objects that all stay (modules, classes, functions), so the
    collector's passes during a cold start find nothing to free; yet as the heap grows they come
    round and the full ones walk all of it: ≈ 20-40 ms of a worker's ≈ 300 ms of imports
    (docs/architecture.md, "Cold starts"). Frozen afterwards, those objects are not walked again;
    what the imports left as garbage (little) is kept. A `loading()` inside another does nothing."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


# A batch's youngest generation: collected after this many allocations instead of 700.
BATCH_YOUNG = 20_000


@contextmanager
def batch() -> Iterator[None]:
    """Work that allocates a great many objects which all stay until it ends (an import's chunk:
    its rows, their items and transactions, their requests): the youngest generation is
    collected every BATCH_YOUNG allocations rather than every 700, so the collector walks those
    survivors, and promotes them, far fewer times (an import row: ≈ 5 % of its CPU,
    docs/capacity.md "Bulk import"). Memory grows by at most that many young objects between
    collections (a few MB). The thresholds are the process's: a batch inside another, or on
    another thread meanwhile, keeps the raised one until the outermost ends."""
    global _batches
    with _lock:
        _batches += 1
        if _batches == 1:
            _saved[:] = gc.get_threshold()
            gc.set_threshold(BATCH_YOUNG, *_saved[1:])
    try:
        yield
    finally:
        with _lock:
            _batches -= 1
            if _batches == 0:
                gc.set_threshold(*_saved)
