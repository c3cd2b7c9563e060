"""Accounts through the HTTP API: a cadre invited by SMS and accepting (ACCT-5), a person
signing up (ACCT-1), reading the code from the SMS outbox as the person would from their phone."""

from __future__ import annotations

from typing import Any

from tests.support import sms
from tests.support.http import call
from tests.support.world import World

JSON = {"Content-Type": "application/json"}
PASSWORD = "abc12345"


def invitation_token(phone: str) -> str:
    """The token of the latest invitation texted to `phone` (the link's last part)."""
    for sent in sms.outbox(phone):
        if "link" in sent.params:
            return sent.params["link"].rsplit("/", 1)[-1]
    raise AssertionError(f"no invitation was texted to {phone}")


def e164(phone: str) -> str:
    return phone if phone.startswith("+") else f"+86{phone}"


def invite(client: Any, world: World, org: str, name: str, phone: str, position: str = "委员") -> tuple[int, Any]:
    body = {"name": name, "phone": phone, "position": position}
    return call(client, "POST", f"/orgs/{world.orgs[org]}/cadre-invitations", world.headers(org), body)


def invited_cadre(client: Any, world: World, org: str, name: str, phone: str, position: str = "委员") -> dict[str, Any]:
    """A person new to the system invited by `org` and accepting with a password: the answer of
    the acceptance (its account, and its session)."""
    status, answer = invite(client, world, org, name, phone, position)
    assert status == 201, answer
    token = invitation_token(e164(phone))
    status, accepted = call(client, "POST", f"/auth/invitations/{token}/accept", JSON, {"password": PASSWORD})
    assert status == 200, accepted
    return dict(accepted)


def signed_up(client: Any, phone: str, password: str = PASSWORD) -> dict[str, Any]:
    """A person signing up with their phone: the session answer."""
    status, answer = call(client, "POST", "/auth/sms-codes", JSON, {"phone": phone, "purpose": "sign_up"})
    assert status == 202, answer
    code = sms.last_code(e164(phone))
    status, answer = call(client, "POST", "/auth/sign-up", JSON, {"phone": phone, "code": code, "password": password})
    assert status == 201, answer
    return dict(answer)


def bearer(session: dict[str, Any]) -> dict[str, str]:
    return {**JSON, "Authorization": f"Bearer {session['access_token']}"}
