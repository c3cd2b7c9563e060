"""Event handlers of deadlines (timer dispatch): the schedule that starts a timer sweep, and the
worker that sweeps a shard, fires a due timer or recomputes deadlines after a calendar year."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.events import BatchAnswer, Context, Event, batch_processor
from zhtj.deadlines import service as deadlines
from zhtj.deadlines.messages import TIMERS


def timer_sweep(event: Event, context: Context) -> dict[str, str]:
    """Schedule: start one execution of the timer_sweep state machine (REV-2, REG-5, REG-7)."""
    return {"execution": deadlines.start_sweep()}


def _timer(record: SQSRecord) -> None:
    deadlines.handle(TIMERS.parse(record.body))


def timer_worker(event: Event, context: Context) -> BatchAnswer:
    """SQS: sweep a timer shard, fire one due timer, or recompute deadlines after a calendar
    year is loaded; a failed record (one timer, one shard) alone is retried."""
    return process_partial_response(event=event, record_handler=_timer, processor=batch_processor(), context=context)
