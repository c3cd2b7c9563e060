"""Event handler of deadlines (timer dispatch): the worker that sweeps a shard, fires a due timer
or recomputes deadlines after a calendar year is loaded (the schedule that starts a sweep is
chalicelib/timers/workers.py, which loads the timers alone)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.events import BatchAnswer, Context, Event, batch_processor
from zhtj.deadlines import service as deadlines
from zhtj.deadlines.messages import TIMERS


def _timer(record: SQSRecord) -> None:
    deadlines.handle(TIMERS.parse(record.body))


def timer_worker(event: Event, context: Context) -> BatchAnswer:
    """SQS: sweep a timer shard, fire one due timer, or recompute deadlines after a calendar
    year is loaded; a failed record (one timer, one shard) alone is retried."""
    return process_partial_response(event=event, record_handler=_timer, processor=batch_processor(), context=context)
