"""Fault injection for the local stack and the tests: off unless ZHTJ_FAULTS is set.

ZHTJ_FAULTS="registration_worker=0.1,tree_maintenance=0.05" makes each named handler crash
on that share of its invocations: half of the crashes before the handler runs, half after it
has done its work but before the answer reaches the queue (the harder case: the work is
done and will be redelivered). Nothing else in the system reads it.
"""

from __future__ import annotations

import os
import random
from functools import lru_cache


class InjectedFault(RuntimeError):
    """A crash the fault switch asked for."""


@lru_cache(maxsize=1)
def _shares() -> dict[str, float]:
    shares: dict[str, float] = {}
    for entry in filter(None, (part.strip() for part in os.environ.get("ZHTJ_FAULTS", "").split(","))):
        name, _, share = entry.partition("=")
        shares[name.strip()] = float(share)
    return shares


def maybe_crash(function_name: str, phase: str) -> None:
    """Raise InjectedFault on the configured share of calls (phase "before" or "after")."""
    share = _shares().get(function_name, 0.0)
    if share and random.random() < share / 2:
        raise InjectedFault(f"injected fault in {function_name} ({phase})")


def forget() -> None:
    """Re-read ZHTJ_FAULTS (tests change it)."""
    _shares.cache_clear()
