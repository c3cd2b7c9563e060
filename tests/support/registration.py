"""Registrations through the HTTP API: ID numbers for test persons, the registration form,
a submission delivered by the registration worker."""

from __future__ import annotations

from typing import Any

from tests.support.http import call
from tests.support.queues import drain
from tests.support.world import World
from zhtj.core.identity import check_character


def make_id(birth: str = "20050301", seq: int = 123, region: str = "440106") -> str:
    body = f"{region}{birth}{seq:03d}"
    return body + check_character(body)


def form(world: World, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": "李晓明",
        "id_number": make_id(),
        "ethnicity": "汉族",
        "political_status": "03",
        "join_month": "2021-05",
        "branch_id": world.orgs["huajing"],
        "is_cadre": False,
        "development_number": "202144010001",
        "phone": "13800138000",
    }
    body.update(overrides)
    return body


def submit(client: Any, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
    return call(client, "POST", "/registrations", {"Content-Type": "application/json", **(headers or {})}, body)


def registered(client: Any, world: World, **overrides: Any) -> dict[str, Any]:
    status, answer = submit(client, form(world, **overrides))
    assert status == 202, answer
    drain(client)
    status, ticket = call(client, "GET", f"/registrations/tickets/{answer['ticket']}")
    assert status == 200
    return dict(ticket)


def complete_id(body17: str) -> str:
    """The ID number whose first 17 characters are `body17` (its check character appended)."""
    return body17 + check_character(body17)
