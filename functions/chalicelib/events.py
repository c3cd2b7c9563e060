"""The event adapter, shared by every capability's workers: partial-batch processing of queue
records, each failed record's reason logged with its message id and receive count; and the
answer of a stream function that applied its batch's records together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from zhtj.core.observability import logger

# What every worker receives from Lambda (through app.py's wiring) and what a batch worker answers.
Event = dict[str, Any]
Context = LambdaContext | None  # None when a test or the bench calls a worker directly
BatchAnswer = PartialItemFailureResponse


class _Processor(BatchProcessor):
    """Partial batches, and why each failed record failed, logged with its message id and
    receive count: after max_receive_count receives the message is in its queue's DLQ, and this
    line is where its reason is (SQS keeps none)."""

    def failure_handler(self, record: Any, exception: Any) -> Any:
        logger.warning(
            "record failed",
            extra={
                "message_id": getattr(record, "message_id", None),
                "receive_count": record.attributes.approximate_receive_count if hasattr(record, "attributes") else None,
                "reason": repr(exception[1]),
            },
        )
        return super().failure_handler(record, exception)


def batch_processor() -> BatchProcessor:
    # Even when every record of a batch fails, answer with the failed ids (not an exception),
    # so that partial-batch accounting is the same in every case.
    return _Processor(EventType.SQS, raise_on_entire_batch_failure=False)


def stream_answer(
    event: Event, context: Context, outcomes: Sequence[str | Exception], applied_before: str
) -> BatchAnswer:
    """A stream function's answer once it has applied its batch's records together: `outcomes`,
    in the records' order, are what each came to (a string) or the error it met. A failed record
    and those after it are retried (ReportBatchItemFailures); one applied before is logged."""
    by_id = {str(raw["eventID"]): outcome for raw, outcome in zip(event["Records"], outcomes, strict=True)}

    def handle(record: Any) -> None:
        outcome = by_id[str(record.event_id)]
        if isinstance(outcome, Exception):
            raise outcome
        if outcome == "DUPLICATE":
            logger.info(applied_before, extra={"event_id": record.event_id})

    processor = BatchProcessor(EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=handle, processor=processor, context=context)
