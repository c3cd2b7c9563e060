"""zhtj (智慧团建): the Chalice app. Registers one blueprint per capability, attaches
powertools once as middleware, and wires every event handler from chalicefile.json."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from chalice.app import Chalice, ConvertToMiddleware, Request

import zhtj.registry  # noqa: F401  (every item class known to the table's type discriminator)
from chalicelib import openapi
from chalicelib.accounts import auth
from chalicelib.accounts import routes as accounts
from chalicelib.annual import routes as annual
from chalicelib.audit import routes as audit
from chalicelib.awards import routes as awards
from chalicelib.cards import routes as cards
from chalicelib.changes import deletions, edits, exits
from chalicelib.deadlines import routes as deadlines
from chalicelib.dues import offline as dues_offline
from chalicelib.dues import providers as dues_providers
from chalicelib.dues import routes as dues
from chalicelib.http import chalice_answers, register
from chalicelib.imports import routes as imports
from chalicelib.life import routes as life
from chalicelib.orgs import routes as orgs
from chalicelib.party import routes as party
from chalicelib.registration import routes as registration
from chalicelib.search import routes as search
from chalicelib.stats import routes as stats
from chalicelib.sweeps import routes as sweeps
from chalicelib.timers import routes as timers
from chalicelib.transfers import batches as transfer_batches
from chalicelib.transfers import proposals as transfer_proposals
from chalicelib.transfers import routes as transfers
from zhtj.core import faults
from zhtj.core.logredact import install as install_id_masking
from zhtj.core.manifest import InvokeTrigger, ScheduleTrigger, SqsTrigger, StreamTrigger, load_manifest
from zhtj.core.observability import logger, metrics, tracer

manifest = load_manifest()
app = Chalice(app_name=manifest.app)
app.api.binary_types = []
# Chalice logs uncaught exceptions with their tracebacks through its own logger.
install_id_masking(app.log)

# The order of registration is the OpenAPI document's order of paths, and of a path's methods
# (tests/snapshots/openapi.json holds it byte for byte): add a blueprint at the end.
for blueprint in (
    cards.bp,  # CARD: the member card, its download and public verification
    accounts.bp,
    audit.bp,
    deadlines.bp,  # REV-2: overdue reviews
    timers.bp,  # the working-day calendar the deadlines count in
    dues.bp,
    dues_providers.bp,  # DUES-3: the providers' notifications, reconciliation, anomalies
    imports.bp,
    edits.bp,  # EDIT: a member's edits after approval, join-month corrections
    deletions.bp,  # DEL
    exits.bp,  # EXIT
    openapi.bp,
    orgs.bp,
    registration.bp,
    transfers.bp,
    transfer_batches.bp,  # XFER-6: graduation and batches
    transfer_proposals.bp,  # XFER-2: proposed by an organisation outside the member's subtree
    awards.bp,  # AWARD
    annual.bp,  # the annual records the card shows
    search.bp,  # STAT-3: members and organisations by name fragment or ID number
    stats.bp,  # STAT-1..2: subtree figures, the daily bulletin, findings
    sweeps.bp,  # SWEEP: compliance sweeps and their history
    life.bp,  # LIFE-1: organisation life (三会两制一课)
    party.bp,  # PARTY-1: recommendation to the Party (推优入党)
    dues_offline.bp,  # DUES-5: the online start month, months paid offline, 帮TA交
    auth.bp,  # ACCT: signing up, in and out, password resets, cadres' invitations
):
    register(app, blueprint)

# First, so that it wraps the others: Chalice's own answers (405, 500) in the API's shape.
app.register_middleware(chalice_answers, "http")
_inject_http_context = ConvertToMiddleware(
    logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
)
_inject_event_context = ConvertToMiddleware(logger.inject_lambda_context)


def inject_lambda_context(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Middleware: the Lambda context in every log line, injected once per event (a second
    injection would also mark the first event of a cold start warm); an HTTP request's
    correlation id is API Gateway's request id."""
    inject = _inject_http_context if isinstance(event, Request) else _inject_event_context
    return inject(event, get_response)


app.register_middleware(inject_lambda_context, "all")
app.register_middleware(ConvertToMiddleware(metrics.log_metrics), "all")
app.register_middleware(ConvertToMiddleware(tracer.capture_lambda_handler), "all")


# What Chalice writes as a stream mapping's source; infra/template.py replaces it.
STREAM_ARN_PLACEHOLDER = f"arn:aws:dynamodb:us-east-1:123456789012:table/{manifest.table}/stream/latest"


def _resolve(dotted: str) -> Callable[..., Any]:
    module, _, attribute = dotted.rpartition(".")
    handler: Callable[..., Any] = getattr(importlib.import_module(module), attribute)
    return handler


def _wire(name: str) -> Any:
    """Register manifest function `name` with its trigger. Chalice hands event handlers its
    own event object; ours take the raw Lambda event (as powertools' BatchProcessor does)."""
    function = manifest.functions[name]
    handler = _resolve(function.handler)

    def entry(event: Any) -> Any:
        faults.maybe_crash(name, "before")
        result = handler(event.to_dict(), event.context)
        faults.maybe_crash(name, "after")
        return result

    entry.__name__ = entry.__qualname__ = name
    entry.__module__ = __name__
    trigger = function.trigger
    if isinstance(trigger, SqsTrigger):
        return app.on_sqs_message(
            queue=manifest.queue_name(trigger.queue),
            batch_size=trigger.batch_size,
            maximum_concurrency=trigger.maximum_concurrency,
            name=name,
        )(entry)
    if isinstance(trigger, ScheduleTrigger):
        return app.schedule(trigger.expression, name=name)(entry)
    if isinstance(trigger, StreamTrigger):
        # The ARN is the template's to fill (infra/template.py: the table's StreamArn).
        return app.on_dynamodb_record(
            stream_arn=STREAM_ARN_PLACEHOLDER,
            batch_size=trigger.batch_size,
            starting_position="TRIM_HORIZON",
            maximum_batching_window_in_seconds=trigger.batching_window_seconds,
            name=name,
        )(entry)
    assert isinstance(trigger, InvokeTrigger)
    return app.lambda_function(name=name)(entry)


# Lambda finds each handler as `app.<name>`: bind them at module level.
globals().update({name: _wire(name) for name in manifest.functions})
