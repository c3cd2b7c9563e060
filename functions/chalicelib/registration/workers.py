"""Event handlers of registration (REG): the queued registrations' writer and the schedule that
opens enrolment waves."""

from __future__ import annotations

import contextlib
import functools

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from msgspec.structs import replace

from chalicelib.events import BatchAnswer, Context, Event, batch_processor
from zhtj.registration import waves
from zhtj.registration import worker as registration  # the write alone: review is the API's
from zhtj.registration.identity_check import FirstCheck, Paced, retry_delay
from zhtj.registration.messages import REGISTRATION
from zhtj.table.queues import MalformedMessage


def _register(record: SQSRecord, checks: dict[str, FirstCheck | Exception]) -> None:
    message = REGISTRATION.parse(record.body)
    try:
        # A failure's reason: the processor logs it.
        registration.apply_submission(message, checks.get(message.registration_id))
    except Paced as paced:
        # REG-5: the real-name provider's rate is spent; the registration goes back on the queue,
        # delayed (doubling each time), as a new message: a redelivery would count towards the
        # dead-letter queue, and nothing may drop it.
        times = message.paced or 0  # UNSET (absent from the JSON) until it is first sent back
        again = replace(message, paced=times + 1)
        REGISTRATION.send(again, delay_seconds=retry_delay(times, paced.retry_after_seconds))


def registration_worker(event: Event, context: Context) -> BatchAnswer:
    """SQS: write queued registrations (REG-1..6), their real-name checks made together
    (REG-5); a failed record alone is retried."""
    messages = []
    for record in event["Records"]:
        with contextlib.suppress(MalformedMessage):  # its own handling fails it
            messages.append(REGISTRATION.parse(record["body"]))
    checks = registration.check_batch(messages)
    return process_partial_response(
        event=event,
        record_handler=functools.partial(_register, checks=checks),
        processor=batch_processor(),
        context=context,
    )


def open_waves(event: Event, context: Context) -> dict[str, list[str]]:
    """Schedule: open the enrolment waves whose time has come (REG-8)."""
    return {"opened": waves.open_due_waves()}
