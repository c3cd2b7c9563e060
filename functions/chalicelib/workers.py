"""Event handlers (queues, schedules). Each is wired by name from chalicefile.json and
calls one logic function; batches report partial failures so only failed records return."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from zhtj.cards import service as card_logic
from zhtj.core.manifest import load_manifest
from zhtj.core.observability import logger
from zhtj.deadlines import service as deadlines
from zhtj.imports import service as imports
from zhtj.orgs import service as orgs
from zhtj.registration import service as registration
from zhtj.registration import waves
from zhtj.table import queues
from zhtj.transfers import batches as transfer_batches


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


def _rewrite_subtree(record: SQSRecord) -> None:
    job_id = json.loads(record.body)["job_id"]
    if not orgs.continue_move(job_id):
        queues.send(orgs.TREE_QUEUE, {"job_id": job_id})


def tree_maintenance(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS: rewrite the paths below moved subtrees (ORG-6)."""
    return process_partial_response(
        event=event, record_handler=_rewrite_subtree, processor=batch_processor(), context=context
    )


def tree_jobs_watchdog(event: dict[str, Any], context: Any) -> dict[str, int]:
    """Schedule: send on move jobs that stopped advancing (a lost or dead-lettered message)."""
    return {"resumed": orgs.resume_stalled_moves()}


def _register(record: SQSRecord) -> None:
    registration.apply_submission(json.loads(record.body))  # a failure's reason: _Processor logs it


def registration_worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS: write queued registrations (REG-1..6); a failed record alone is retried."""
    return process_partial_response(event=event, record_handler=_register, processor=batch_processor(), context=context)


def open_waves(event: dict[str, Any], context: Any) -> dict[str, list[str]]:
    """Schedule: open the enrolment waves whose time has come (REG-8)."""
    return {"opened": waves.open_due_waves()}


def timer_sweep(event: dict[str, Any], context: Any) -> dict[str, str]:
    """Schedule: start one execution of the timer_sweep state machine (REV-2, REG-5, REG-7)."""
    return {"execution": deadlines.start_sweep()}


def _timer(record: SQSRecord) -> None:
    deadlines.handle(json.loads(record.body))


def timer_worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS: sweep a timer shard, fire one due timer, or recompute deadlines after a calendar
    year is loaded; a failed record (one timer, one shard) alone is retried."""
    return process_partial_response(event=event, record_handler=_timer, processor=batch_processor(), context=context)


def _import_chunk(record: SQSRecord) -> None:
    body = json.loads(record.body)
    receives = int(record.raw_event.get("attributes", {}).get("ApproximateReceiveCount", "1"))
    last_attempt = receives >= load_manifest().queues[imports.IMPORT_QUEUE].max_receive_count
    imports.continue_import(body["import_id"], int(body["row"]), last_attempt=last_attempt)


def import_worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS: import one chunk of an uploaded spreadsheet's rows, then queue the next (IMPORT-1..2)."""
    return process_partial_response(
        event=event, record_handler=_import_chunk, processor=batch_processor(), context=context
    )


def _transfer_chunk(record: SQSRecord) -> None:
    transfer_batches.handle(json.loads(record.body))


def transfer_worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS: start or approve one chunk of a batch's transfers (XFER-6), one transaction per member;
    a redelivered chunk skips the members already done."""
    return process_partial_response(
        event=event, record_handler=_transfer_chunk, processor=batch_processor(), context=context
    )


def _card(record: SQSRecord) -> None:
    outcome = card_logic.handle(json.loads(record.body))
    logger.debug("card message", extra={"message_id": record.message_id, "outcome": outcome})


def card_worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS: render a member's card once its content is still (CARD-1); a burst renders once,
    an older render never replaces a newer one, a redelivery renders nothing twice."""
    return process_partial_response(event=event, record_handler=_card, processor=batch_processor(), context=context)


def card_sweep(event: dict[str, Any], context: Any) -> dict[str, int]:
    """Schedule: re-announce cards left due past the grace period (a lost message, a DLQ)."""
    return {"announced": card_logic.sweep()}
