"""The timers queue and its messages: a shard to sweep (sent by the timer_sweep state machine,
infra/statemachines/timer_sweep.asl.json), one due timer to fire, and a recomputation of one
shard's deadlines after a calendar year is loaded."""

from __future__ import annotations

from zhtj.table.queues import Message, Queue


class SweepShard(Message, frozen=True, kw_only=True, tag_field="kind", tag="sweep"):
    """Hand out the due timers of one shard, on these days, as of `now` (ISO time)."""

    shard: int
    days: list[str]
    now: str


class FireTimer(Message, frozen=True, kw_only=True, tag_field="kind", tag="fire"):
    """Fire one due timer."""

    timer_kind: str
    subject_id: str


class Recompute(Message, frozen=True, kw_only=True, tag_field="kind", tag="recompute"):
    """Move the open working-day deadlines of one shard from `day` to `last` (ISO dates) after
    calendar year `year` was loaded; `cursor` is the position within `day` (null at its start)."""

    year: int
    shard: int
    day: str
    last: str
    cursor: str | None = None


TimerMessage = SweepShard | FireTimer | Recompute

TIMERS: Queue[SweepShard | FireTimer | Recompute] = Queue("timers", TimerMessage)
