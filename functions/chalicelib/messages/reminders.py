"""Event handlers of the monthly dues reminder (wired by name from chalicefile.json): the
schedule that starts a month's run and the worker of its pages. Apart from workers.py so that the
notifications worker does not import dues."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.events import BatchAnswer, Context, Event, batch_processor
from zhtj.reminders import monthly
from zhtj.reminders.messages import REMINDERS


def dues_monthly_reminder(event: Event, context: Context) -> dict[str, int]:
    """Schedule (monthly): one message per partition of the organisation tree for this month."""
    return {"partitions": monthly.start()}


def _page(record: SQSRecord) -> None:
    monthly.handle(REMINDERS.parse(record.body))  # an unknown kind: MalformedMessage


def reminder_worker(event: Event, context: Context) -> BatchAnswer:
    """SQS: one page of a partition's branches; their members who owe dues are told, once per
    (member, month) (the event id; a redelivered page tells nobody twice)."""
    return process_partial_response(event=event, record_handler=_page, processor=batch_processor(), context=context)
