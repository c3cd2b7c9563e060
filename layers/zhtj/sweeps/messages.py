"""The sweeps queue and its messages (SWEEP-1..3, STAT-1): scan one table segment of a run (sent
by the sweep state machine, infra/statemachines/sweep.asl.json), then finish the run."""

from __future__ import annotations

from zhtj.table.queues import Message, Queue


class ScanSegment(Message, frozen=True, kw_only=True, tag_field="kind", tag="segment"):
    """Scan segment `segment` of `total` for run `run_id`."""

    run_id: str
    segment: int
    total: int


class FinishSweep(Message, frozen=True, kw_only=True, tag_field="kind", tag="finish"):
    """Every segment reported: finish run `run_id`."""

    run_id: str


SweepMessage = ScanSegment | FinishSweep

SWEEPS: Queue[ScanSegment | FinishSweep] = Queue("sweeps", SweepMessage)
