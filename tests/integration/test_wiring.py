"""The manifest (chalicefile.json) is the one statement of wiring: the Chalice app's event
sources must be exactly what it says, and the OpenAPI document exactly the app's routes."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from chalice.app import DynamoDBEventConfig, ScheduledEventConfig, SQSEventConfig
from openapi_spec_validator import validate

from app import app
from chalicelib.openapi import document
from tests.support import call
from zhtj.core.manifest import InvokeTrigger, ScheduleTrigger, SqsTrigger, StreamTrigger, load_manifest


def _declared(sources: Any) -> dict[str, Any]:
    declared: dict[str, Any] = {}
    for source in sources:
        if isinstance(source, SQSEventConfig):
            declared[source.name] = ("sqs", source.queue, source.batch_size, source.maximum_concurrency)
        elif isinstance(source, ScheduledEventConfig):
            declared[source.name] = ("schedule", source.schedule_expression)
        elif isinstance(source, DynamoDBEventConfig):
            declared[source.name] = ("stream", source.batch_size, source.maximum_batching_window_in_seconds)
        else:
            declared[source.name] = (type(source).__name__,)
    return declared


def _fresh_interpreter(probe: str) -> str:
    """The last line `probe` prints, run in a new interpreter as Lambda would start one (the
    functions and the layer on its path, nothing imported before)."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": f"{root / 'functions'}:{root / 'layers'}", "AWS_DEFAULT_REGION": "cn-north-1", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_app_event_sources_match_manifest() -> None:
    manifest = load_manifest()
    declared = _declared(app.event_sources)
    expected: dict[str, Any] = {}
    for name, function in manifest.functions.items():
        trigger = function.trigger
        if isinstance(trigger, SqsTrigger):
            queue = manifest.queue_name(trigger.queue)
            expected[name] = ("sqs", queue, trigger.batch_size, trigger.maximum_concurrency)
        elif isinstance(trigger, ScheduleTrigger):
            expected[name] = ("schedule", trigger.expression)
        elif isinstance(trigger, StreamTrigger):
            expected[name] = ("stream", trigger.batch_size, trigger.batching_window_seconds)
    assert declared == expected
    pure = {name for name in app.pure_lambda_functions}
    assert pure == {n for n, f in manifest.functions.items() if isinstance(f.trigger, InvokeTrigger)}


def test_every_manifest_handler_is_bound_on_the_app_module() -> None:
    import app as app_module

    for name in load_manifest().functions:
        assert callable(getattr(app_module, name))


def test_every_manifest_handler_names_a_callable() -> None:
    from chalicelib.wiring import resolve

    for function in load_manifest().functions.values():
        assert callable(resolve(function.handler)), function.handler


def test_the_entry_wires_each_function_with_its_trigger_and_middleware_as_app_does() -> None:
    import chalicelib.entry as entry

    # Given the API app's wiring; When each function is looked up on the entry module (as Lambda does)
    for name in load_manifest().functions:
        assert callable(getattr(entry, name))
    # Then the entry's app declares the same event sources, and the same middleware for events
    assert _declared(entry.app.event_sources) == _declared(app.event_sources)

    def events_middleware(chalice_app: Any) -> list[tuple[str, str]]:
        handlers = chalice_app.middleware_handlers
        return [(getattr(f, "__name__", type(f).__name__), kind) for f, kind in handlers if kind != "http"]

    assert events_middleware(entry.app) == events_middleware(app)
    assert not hasattr(entry, "not_a_function")


def test_an_event_function_imports_its_own_handler_and_no_route() -> None:
    probe = (
        "import sys; from chalicelib.entry import registration_worker; "
        "print(','.join(sorted(m for m in sys.modules if m.startswith('chalicelib.'))))"
    )
    # When a fresh interpreter imports the registration worker as Lambda would
    printed = _fresh_interpreter(probe)
    # Then it loaded its own workers module and the shared adapters, no blueprint nor other worker
    loaded = printed.split(",")
    shared = ["chalicelib.entry", "chalicelib.events", "chalicelib.wiring"]
    assert loaded == sorted([*shared, "chalicelib.registration", "chalicelib.registration.workers"])


def test_no_event_function_loads_pydantic_models_and_collection_is_back_on_after_loading() -> None:
    probe = (
        "import gc, sys, importlib; entry = importlib.import_module('chalicelib.entry'); "
        "from zhtj.core.manifest import load_manifest; "
        "[getattr(entry, name) for name in load_manifest().functions]; "
        "print(gc.isenabled(), 'pydantic.main' in sys.modules, len(load_manifest().functions))"
    )
    # When a fresh interpreter imports every event function as Lambda would (each its own, here all in one)
    printed = _fresh_interpreter(probe)
    # Then none loaded pydantic's model machinery (the manifest and the queue messages are records;
    # docs/architecture.md, "Cold starts"), and garbage collection, held while they loaded, is on again
    enabled, pydantic_loaded, functions = printed.split()
    assert (enabled, pydantic_loaded) == ("True", "False") and int(functions) > 10


def test_the_routes_table_is_what_the_route_modules_declare_and_the_app_routes_each_as_declared() -> None:
    """chalicelib/routes.json is generated; after a route changes, write it again:
    ZHTJ_WRITE_ROUTES_TABLE=1 ./dev test tests/integration/test_wiring.py"""
    from chalicelib import routing

    # Given every route module imported and its blueprint registered with a scratch app
    declared = routing.declared()
    if os.environ.get("ZHTJ_WRITE_ROUTES_TABLE") == "1":
        routing.TABLE.write_text(routing.table_json(declared))
    # Then the committed table is exactly that, in that order
    assert routing.TABLE.read_text() == routing.table_json(declared), "ZHTJ_WRITE_ROUTES_TABLE=1 writes it again"
    # And the app registers every one of them as Chalice would have registered the blueprints
    mounted = [
        routing.Route(path, method, "", entry.view_name, entry.cors is not None, tuple(entry.content_types))
        for path, methods in app.routes.items()
        for method, entry in methods.items()
    ]
    assert mounted == [dataclasses.replace(route, module="") for route in declared]


def test_the_api_import_loads_no_route_module_nor_pydantic_models_nor_a_capability() -> None:
    probe = (
        "import sys, gc, importlib; getattr(importlib.import_module('app'), 'app'); "
        "print(gc.isenabled(), ','.join(sorted(m for m in sys.modules if m.startswith(('chalicelib.', 'zhtj.', "
        "'pydantic.', 'jwt', 'openpyxl', 'cryptography')))))"
    )
    # When a fresh interpreter imports the API as Lambda would (the handler string app.app)
    printed = _fresh_interpreter(probe)
    # Then it loaded the wiring, the answers and the routes' table of chalicelib, zhtj.core alone of
    # the layer, and neither pydantic's models (pydantic.main) nor PyJWT, openpyxl or cryptography
    enabled, loaded = printed.split()
    modules = loaded.split(",")
    assert enabled == "True"
    assert [m for m in modules if m.startswith("chalicelib.")] == [
        "chalicelib.answers",
        "chalicelib.routing",
        "chalicelib.wiring",
    ]
    assert [m for m in modules if not m.startswith(("chalicelib.", "zhtj.core"))] == []


def test_a_route_module_is_imported_at_its_route_first_request_and_no_other() -> None:
    probe = (
        "import json, sys; from app import app; from chalice.test import Client; "
        "routes = lambda: ','.join(sorted(m for m in sys.modules if m.startswith('chalicelib.') and "
        "m not in ('chalicelib.answers', 'chalicelib.routing', 'chalicelib.wiring'))) or '-'; "
        "before = routes(); answer = Client(app).http.get('/health'); "
        "print(before, answer.status_code, json.loads(answer.body)['status'], routes())"
    )
    # Given a fresh interpreter that imported the API; When it serves GET /health
    printed = _fresh_interpreter(probe)
    # Then the route's module (and the HTTP adapter it declares its routes with) was loaded then,
    # not before, and its real view answered; no other route module was loaded
    before, status, body, after = printed.split()
    assert (before, status, body) == ("-", "200", "ok")
    assert after.split(",") == ["chalicelib.http", "chalicelib.openapi", "chalicelib.schemas"]


def test_every_queue_has_a_consumer_and_a_dead_letter_queue(aws: None) -> None:
    import boto3

    manifest = load_manifest()
    sqs = boto3.client("sqs")
    for name, queue in manifest.queues.items():
        url = sqs.get_queue_url(QueueName=manifest.queue_name(name))["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert manifest.dlq_name(name) in attributes["RedrivePolicy"]
        assert int(attributes["VisibilityTimeout"]) == queue.visibility_timeout_seconds


def test_openapi_document_is_valid_and_matches_routes(client: Any) -> None:
    status, served = call(client, "GET", "/openapi.json")
    assert status == 200
    validate(served)
    documented = {(method.upper(), path) for path, ops in served["paths"].items() for method in ops}
    routed = {(method, path) for path, entry in app.routes.items() for method in entry}
    assert documented == routed
    assert served == document()


def _context_injections(monkeypatch: Any) -> list[str]:
    """Every injection of a Lambda context into the log's keys (powertools marks each with
    cold_start) and every setting of a correlation id, as they happen."""
    from zhtj.core.observability import logger

    seen: list[str] = []
    append_keys, set_correlation_id = logger.append_keys, logger.set_correlation_id

    def spy_keys(**keys: Any) -> None:
        if "cold_start" in keys:
            seen.append("context")
        append_keys(**keys)

    def spy_correlation(value: str | None) -> None:
        seen.append("correlation")
        set_correlation_id(value)

    monkeypatch.setattr(logger, "append_keys", spy_keys)
    monkeypatch.setattr(logger, "set_correlation_id", spy_correlation)
    return seen


def test_an_http_request_injects_the_lambda_context_once_with_its_correlation_id(client: Any, monkeypatch: Any) -> None:
    # Given the log's context injections watched
    seen = _context_injections(monkeypatch)
    # When one request goes through the app
    status, _ = call(client, "GET", "/health")
    # Then the context was injected once, with the request's correlation id (API Gateway's request id)
    assert status == 200
    assert seen == ["context", "correlation"]


def test_an_event_injects_the_lambda_context_once(client: Any, monkeypatch: Any) -> None:
    # Given the log's context injections watched
    seen = _context_injections(monkeypatch)
    # When one scheduled event goes through the app
    scheduled = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
    assert client.lambda_.invoke("card_sweep", scheduled).payload == {"announced": 0, "relabels": 0}
    # Then the context was injected once, with no correlation id (an event has no request id)
    assert seen == ["context"]
