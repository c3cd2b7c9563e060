"""ORG-5 checked as the form is typed: POST /orgs/{id}/children/name-check answers what
creating the child would refuse of its names, with the create route's codes, messages and
fields, and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import World, call
from zhtj.orgs import service as orgs

BRANCH = {
    "org_type": "BRANCH",
    "sector": "COMMUNITY",
    "short_name": "广州市天河区石牌社区团支部",
    "full_name": "中国共产主义青年团广州市天河区石牌社区支部委员会",
    "alias": "石牌社区团支部",
}
NAMES = ("short_name", "full_name", "alias")


def check(client: Any, world: World, actor: str, parent: str, body: dict[str, Any]) -> tuple[int, Any]:
    return call(client, "POST", f"/orgs/{world.orgs[parent]}/children/name-check", world.headers(actor), body)


def draft(body: dict[str, Any]) -> dict[str, Any]:
    """The create form's body as the check takes it (no sector: it decides no name)."""
    return {k: v for k, v in body.items() if k != "sector"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("alias", "石牌 团支部"),
        ("alias", "石牌<团支部>"),
        ("short_name", "石牌社区团支部"),
        ("short_name", "广州市天河区石牌社区"),
        ("full_name", "广州市天河区石牌社区支部委员会"),
        ("full_name", "中国共产主义青年团广州市天河区石牌社区总支部委员会"),
    ],
)
def test_org_5_name_check_answers_what_the_create_route_refuses(
    client: Any, world: World, field: str, value: str
) -> None:
    # Given a name the create route refuses
    created_status, refused = call(
        client, "POST", f"/orgs/{world.orgs['tianhe']}/children", world.headers("tianhe"), {**BRANCH, field: value}
    )
    assert created_status == 400
    children = orgs.get_org(world.orgs["tianhe"]).child_count
    # When the form checks the same names as they are typed
    status, answer = check(client, world, "tianhe", "tianhe", draft({**BRANCH, field: value}))
    # Then the check answers the same code, message and field, and nothing is created
    assert status == 200
    assert answer["ok"] is False
    assert (answer["code"], answer["message"], answer["field"]) == (refused["code"], refused["message"], field)
    assert answer["errors"] == [{"code": refused["code"], "message": refused["message"], "field": field}]
    assert orgs.get_org(world.orgs["tianhe"]).child_count == children


def test_org_5_name_check_refuses_invisible_characters_as_every_route_does(client: Any, world: World) -> None:
    # Given a short name with a zero-width space (refused in any name by the HTTP adapter)
    body = {**BRANCH, "short_name": "广州市天河区\u200b石牌团支部"}
    _, refused = call(client, "POST", f"/orgs/{world.orgs['tianhe']}/children", world.headers("tianhe"), body)
    # When it is checked
    status, answer = check(client, world, "tianhe", "tianhe", draft(body))
    # Then the answer is the create route's refusal itself (400), beside the same field
    assert (status, answer["code"], answer["field"]) == (400, refused["code"], "short_name")


def test_org_5_name_check_lists_every_wrong_name_and_passes_right_ones(client: Any, world: World) -> None:
    # Given three wrong names, the way the create route lists them at once
    wrong = {**BRANCH, "short_name": "广州市天河区石牌社区", "full_name": "石牌社区支部委员会", "alias": "石牌 团支部"}
    _, refused = call(client, "POST", f"/orgs/{world.orgs['tianhe']}/children", world.headers("tianhe"), wrong)
    # When they are checked, and then the right ones
    status, answer = check(client, world, "tianhe", "tianhe", draft(wrong))
    ok_status, ok = check(client, world, "tianhe", "tianhe", draft(BRANCH))
    # Then the same list, in the same order; and the right names pass
    assert status == 200 and answer["errors"] == refused["errors"]
    assert [e["field"] for e in answer["errors"]] == list(NAMES)
    assert (ok_status, ok) == (200, {"ok": True, "code": None, "message": None, "field": None, "errors": []})


def test_org_5_name_check_checks_only_the_names_typed_so_far(client: Any, world: World) -> None:
    # Given a form where only the alias is typed (wrongly), then only a right short name
    status, alias_only = check(client, world, "tianhe", "tianhe", {"org_type": "BRANCH", "alias": "石牌|团支部"})
    status_2, short_only = check(
        client, world, "tianhe", "tianhe", {"org_type": "BRANCH", "short_name": BRANCH["short_name"]}
    )
    # Then the names not typed yet are not refused
    assert (status, alias_only["code"], alias_only["field"]) == (200, "ALIAS_FORBIDDEN_CHARACTER", "alias")
    assert len(alias_only["errors"]) == 1
    assert (status_2, short_only["ok"]) == (200, True)


def test_org_5_name_check_uses_the_parents_region_and_type_rules(client: Any, world: World) -> None:
    # Given a branch's short name that does not start from 深圳 under 福田, a class branch
    # without its entry year, and a child a branch may not have (ORG-1)
    status, region = check(
        client, world, "futian", "futian", {"org_type": "BRANCH", "short_name": "广州市天河区石牌社区团支部"}
    )
    status_2, year = check(
        client,
        world,
        "sysu",
        "sysu",
        {"org_type": "BRANCH", "short_name": "中山大学计算机2班团支部", "class_branch": True, "entry_year": 2025},
    )
    status_3, placed = check(client, world, "huajing", "huajing", {"org_type": "BRANCH", "alias": "小组"})
    # Then each is refused as creating would, beside its field
    assert (status, region["code"], region["field"]) == (200, "SHORT_NAME_REGION", "short_name")
    assert "深圳市" in region["message"]
    assert (status_2, year["code"], year["field"]) == (200, "SHORT_NAME_ENTRY_YEAR", "short_name")
    assert (status_3, placed["code"], placed["field"]) == (200, "ORG-1", "org_type")


def test_org_5_name_check_needs_the_parents_operator(client: Any, world: World) -> None:
    status, answer = check(client, world, "yuexiu", "tianhe", draft(BRANCH))
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")
