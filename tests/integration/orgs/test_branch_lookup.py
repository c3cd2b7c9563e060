"""The public branch lookup and a branch's registration QR link (WEB-1, REG-1): no sign-in,
rate-limited per caller, answering only id, name and alias (and the parent's name)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support import World, call
from zhtj.orgs import lookup
from zhtj.table import limits


def _lookup(client: Any, q: str) -> tuple[int, Any]:
    return call(client, "GET", f"/branches/lookup?q={q}")


def test_web_1_reg_1_a_branch_is_found_by_a_name_fragment_without_signing_in(client: Any, world: World) -> None:
    # Given the world's branches (华景社区, 莲花, 中大计算机1班) and no token
    # When a person types a fragment of a branch's name
    status, hits = _lookup(client, "华景")
    # Then the branch is found with its id, name and alias, and nothing else
    assert status == 200
    assert hits == [{"id": world.orgs["huajing"], "name": "广州市天河区华景社区团支部", "alias": "华景社区团支部"}]


def test_web_1_a_branch_is_found_by_its_alias(client: Any, world: World) -> None:
    # When a person types the alias of 中山大学2024级计算机1班团支部 (not a fragment of its name)
    status, hits = _lookup(client, "计算机1班")
    # Then that branch comes first (its name holds 计算机1班 too: it is answered once)
    assert status == 200
    assert [h["id"] for h in hits] == [world.orgs["cs2024"]]
    assert set(hits[0]) == {"id", "name", "alias"}


def test_web_1_only_active_branches_are_found_never_committees_or_the_system_org(client: Any, world: World) -> None:
    # When the fragment matches committees (天河区团委) and branches under them (天河区华景社区团支部)
    status, hits = _lookup(client, "天河区")
    # Then only the branch is answered
    assert status == 200
    assert [h["id"] for h in hits] == [world.orgs["huajing"]]
    # And the province's system organisation (省外转出, a BRANCH) is never found, by name or alias
    assert _lookup(client, "非本省")[1] == []
    assert _lookup(client, "省外转出")[1] == []


def test_web_1_the_lookup_refuses_a_one_character_query_beside_q(client: Any, world: World) -> None:
    status, answer = _lookup(client, "华")
    assert (status, answer["code"], answer["field"]) == (400, "SEARCH_TOO_SHORT", "q")


def test_web_1_the_lookup_is_limited_per_caller_with_a_chinese_refusal(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a caller who used up the minute's lookups (both routes count), at a fixed minute
    minute = datetime(2026, 3, 2, 1, 0, 5, tzinfo=UTC)
    monkeypatch.setattr(limits, "now", lambda: minute)
    for _ in range(lookup.LOOKUP_PER_MINUTE - 1):
        assert _lookup(client, "华景")[0] == 200
    assert call(client, "GET", f"/branches/{world.orgs['huajing']}/public")[0] == 200
    # When they ask once more in the same minute
    status, answer = _lookup(client, "华景")
    # Then they are refused in Chinese, until the next minute
    assert (status, answer["code"], answer["message"]) == (429, "LOOKUP_TOO_FREQUENT", "查询过于频繁，请1分钟后再试")
    monkeypatch.setattr(limits, "now", lambda: minute + lookup.PER_CALLER.window)
    assert _lookup(client, "华景")[0] == 200


def test_web_1_reg_1_a_branch_qr_link_shows_its_name_alias_and_parent(client: Any, world: World) -> None:
    # When the registration QR link of 华景 is opened without signing in
    status, branch = call(client, "GET", f"/branches/{world.orgs['huajing']}/public")
    # Then it names the branch and its parent, and nothing more
    assert status == 200
    assert branch == {
        "id": world.orgs["huajing"],
        "name": "广州市天河区华景社区团支部",
        "alias": "华景社区团支部",
        "parent_name": "广州市天河区团委",
    }


def test_web_1_a_qr_link_to_anything_but_an_active_branch_is_not_found(client: Any, world: World) -> None:
    for org_id in (world.orgs["tianhe"], world.orgs["system"], "o-none"):
        status, answer = call(client, "GET", f"/branches/{org_id}/public")
        assert (status, answer["code"], answer["field"]) == (404, "BRANCH_NOT_FOUND", "branch_id")
