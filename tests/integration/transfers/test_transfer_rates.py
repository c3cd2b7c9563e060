"""XFER-2's response rate reported per organisation: each direct child's figures, as the
console's transfers page shows them beside each other."""

from __future__ import annotations

from typing import Any

from tests.support import World, call, pay_dues
from tests.support.transfers import approve, figures, start
from zhtj.table.base import Item


def test_xfer_2_response_rates_per_child_organisation_match_each_childs_figures(
    client: Any, world: World, monkeypatch: Any
) -> None:
    # Given a transfer from 华景 (广州) to 莲花 (深圳) answered by its four organisations
    moving = world.members["huajing"][0]
    for member_id in world.members["huajing"]:
        pay_dues(member_id)
    t = start(client, world, "member", moving, to_branch_id=world.orgs["lianhua"])
    for who in ("huajing", "tianhe", "lianhua", "futian"):
        t = approve(client, world, who, t)
    assert t["state"] == "COMPLETED"
    batches: list[int] = []
    real = Item.batch_get

    def counted(wanted: Any, *args: Any, **kwargs: Any) -> Any:
        wanted = list(wanted)
        batches.append(len(wanted))
        return real(wanted, *args, **kwargs)

    monkeypatch.setattr(Item, "batch_get", counted)
    # When the province reads its children's figures, two children a page
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        path = f"/orgs/{world.orgs['root']}/transfer-stats/children?limit=2" + (f"&cursor={cursor}" if cursor else "")
        status, page = call(client, "GET", path, world.headers("root"))
        assert status == 200, page
        rows += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    # Then every child is listed once with its subtree's figures: 广州 answered two steps and
    # 深圳 two, all within 72 hours; 中山大学 none (no rate)
    by_id = {r["org_id"]: r for r in rows}
    assert {world.orgs[n] for n in ("gz", "sz", "sysu")} <= set(by_id)
    for name in ("gz", "sz", "sysu"):
        row, expected = by_id[world.orgs[name]], figures(world, name)
        assert (row["responses"], row["within_deadline_rate"], row["out_by_state"], row["in_by_state"]) == (
            expected.responses,
            expected.within_deadline_rate,
            expected.out_by_state,
            expected.in_by_state,
        )
    assert (by_id[world.orgs["gz"]]["responses"], by_id[world.orgs["gz"]]["within_deadline_rate"]) == (2, 1.0)
    assert (by_id[world.orgs["sz"]]["responses"], by_id[world.orgs["sz"]]["within_deadline_rate"]) == (2, 1.0)
    assert by_id[world.orgs["sysu"]]["within_deadline_rate"] is None
    assert by_id[world.orgs["gz"]]["short_name"] == "广州团市委"
    # ... each page's shards read by key in one BatchGetItem (8 shards a child), not a Query each
    assert len(rows) == 3 and {16, 8} <= set(batches)
