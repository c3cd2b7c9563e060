"""The API's routes, registered with Chalice without importing them: lazy route modules, Chalice
still the one wiring (docs/architecture.md, "Cold starts").

`routes.json`, beside this module, is GENERATED: every route of the route modules (`MODULES`, in
the order the OpenAPI document lists them) as Chalice registers it — path, method, view name,
CORS, media types — and the module that serves it. `mount(app)` registers every one of them
with the app, so that `app.routes` is complete for `chalice package`, `chalice local`, the test
client and the local runner; each view is a small proxy that, at its route's first request,
imports the route's module (and `zhtj.registry`, every item class) and calls the real view, the
one `route(...)` recorded for its (method, path). The API's cold start thus loads no route
module, no pydantic model and no capability of the layer: each route pays for its own module
at its first request.

The table is written from the route modules themselves, never by hand:

    ZHTJ_WRITE_ROUTES_TABLE=1 ./dev test tests/integration/test_wiring.py

and `tests/integration/test_wiring.py` fails when it differs from what they declare.

This module is what the API's import loads of chalicelib besides the wiring: it may import
chalice and `zhtj.core` only (no pydantic, no capability), as may `chalicelib.answers`.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from chalice.app import Blueprint, Chalice, CORSConfig, Request, Response

# The route modules, each with its `bp = Blueprint(__name__)`. Their order is the OpenAPI
# document's order of paths, and of a path's methods (tests/snapshots/openapi.json holds it byte
# for byte): add a module at the end.
MODULES = (
    "chalicelib.cards.routes",  # CARD: the member card, its download and public verification
    "chalicelib.cards.qr",  # CARD-2/WEB-1: the verification QR code the member shows on the phone
    "chalicelib.accounts.routes",
    "chalicelib.accounts.wechat",  # WEB-1, MSG-1: the openid under the official account (JSAPI payments, notifications)
    "chalicelib.audit.routes",
    "chalicelib.deadlines.routes",  # REV-2: overdue reviews
    "chalicelib.timers.routes",  # the working-day calendar the deadlines count in
    "chalicelib.dues.routes",
    "chalicelib.dues.providers",  # DUES-3: the providers' notifications, reconciliation, anomalies
    "chalicelib.imports.routes",
    "chalicelib.changes.edits",  # EDIT: a member's edits after approval, join-month corrections
    "chalicelib.changes.deletions",  # DEL
    "chalicelib.changes.exits",  # EXIT
    "chalicelib.openapi",
    "chalicelib.orgs.routes",
    "chalicelib.registration.routes",
    "chalicelib.transfers.routes",
    "chalicelib.transfers.batches",  # XFER-6: graduation and batches
    "chalicelib.transfers.proposals",  # XFER-2: proposed by an organisation outside the member's subtree
    "chalicelib.awards.routes",  # AWARD
    "chalicelib.annual.routes",  # the annual records the card shows
    "chalicelib.search.routes",  # STAT-3: members and organisations by name fragment or ID number
    "chalicelib.stats.routes",  # STAT-1..2: subtree figures, the daily bulletin, findings
    "chalicelib.sweeps.routes",  # SWEEP: compliance sweeps and their history
    "chalicelib.life.routes",  # LIFE-1: organisation life (三会两制一课)
    "chalicelib.party.routes",  # PARTY-1: recommendation to the Party (推优入党)
    "chalicelib.dues.offline",  # DUES-5: the online start month, months paid offline, 帮TA交
    "chalicelib.accounts.auth",  # ACCT: signing up, in and out, password resets, cadres' invitations
    "chalicelib.messages.routes",  # MSG-1..2: in-app messages, notification preferences, 催交
    "chalicelib.notices.routes",  # MSG-3: notices (通知公告) with attachments and read counts
    "chalicelib.worklist.routes",  # MSG-4: the work list (待办)
    "chalicelib.orgs.public",  # WEB-1: the public branch lookup and a branch's registration QR link
    "chalicelib.members.routes",  # WEB-1: the member's own branch (我的组织) and branch mates (帮TA交)
)

TABLE = Path(__file__).with_name("routes.json")


@dataclass(frozen=True)
class Route:
    """One route as Chalice registers it, and the module whose view serves it."""

    path: str
    method: str
    module: str
    view: str  # Chalice's view name (the view function's name)
    cors: bool  # Chalice's default CORS configuration, or none
    content_types: tuple[str, ...]


# The real view of every route whose module is imported, by (method, path): what `route(...)`
# registers on the module's blueprint, and what a proxy calls.
_VIEWS: dict[tuple[str, str], Callable[..., Any]] = {}
# The app the routes are mounted on: the request a view reads (`current_request`).
_mounted: list[Chalice] = []


def route(
    blueprint: Blueprint,
    path: str,
    method: str,
    view: Callable[..., Any],
    *,
    content_types: list[str],
    cors: bool = False,
) -> None:
    """Register `view` as the route (method, path) of `blueprint`: on the blueprint (what the
    table is generated from) and by (method, path), for the proxy `mount` put on the app."""
    blueprint.route(path, methods=[method], cors=cors, content_types=content_types)(view)
    _VIEWS[(method, path)] = view


def current_request() -> Request:
    """The request being served (route modules' blueprints are never registered with the app,
    so `bp.current_request` has no app to ask)."""
    request = _mounted[-1].current_request if _mounted else None
    if request is None:
        raise RuntimeError("no request is being served (the routes are not mounted on an app)")
    return request


def table() -> list[Route]:
    """The committed table (routes.json)."""
    return [Route(**{**row, "content_types": tuple(row["content_types"])}) for row in json.loads(TABLE.read_text())]


def table_json(routes: list[Route]) -> str:
    """routes.json's text: one route a line."""
    return "[\n" + ",\n".join(json.dumps(asdict(r), ensure_ascii=False) for r in routes) + "\n]\n"


def import_all() -> list[ModuleType]:
    """Every route module, imported (the OpenAPI document's order)."""
    importlib.import_module("zhtj.registry")
    return [importlib.import_module(name) for name in MODULES]


def declared() -> list[Route]:
    """The table as the route modules declare it: every module imported and its blueprint
    registered with a scratch app, in `MODULES` order, read back from Chalice's own routes."""
    scratch = Chalice(app_name="routes")
    owner: dict[tuple[str, str], str] = {}
    for module in import_all():
        blueprint: Blueprint = module.bp
        scratch.register_blueprint(blueprint)
        for path, methods in scratch.routes.items():
            for method in methods:
                owner.setdefault((method, path), module.__name__)
    routes = []
    for path, methods in scratch.routes.items():
        for method, entry in methods.items():
            if entry.api_key_required is not None or entry.authorizer is not None:
                raise ValueError(f"{method} {path}: the table does not hold API keys or authorizers")
            if entry.cors is not None and entry.cors.__dict__ != CORSConfig().__dict__:
                raise ValueError(f"{method} {path}: the table holds Chalice's default CORS or none")
            view = entry.view_name
            routes.append(
                Route(path, method, owner[(method, path)], view, entry.cors is not None, tuple(entry.content_types))
            )
    return routes


def _proxy(entry: Route) -> Callable[..., Response]:
    """The view Chalice calls for `entry`: the real one, its module imported at the first call."""
    loaded: list[Callable[..., Response]] = []

    def proxy(**params: str) -> Response:
        if not loaded:
            # Not inside heap.loading (as app.py's imports are): measured, holding collection
            # while one route module loads gains nothing, and each freeze would keep whatever
            # garbage the process holds at that moment for its life.
            importlib.import_module("zhtj.registry")  # every item class, for the table's type discriminator
            importlib.import_module(entry.module)
            loaded.append(_VIEWS[(entry.method, entry.path)])
        return loaded[0](**params)

    proxy.__name__ = proxy.__qualname__ = entry.view
    return proxy


def mount(app: Chalice) -> None:
    """Register every route of the table with `app`, each view a proxy importing its module at
    its first request; `current_request` reads `app`'s request."""
    _mounted.append(app)
    for entry in table():
        app.route(
            entry.path,
            methods=[entry.method],
            cors=entry.cors,
            content_types=list(entry.content_types),
            name=entry.view,
        )(_proxy(entry))
