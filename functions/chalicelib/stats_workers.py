"""Handlers of the statistics stream and the compliance sweep (STAT-1, SWEEP-1..3)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from zhtj.core.observability import logger
from zhtj.stats import service as stats
from zhtj.sweeps import service as sweeps


def _stream_record(record: DynamoDBRecord) -> None:
    outcome = stats.apply(stats.StreamRecord.of(record.raw_event))
    if outcome == "DUPLICATE":
        logger.info("stream record applied before", extra={"event_id": record.event_id})


def stats_stream(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The table's stream: move each organisation's own counters and its path's subtree
    counters, and its findings (stats/service.py). A failed record and those after it are
    retried (ReportBatchItemFailures); the marks make the retried ones that landed no-ops."""
    processor = BatchProcessor(EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=_stream_record, processor=processor, context=context)


def sweep_start(event: dict[str, Any], context: Any) -> dict[str, str]:
    """Schedule (daily, at night in China): start the compliance sweep and recount."""
    return {"run_id": sweeps.start(None).run_id}


def _sweep(record: SQSRecord) -> None:
    sweeps.handle(json.loads(record.body))


def sweep_worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS: scan one table segment for a sweep, or finish a sweep (sweeps/service.py)."""
    processor = BatchProcessor(EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=_sweep, processor=processor, context=context)
