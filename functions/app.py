"""zhtj (智慧团建): the Chalice app. Registers every route of the API (each route's module
imported at its first request: chalicelib/routing.py), attaches powertools once as middleware,
and wires every event handler from chalicefile.json.

What this module imports is the API's cold start (docs/architecture.md, "Cold starts"): Chalice,
powertools, `zhtj.core` and the table of routes, no route module, no pydantic model, no
capability of the layer (tests/integration/test_wiring.py checks it)."""

from __future__ import annotations

from zhtj.core import heap

# The API's cold start: no garbage collection while its code loads (zhtj.core.heap.loading).
with heap.loading():
    from chalicelib import routing
    from chalicelib.answers import chalice_answers
    from chalicelib.wiring import new_app, wire
    from zhtj.core.manifest import load_manifest

    manifest = load_manifest()
    # Chalice's own answers (405, 500) in the API's shape: the first middleware, so that it wraps
    # the others (the Lambda context in the log, the metrics, the tracer: chalicelib.wiring).
    app = new_app(http_middleware=[chalice_answers])

    # Every route of chalicelib/routes.json (generated from the route modules, in their order),
    # its view a proxy that imports the route's module at its first request.
    routing.mount(app)

    # Lambda finds each handler as `app.<name>` (chalice package writes that handler string; the
    # cloud template points the event functions at chalicelib.entry instead, which imports only
    # their own handler). Here a handler module is imported at its function's first event.
    globals().update({name: wire(app, name) for name in manifest.functions})
