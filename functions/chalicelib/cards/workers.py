"""Event handlers of member cards (CARD-1): the renderer, fed by the cards queue, the sweep
that re-announces cards left due, and a renamed branch's members following its new name."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.events import BatchAnswer, Context, Event, batch_processor
from zhtj.cards import relabel
from zhtj.cards import service as card_logic
from zhtj.cards.messages import CARDS
from zhtj.core.observability import logger
from zhtj.orgs.messages import ORG_RELABEL


def _card(record: SQSRecord) -> None:
    outcome = card_logic.handle(CARDS.parse(record.body))
    logger.debug("card message", extra={"message_id": record.message_id, "outcome": outcome})


def card_worker(event: Event, context: Context) -> BatchAnswer:
    """SQS: render a member's card once its content is still (CARD-1); a burst renders once,
    an older render never replaces a newer one, a redelivery renders nothing twice."""
    return process_partial_response(event=event, record_handler=_card, processor=batch_processor(), context=context)


def card_sweep(event: Event, context: Context) -> dict[str, int]:
    """Schedule: re-announce cards left due past the grace period (a lost message, a DLQ)."""
    return {"announced": card_logic.sweep(), "relabels": relabel.resume_stalled()}


def _relabel(record: SQSRecord) -> None:
    carry_on = relabel.follow(ORG_RELABEL.parse(record.body))
    if carry_on is not None:
        ORG_RELABEL.send(carry_on)


def org_relabel(event: Event, context: Context) -> BatchAnswer:
    """SQS: a renamed branch's members follow, a page at a time: their search labels carry the
    new name, their cards are marked due and re-render after the quiet period (ORG-5, CARD-1)."""
    return process_partial_response(event=event, record_handler=_relabel, processor=batch_processor(), context=context)
