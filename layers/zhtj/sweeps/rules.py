"""States of a sweep run: pure, no I/O."""

from __future__ import annotations

from enum import StrEnum


class SweepState(StrEnum):
    """A SweepRun: its segments scanning, then one worker finishing (recount, findings,
    history), then done."""

    SCANNING = "SCANNING"
    FINISHING = "FINISHING"
    DONE = "DONE"
