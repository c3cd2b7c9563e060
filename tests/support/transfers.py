"""Transfers through the HTTP API: start one, act on a step, approve it; and the figures
(member counts, XFER-2 transfer figures) the tests check after every path."""

from __future__ import annotations

from typing import Any

from tests.support.http import call, member_headers
from tests.support.world import World
from zhtj.orgs.models import Org
from zhtj.table import keys
from zhtj.transfers import figures as transfer_figures


def count(world: World, org: str) -> int:
    return int(Org.get(keys.org_pk(world.orgs[org]), keys.META, consistent_read=True).member_count)


def figures(world: World, org: str) -> transfer_figures.Figures:
    return transfer_figures.figures(world.orgs[org])


def start(client: Any, world: World, who: str, member_id: str, **body: Any) -> dict[str, Any]:
    headers = member_headers(world, member_id) if who == "member" else world.headers(who)
    status, answer = call(client, "POST", f"/members/{member_id}/transfers", headers, {"cause": "EMPLOYMENT", **body})
    assert status == 201, answer
    return dict(answer)


def act(client: Any, world: World, who: str, t: dict[str, Any], verb: str, **body: Any) -> tuple[int, Any]:
    path = f"/members/{t['member_id']}/transfers/{t['transfer_id']}/{verb}"
    return call(client, "POST", path, world.headers(who), body)


def approve(client: Any, world: World, who: str, t: dict[str, Any], **extra: Any) -> dict[str, Any]:
    status, answer = act(client, world, who, t, "approve", step=t["step_index"], **extra)
    assert status == 200, answer
    return dict(answer)
