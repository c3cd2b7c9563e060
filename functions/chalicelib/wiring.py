"""The wiring every Lambda function of the manifest shares: the Chalice app object, the
middleware each event goes through (powertools once per event), and each manifest function bound
to its trigger. `app.py` builds the API's app from it (every blueprint, every function, what
`chalice package` and `chalice local` read); `chalicelib.entry` builds an event function's app
from it with that one function alone, so that a worker's cold start imports its own handler and
nothing of the API (docs/architecture.md, "Cold starts")."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from chalice.app import Chalice, ConvertToMiddleware, Request

from zhtj.core import faults
from zhtj.core.logredact import install as install_id_masking
from zhtj.core.manifest import InvokeTrigger, Manifest, ScheduleTrigger, SqsTrigger, StreamTrigger, load_manifest
from zhtj.core.observability import logger, metrics, tracer

Middleware = Callable[[Any, Callable[[Any], Any]], Any]

# What Chalice writes as a stream mapping's source; infra/template.py replaces it.
STREAM_ARN_PLACEHOLDER = "arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/latest"

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


def new_app(http_middleware: Iterable[Middleware] = ()) -> Chalice:
    """The Chalice app named by the manifest, with its middleware: `http_middleware` first (so
    that it wraps the others), then the Lambda context in the log, the metrics flush and, where
    tracing is on, the tracer."""
    app = Chalice(app_name=load_manifest().app)
    app.api.binary_types = []
    # Chalice logs uncaught exceptions with their tracebacks through its own logger.
    install_id_masking(app.log)
    for middleware in http_middleware:
        app.register_middleware(middleware, "http")
    app.register_middleware(inject_lambda_context, "all")
    app.register_middleware(ConvertToMiddleware(metrics.log_metrics), "all")
    traced = tracer()
    if traced is not None:
        app.register_middleware(ConvertToMiddleware(traced.capture_lambda_handler), "all")
    return app


def resolve(dotted: str) -> Callable[..., Any]:
    """The handler a manifest function names (`chalicelib.<capability>.workers.<name>`)."""
    module, _, attribute = dotted.rpartition(".")
    handler: Callable[..., Any] = getattr(importlib.import_module(module), attribute)
    return handler


def wire(app: Chalice, name: str, handler: Callable[..., Any] | None = None) -> Any:
    """Register manifest function `name` on `app` with its trigger and return what Lambda calls.
    Chalice hands event handlers its own event object; ours take the raw Lambda event (as
    powertools' BatchProcessor does). Without `handler`, the manifest's is imported at its
    first event (the API's app never has one: its handlers run in their own functions)."""
    manifest: Manifest = load_manifest()
    function = manifest.functions[name]
    resolved: list[Callable[..., Any]] = [handler] if handler is not None else []

    def entry(event: Any) -> Any:
        if not resolved:
            # Every item class, for the table's type discriminator: the API's import (app.py)
            # loads none of them (chalicelib.entry does, before wiring).
            importlib.import_module("zhtj.registry")
            resolved.append(resolve(function.handler))
        faults.maybe_crash(name, "before")
        result = resolved[0](event.to_dict(), event.context)
        faults.maybe_crash(name, "after")
        return result

    entry.__name__ = entry.__qualname__ = name
    entry.__module__ = "app"
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
            stream_arn=STREAM_ARN_PLACEHOLDER.format(table=manifest.table),
            batch_size=trigger.batch_size,
            starting_position="TRIM_HORIZON",
            maximum_batching_window_in_seconds=trigger.batching_window_seconds,
            name=name,
        )(entry)
    assert isinstance(trigger, InvokeTrigger)
    return app.lambda_function(name=name)(entry)
