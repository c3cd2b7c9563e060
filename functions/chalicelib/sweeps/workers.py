"""Event handlers of the compliance sweep and statistics recount (SWEEP-1..3, STAT-1): the
nightly schedule that starts a run, and the worker that scans one table segment or finishes it."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.events import BatchAnswer, Context, Event
from zhtj.sweeps import service as sweeps
from zhtj.sweeps.messages import SWEEPS


def sweep_start(event: Event, context: Context) -> dict[str, str]:
    """Schedule (daily, at night in China): start the compliance sweep and recount."""
    return {"run_id": sweeps.start(None).run_id}


def _sweep(record: SQSRecord) -> None:
    sweeps.handle(SWEEPS.parse(record.body))


def sweep_worker(event: Event, context: Context) -> BatchAnswer:
    """SQS: scan one table segment for a sweep, or finish a sweep (sweeps/service.py)."""
    processor = BatchProcessor(EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=_sweep, processor=processor, context=context)
