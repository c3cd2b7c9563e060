"""Event handler of batch transfers (XFER-6): one chunk of a batch's members a message."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.events import BatchAnswer, Context, Event, batch_processor
from zhtj.transfers import batches as transfer_batches
from zhtj.transfers.messages import TRANSFERS


def _transfer_chunk(record: SQSRecord) -> None:
    transfer_batches.handle(TRANSFERS.parse(record.body))


def transfer_worker(event: Event, context: Context) -> BatchAnswer:
    """SQS: start or approve one chunk of a batch's transfers (XFER-6), one transaction per member;
    a redelivered chunk skips the members already done."""
    return process_partial_response(
        event=event, record_handler=_transfer_chunk, processor=batch_processor(), context=context
    )
