"""Event handler of the table's stream (STAT-1): the statistics counters and findings move with
every write."""

from __future__ import annotations

import functools

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from chalicelib.events import BatchAnswer, Context, Event
from zhtj.core.observability import logger
from zhtj.stats import stream as stats  # the stream's side alone: the reports are the API's


def _stream_record(record: DynamoDBRecord, outcomes: dict[str, str | Exception]) -> None:
    outcome = outcomes[str(record.event_id)]
    if isinstance(outcome, Exception):
        raise outcome
    if outcome == "DUPLICATE":
        logger.info("stream record applied before", extra={"event_id": record.event_id})


def stats_stream(event: Event, context: Context) -> BatchAnswer:
    """The table's stream: move each organisation's own counters and its path's subtree
    counters, and its findings (stats/service.py), the batch's records several to a transaction.
    A failed record and those after it are retried (ReportBatchItemFailures); the marks make
    the retried ones that landed no-ops."""
    records = [stats.StreamRecord.of(raw) for raw in event["Records"]]
    outcomes = dict(zip((r.event_id for r in records), stats.apply_many(records), strict=True))
    processor = BatchProcessor(EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    return process_partial_response(
        event=event,
        record_handler=functools.partial(_stream_record, outcomes=outcomes),
        processor=processor,
        context=context,
    )
