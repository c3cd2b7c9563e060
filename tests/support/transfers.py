"""Transfers through the HTTP API: start one, act on a step, approve it; and the figures
(member counts, XFER-2 transfer figures) the tests check after every path."""

from __future__ import annotations

from typing import Any

from tests.support.http import call, member_headers
from tests.support.sms import last_code
from tests.support.world import World
from zhtj.accounts.models import Account
from zhtj.orgs.models import Org
from zhtj.signin import codes
from zhtj.table import keys, limits
from zhtj.transfers import figures as transfer_figures


def count(world: World, org: str) -> int:
    return int(Org.get(keys.org_pk(world.orgs[org]), keys.META, consistent_read=True).member_count)


def figures(world: World, org: str) -> transfer_figures.Figures:
    return transfer_figures.figures(world.orgs[org])


def transfer_code(world: World, member_id: str) -> str:
    """A fresh SMS code for "transfer" sent to the member's account's phone (XFER-2: a member
    starting their own transfer confirms by SMS), read from the test SMS outbox. The sending
    limits of the phone are cleared first: a test may start several transfers within a minute."""
    phone = Account.get(keys.account_pk(world.member_accounts[member_id]), keys.META).phone
    assert phone
    for limit in codes.PER_PHONE:
        limits.clear(limit, phone)
    for limit in codes.PER_CALLER:
        limits.clear(limit, "tests")
    codes.send(phone, codes.Purpose.TRANSFER, "tests")
    return last_code(phone)


def start(client: Any, world: World, who: str, member_id: str, **body: Any) -> dict[str, Any]:
    headers = member_headers(world, member_id) if who == "member" else world.headers(who)
    if who == "member" and "sms_code" not in body:
        body["sms_code"] = transfer_code(world, member_id)
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
