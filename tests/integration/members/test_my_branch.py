"""WEB-1 (我的组织): the member's own branch as the members' app shows it — its names, its parent,
its cadres by position (names only) — and the branch mates a member may pay for (帮TA交, DUES-5);
for the member themself only."""

from __future__ import annotations

from typing import Any

from tests.support import World, call
from tests.support.http import member_headers
from zhtj.accounts import service as accounts
from zhtj.accounts.models import Account
from zhtj.core.clock import now
from zhtj.table import keys


def _cadre(world: World, name: str, role: str) -> None:
    account_id = f"u-{role}-{name}"
    Account(
        keys.account_pk(account_id), keys.META, account_id=account_id, name=name, phone=None, created_at=now()
    ).save()
    accounts.new_grant(account_id, world.orgs["huajing"], role).save()


def test_web_1_a_member_sees_their_branch_its_parent_and_its_cadres(client: Any, world: World) -> None:
    # Given 华景's secretary and a committee member (the administrator account holds no position)
    _cadre(world, "王委员", "委员")
    _cadre(world, "李书记", "书记")
    member_id = world.members["huajing"][0]
    # When the member opens 我的组织
    status, mine = call(client, "GET", f"/members/{member_id}/organisation", member_headers(world, member_id))
    # Then the branch, its parent and its cadres by position show, with names only
    assert status == 200, mine
    assert mine == {
        "branch_id": world.orgs["huajing"],
        "name": "广州市天河区华景社区团支部",
        "full_name": "中国共产主义青年团广州市天河区华景社区支部委员会",
        "alias": "华景社区团支部",
        "parent_name": "广州市天河区团委",
        "member_count": len(world.members["huajing"]),
        "cadres": [{"position": "书记", "name": "李书记"}, {"position": "委员", "name": "王委员"}],
    }


def test_web_1_dues_5_a_member_lists_their_branch_mates_to_pay_for(client: Any, world: World) -> None:
    member_id = world.members["huajing"][1]
    status, page = call(client, "GET", f"/members/{member_id}/branch-mates", member_headers(world, member_id))
    assert status == 200
    assert sorted(m["member_id"] for m in page["items"]) == sorted(
        m for m in world.members["huajing"] if m != member_id
    )
    assert all(set(m) == {"member_id", "name"} for m in page["items"])


def test_web_1_only_the_member_reads_their_organisation_and_mates(client: Any, world: World) -> None:
    member_id, stranger = world.members["huajing"][0], world.members["lianhua"][0]
    for path in (f"/members/{member_id}/organisation", f"/members/{member_id}/branch-mates"):
        for headers in (member_headers(world, stranger), world.headers("huajing")):
            status, answer = call(client, "GET", path, headers)
            assert (status, answer["code"]) == (403, "NOT_SELF")
