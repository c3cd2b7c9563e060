"""Event handlers of timers: the schedule that starts a timer sweep. Apart from the timer worker
(chalicelib/deadlines/workers.py), whose dispatch reaches every capability a timer serves, so
that the schedule's function loads the timers alone (docs/architecture.md, "Cold starts")."""

from __future__ import annotations

from chalicelib.events import Context, Event
from zhtj.timers import service as timers


def timer_sweep(event: Event, context: Context) -> dict[str, str]:
    """Schedule: start one execution of the timer_sweep state machine (REV-2, REG-5, REG-7)."""
    return {"execution": timers.start_sweep()}
