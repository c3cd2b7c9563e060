"""Event handlers of league dues (wired by name from chalicefile.json): the member-by-member
application of many-member orders, the reconciliation schedule and the daily bill check."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.events import BatchAnswer, Context, Event, batch_processor
from zhtj.dues import applying as dues_applying
from zhtj.dues import bill_check
from zhtj.dues import reconciliation as dues_reconciliation
from zhtj.dues.messages import DUES


def _apply_member(record: SQSRecord) -> None:
    message = DUES.parse(record.body)  # an unknown kind: MalformedMessage, the record fails
    dues_applying.apply_member(message.order_id, message.member_id, message.part)


def dues_worker(event: Event, context: Context) -> BatchAnswer:
    """SQS: apply one part of one member of a paid queued order (DUES-3/4), once; a
    redelivered message finds the part's marker and does nothing."""
    return process_partial_response(
        event=event, record_handler=_apply_member, processor=batch_processor(), context=context
    )


def dues_reconcile(event: Event, context: Context) -> dict[str, int]:
    """Schedule: settle or close orders still pending past the providers' re-send windows, and
    drive many-member orders whose member messages were lost (WEBHOOKS rule 6)."""
    return dues_reconciliation.reconcile()


def dues_bill_check(event: Event, context: Context) -> dict[str, int]:
    """Schedule (daily): compare yesterday's bill of each provider with our orders."""
    return bill_check.daily_bill_check()
