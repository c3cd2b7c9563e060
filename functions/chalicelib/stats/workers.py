"""Event handler of the table's stream (STAT-1): the statistics counters and findings move with
every write."""

from __future__ import annotations

from chalicelib.events import BatchAnswer, Context, Event, stream_answer
from zhtj.stats import stream as stats  # the stream's side alone: the reports are the API's


def stats_stream(event: Event, context: Context) -> BatchAnswer:
    """The table's stream: move each organisation's own counters and its path's subtree
    counters, and its findings (stats/service.py), the batch's records several to a transaction.
    A failed record and those after it are retried (ReportBatchItemFailures); the marks make
    the retried ones that landed no-ops."""
    records = [stats.StreamRecord.of(raw) for raw in event["Records"]]
    return stream_answer(event, context, stats.apply_many(records), "stream record applied before")
