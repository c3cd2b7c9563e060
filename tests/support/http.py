"""Requests through the Chalice test client, as an administrator or as a member."""

from __future__ import annotations

import json
from typing import Any

from tests.support.world import World


def call(
    client: Any, method: str, path: str, headers: dict[str, str] | None = None, body: Any = None
) -> tuple[int, Any]:
    """One request through the Chalice app; returns (status, decoded JSON or None)."""
    payload = json.dumps(body, ensure_ascii=False) if body is not None else None
    response = getattr(client.http, method.lower())(path, headers=headers or {}, body=payload)
    return response.status_code, json.loads(response.body) if response.body else None


def member_headers(world: World, member_id: str) -> dict[str, str]:
    """Headers of a request from the member's own session (their account, no organisation)."""
    return world.account_headers(world.member_accounts[member_id])
