"""Lambda's entry for every event function of the manifest (queue, schedule, stream, invoke):
the cloud template sets such a function's handler to `chalicelib.entry.<name>` (chalice package
writes `app.<name>`, which would import the whole API). Looking the name up here wires that one
function on an app of its own (chalicelib.wiring: the same middleware and trigger as app.py's)
and imports its handler module and what that module needs, nothing else: no blueprint, no
other capability's worker (docs/architecture.md, "Cold starts"; bench/cold_import.py measures
each function)."""

from __future__ import annotations

from typing import Any

from zhtj.core import heap

# The function's cold start: no garbage collection while its code loads (zhtj.core.heap.loading).
with heap.loading():
    import zhtj.registry  # noqa: F401  (every item class known to the table's type discriminator)
    from chalicelib.wiring import new_app, resolve, wire
    from zhtj.core.manifest import load_manifest

    app = new_app()


def __getattr__(name: str) -> Any:
    """`chalicelib.entry.<name>`: what Lambda calls for manifest function `name`, wired and its
    handler imported on first look-up (Lambda looks it up once, at the function's start)."""
    function = load_manifest().functions.get(name)
    if function is None:
        raise AttributeError(f"{__name__} has no attribute {name!r} (not a function of the manifest)")
    with heap.loading():
        handler = wire(app, name, resolve(function.handler))
    globals()[name] = handler
    return handler
