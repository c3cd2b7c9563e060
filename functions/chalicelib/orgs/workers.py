"""Event handlers of the organisation tree (ORG-6): the subtree rewrite after a move, a page at
a time, and the watchdog that sends on moves that stopped advancing."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.events import BatchAnswer, Context, Event, batch_processor
from zhtj.orgs import moves as orgs  # the subtree rewrite alone
from zhtj.orgs.messages import TREE_MAINTENANCE


def _rewrite_subtree(record: SQSRecord) -> None:
    message = TREE_MAINTENANCE.parse(record.body)
    if not orgs.continue_move(message.job_id):
        TREE_MAINTENANCE.send(message)


def tree_maintenance(event: Event, context: Context) -> BatchAnswer:
    """SQS: rewrite the paths below moved subtrees (ORG-6)."""
    return process_partial_response(
        event=event, record_handler=_rewrite_subtree, processor=batch_processor(), context=context
    )


def tree_jobs_watchdog(event: Event, context: Context) -> dict[str, int]:
    """Schedule: send on move jobs that stopped advancing (a lost or dead-lettered message)."""
    return {"resumed": orgs.resume_stalled_moves()}
