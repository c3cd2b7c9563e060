"""Event handler of the table's stream for the work list (MSG-4): an organisation's open tasks
and their counts move with every change to the items that open or close them."""

from __future__ import annotations

from chalicelib.events import BatchAnswer, Context, Event, stream_answer
from zhtj.worklist import stream as worklist


def worklist_stream(event: Event, context: Context) -> BatchAnswer:
    """The table's stream: put and delete each organisation's WorkItems and move its WorkCount
    (zhtj/worklist/stream.py), the batch's records several to a transaction. A failed record and
    those after it are retried (ReportBatchItemFailures); the marks make the retried ones that
    landed no-ops."""
    records = [worklist.StreamRecord.of(raw) for raw in event["Records"]]
    return stream_answer(event, context, worklist.apply_many(records), "stream record applied to the work list before")
