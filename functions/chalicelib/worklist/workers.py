"""Event handler of the table's stream for the work list (MSG-4): an organisation's open tasks
and their counts move with every change to the items that open or close them."""

from __future__ import annotations

import functools

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from chalicelib.events import BatchAnswer, Context, Event
from zhtj.core.observability import logger
from zhtj.worklist import stream as worklist


def _stream_record(record: DynamoDBRecord, outcomes: dict[str, str | Exception]) -> None:
    outcome = outcomes[str(record.event_id)]
    if isinstance(outcome, Exception):
        raise outcome
    if outcome == "DUPLICATE":
        logger.info("stream record applied to the work list before", extra={"event_id": record.event_id})


def worklist_stream(event: Event, context: Context) -> BatchAnswer:
    """The table's stream: put and delete each organisation's WorkItems and move its WorkCount
    (zhtj/worklist/stream.py), the batch's records several to a transaction. A failed record and
    those after it are retried (ReportBatchItemFailures); the marks make the retried ones that
    landed no-ops."""
    records = [worklist.StreamRecord.of(raw) for raw in event["Records"]]
    outcomes = dict(zip((r.event_id for r in records), worklist.apply_many(records), strict=True))
    processor = BatchProcessor(EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    return process_partial_response(
        event=event,
        record_handler=functools.partial(_stream_record, outcomes=outcomes),
        processor=processor,
        context=context,
    )
