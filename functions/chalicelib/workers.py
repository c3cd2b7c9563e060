"""Event handlers (queues, schedules). Each is wired by name from chalicefile.json and
calls one logic function; batches report partial failures so only failed records return."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from zhtj.dal import queues
from zhtj.logic import orgs, registration, waves


def _rewrite_subtree(record: SQSRecord) -> None:
    job_id = json.loads(record.body)["job_id"]
    if not orgs.continue_move(job_id):
        queues.send(orgs.TREE_QUEUE, {"job_id": job_id})


def tree_maintenance(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS: rewrite the paths below moved subtrees (ORG-6)."""
    return process_partial_response(
        event=event, record_handler=_rewrite_subtree, processor=BatchProcessor(EventType.SQS), context=context
    )


def tree_jobs_watchdog(event: dict[str, Any], context: Any) -> dict[str, int]:
    """Schedule: send on move jobs that stopped advancing (a lost or dead-lettered message)."""
    return {"resumed": orgs.resume_stalled_moves()}


def _register(record: SQSRecord) -> None:
    registration.apply_submission(json.loads(record.body))


def registration_worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS: write queued registrations (REG-1..6); a failed record alone is retried."""
    return process_partial_response(
        event=event, record_handler=_register, processor=BatchProcessor(EventType.SQS), context=context
    )


def open_waves(event: dict[str, Any], context: Any) -> dict[str, list[str]]:
    """Schedule: open the enrolment waves whose time has come (REG-8)."""
    return {"opened": waves.open_due_waves()}
