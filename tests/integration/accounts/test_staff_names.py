"""WEB-2: an organisation's staff are listed with their names (the console's 团干部与管理员), read in
one BatchGetItem beside the grants' query."""

from __future__ import annotations

from typing import Any

from tests.support.http import call
from tests.support.world import World


def test_web_2_staff_listed_by_name(client: Any, world: World) -> None:
    # When the city lists Tianhe's staff
    status, body = call(client, "GET", f"/orgs/{world.orgs['tianhe']}/grants", world.headers("gz"))
    # Then each grant carries the account's name, the administrator's included
    assert status == 200, body
    staff = {row["account_id"]: row for row in body}
    assert staff[world.admins["tianhe"]]["name"] == "tianhe管理员"
    assert all(row["name"] for row in staff.values())
