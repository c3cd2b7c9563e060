"""zhtj (智慧团建): the Chalice app. Registers one blueprint per capability, attaches
powertools once as middleware, and wires every event handler from chalicefile.json."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from chalice import Chalice, ConvertToMiddleware

import chalicelib.cards
import zhtj.registry  # noqa: F401
from chalicelib import (
    accounts,
    audit,
    deadlines,
    dues,
    dues_providers,
    imports,
    members,
    openapi,
    orgs,
    registration,
    transfer_batches,
    transfer_proposals,
    transfers,
)
from chalicelib import awards as award_routes
from chalicelib import search as search_routes
from chalicelib import stats as stats_routes
from chalicelib.http import chalice_answers
from zhtj.core import faults
from zhtj.core.logredact import install as install_id_masking
from zhtj.core.manifest import InvokeTrigger, ScheduleTrigger, SqsTrigger, StreamTrigger, load_manifest
from zhtj.core.observability import logger, metrics, tracer

manifest = load_manifest()
app = Chalice(app_name=manifest.app)
app.api.binary_types = []
# Chalice logs uncaught exceptions with their tracebacks through its own logger.
install_id_masking(app.log)

for blueprint in (
    orgs.bp,
    accounts.bp,
    audit.bp,
    registration.bp,
    deadlines.bp,
    imports.bp,
    members.bp,
    dues.bp,
    dues_providers.bp,  # DUES-3: the providers' notifications, reconciliation, anomalies
    transfers.bp,
    transfer_proposals.bp,  # XFER-2: proposed by an organisation outside the member's subtree
    transfer_batches.bp,  # XFER-6: graduation and batches
    award_routes.bp,  # AWARD and the annual records the card shows
    search_routes.bp,  # STAT-3: members and organisations by name fragment or ID number
    stats_routes.bp,  # STAT-1..2 and SWEEP: subtree figures, the daily bulletin, findings
    openapi.bp,
):
    app.register_blueprint(blueprint)
app.register_blueprint(chalicelib.cards.bp)  # CARD: the member card, its download and public verification

# First, so that it wraps the others: Chalice's own answers (405, 500) in the API's shape.
app.register_middleware(chalice_answers, "http")
app.register_middleware(
    ConvertToMiddleware(logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)), "http"
)
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context), "all")
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
