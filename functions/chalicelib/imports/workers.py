"""Event handler of spreadsheet imports (IMPORT-1..2): one chunk of rows a message, then the next."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.events import BatchAnswer, Context, Event, batch_processor
from zhtj.imports import worker as imports  # the chunk worker alone: jobs.py holds the API's side
from zhtj.imports.messages import IMPORTS


def _import_chunk(record: SQSRecord) -> None:
    chunk = IMPORTS.parse(record.body)
    receives = int(record.raw_event.get("attributes", {}).get("ApproximateReceiveCount", "1"))
    last_attempt = receives >= IMPORTS.max_receive_count()
    imports.continue_import(chunk.import_id, chunk.row, last_attempt=last_attempt)


def import_worker(event: Event, context: Context) -> BatchAnswer:
    """SQS: import one chunk of an uploaded spreadsheet's rows, then queue the next (IMPORT-1..2)."""
    return process_partial_response(
        event=event, record_handler=_import_chunk, processor=batch_processor(), context=context
    )
