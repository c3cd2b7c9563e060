"""Event handlers of messages (wired by name from chalicefile.json): the notifications worker,
the outbox's sweep and the monthly dues reminder."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.events import BatchAnswer, Context, Event, batch_processor
from zhtj.messages import delivery, outbox
from zhtj.messages.messages import NOTIFICATIONS


def _deliver(record: SQSRecord) -> None:
    delivery.handle(NOTIFICATIONS.parse(record.body))  # an unknown kind: MalformedMessage


def notification_worker(event: Event, context: Context) -> BatchAnswer:
    """SQS: deliver one notification to each of its recipient's accounts and channels, once per
    (event, account, channel); a redelivered message finds the delivery records and does nothing."""
    return process_partial_response(event=event, record_handler=_deliver, processor=batch_processor(), context=context)


def notification_sweep(event: Event, context: Context) -> dict[str, int]:
    """Schedule: send the notifications whose after-commit send was lost (their outbox items
    older than a few minutes) and delete their items."""
    return {"sent": outbox.sweep()}
