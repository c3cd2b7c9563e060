"""Registrations through the HTTP API: ID numbers for test persons, the registration form,
a submission from an applicant's session (ACCT-2) delivered by the registration worker."""

from __future__ import annotations

from typing import Any

from tests.support.http import call
from tests.support.queues import drain
from tests.support.sessions import applicant_headers
from tests.support.world import World
from zhtj.core.errors import ValidationError
from zhtj.core.identity import check_character
from zhtj.core.phones import check_phone


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


def applicant_for(body: dict[str, Any]) -> dict[str, str]:
    """A fresh applicant's session (ACCT-2), signed up with the form's phone when it has one."""
    try:
        phone = check_phone(body.get("phone")) if isinstance(body.get("phone"), str) else None
    except ValidationError:
        phone = None  # a malformed phone in the form: the API refuses it, field by field
    return applicant_headers(phone)


def submit(client: Any, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """POST /registrations from `headers`' session, or from a fresh applicant's."""
    if not headers or "Authorization" not in headers:
        headers = {**(headers or {}), **applicant_for(body)}
    return call(client, "POST", "/registrations", {"Content-Type": "application/json", **headers}, body)


def follow(client: Any, registration_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """The applicant's view of their registration (GET /me/registrations/{id})."""
    status, answer = call(client, "GET", f"/me/registrations/{registration_id}", headers)
    assert status == 200, answer
    return dict(answer)


def registered(client: Any, world: World, headers: dict[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    """A registration submitted (by `headers`' applicant, or a fresh one) and written by the
    worker: the applicant's view of it, with the applicant's `headers` to go on with."""
    body = form(world, **overrides)
    headers = headers or applicant_for(body)
    status, answer = submit(client, body, headers)
    assert status == 202, answer
    drain(client)
    return {**follow(client, answer["registration_id"], headers), "headers": headers}


def complete_id(body17: str) -> str:
    """The ID number whose first 17 characters are `body17` (its check character appended)."""
    return body17 + check_character(body17)
