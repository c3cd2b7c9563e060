"""The member roll as the console uses it (WEB-2): the roster exported as a spreadsheet
(ID numbers and phones de-identified, AUDIT-1 records each export) and a member's full ID
number, revealed to the member's own branch only, each look audited."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote, urlparse

import openpyxl  # type: ignore[import-untyped]
import pytest

from tests.support import World, call
from tests.support.http import member_headers
from zhtj.core.identity import check_character
from zhtj.members import roster
from zhtj.table import storage
from zhtj.table.base import Item


def export(client: Any, world: World, who: str, query: str = "") -> tuple[int, Any]:
    return call(client, "POST", f"/orgs/{world.orgs[who]}/members/xlsx{query}", world.headers(who))


def sheet_rows(done: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The spreadsheet's member rows (after its title and header rows)."""
    key = unquote(urlparse(done["url"]).path.lstrip("/")).removeprefix(storage.bucket("documents") + "/")
    book = openpyxl.load_workbook(io.BytesIO(storage.get_bytes("documents", key)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][0] == "姓名"
    return rows[2:]


def full_id(person: int) -> str:
    """The ID number tests.support.world.enrol gave its `person`-th person (born 2001-01-01)."""
    body = f"44011120010101{person % 1000:03d}"
    return body + check_character(body)


def test_audit_1_the_roster_export_is_de_identified_and_recorded(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Item, "scan", lambda *_, **__: pytest.fail("the roster was scanned"))
    # When 华景 exports its roster
    status, done = export(client, world, "huajing")
    # Then one row per member, the ID number showing its last two characters only
    assert status == 200, done
    assert (done["rows"], done["branches"]) == (3, 1) and done["file_name"].endswith(".xlsx")
    rows = sheet_rows(done)
    assert sorted(r[0] for r in rows) == sorted(["林晓华", "黄志强", "陈美玲"])
    for row in rows:
        assert row[1] == "*" * 16 + row[1][-2:] and row[11] == "正常" and row[12] == "广州市天河区华景社区团支部"
    everything = "\n".join(str(c) for r in rows for c in r)
    assert all(full_id(p) not in everything and full_id(p)[6:14] not in everything for p in (1, 2, 3))
    # ... and the export is on 华景's trail: who, how many, with what filters
    status, trail = call(
        client, "GET", f"/orgs/{world.orgs['huajing']}/audit?action=member.export", world.headers("huajing")
    )
    entry = trail["items"][0]
    assert (entry["actor_account_id"], entry["after"]["rows"], entry["after"]["subtree"]) == (
        world.admins["huajing"],
        3,
        False,
    )


def test_audit_1_the_roster_of_children_or_a_subtree_narrowed_by_state_and_sector(client: Any, world: World) -> None:
    # When organisations above export: their direct child branches, or their whole subtree
    cases = {
        ("tianhe", ""): (3, 1),  # 华景 is 天河's child
        ("gz", ""): (0, 0),  # 广州 has no child branch
        ("gz", "?subtree=true"): (3, 1),
        ("root", "?subtree=true"): (4, 3),  # 华景, 莲花, 中大2024级计算机1班 (the ORG-7 organisation aside)
        ("root", "?subtree=true&sector=UNIVERSITY"): (0, 1),
        ("root", "?subtree=true&sector=COMMUNITY"): (4, 2),
        ("root", "?subtree=true&state=NORMAL"): (4, 3),
        ("root", "?subtree=true&state=DELETED"): (0, 3),  # reads the former members' lists
    }
    answers = {case: export(client, world, *case) for case in cases}
    # Then
    assert {case: (a[0], a[1]["rows"], a[1]["branches"]) for case, a in answers.items()} == {
        case: (200, *expected) for case, expected in cases.items()
    }
    rows = sheet_rows(answers[("root", "?subtree=true")][1])
    assert sorted(r[12] for r in rows).count("广州市天河区华景社区团支部") == 3
    status, refused = export(client, world, "root", "?state=SOMETHING")
    assert (status, refused["field"]) == (400, "state")


def test_audit_1_a_roster_too_large_is_refused_before_any_member_is_read(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(roster, "MAX_ROWS", 2)
    monkeypatch.setattr(roster, "_members", lambda *_: pytest.fail("members read"))
    status, refused = export(client, world, "tianhe", "?subtree=true")
    assert (status, refused["code"], refused["field"]) == (400, "EXPORT_TOO_LARGE", "subtree")
    assert "2" in refused["message"]


def test_audit_1_a_members_full_id_number_to_their_branch_only_each_look_recorded(client: Any, world: World) -> None:
    member_id = world.members["huajing"][0]
    path = f"/members/{member_id}/id-number"
    # When the branch asks, then the county above, a sibling county, and the member
    status, revealed = call(client, "GET", path, world.headers("huajing"))
    refused = {who: call(client, "GET", path, world.headers(who)) for who in ("tianhe", "gz", "yuexiu")}
    own_status, own = call(client, "GET", path, member_headers(world, member_id))
    # Then only the branch reads it
    assert (status, revealed) == (200, {"id_number": full_id(1)})
    assert {who: (s, a["code"]) for who, (s, a) in refused.items()} == {
        "tianhe": (403, "ID_NUMBER_BRANCH_ONLY"),
        "gz": (403, "ID_NUMBER_BRANCH_ONLY"),
        "yuexiu": (403, "OUT_OF_SCOPE"),
    }
    assert (own_status, own["code"]) == (403, "NOT_OPERATOR")
    # ... and the look is on the member's trail, once, by the branch's administrator
    status, trail = call(client, "GET", f"/members/{member_id}/audit?limit=100", world.headers("tianhe"))
    looks = [e for e in trail["items"] if e["action"] == "member.reveal_id_number"]
    assert [(e["actor_account_id"], e["actor_org_id"], e["subject_name"]) for e in looks] == [
        (world.admins["huajing"], world.orgs["huajing"], "林晓华")
    ]


def test_web_2_the_roster_on_screen_takes_the_exports_state_and_sector_filters_without_a_scan(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhtj.members.models import Member
    from zhtj.table import keys

    # Given 华景's three members, one of whom awaits approval of leaving (EXIT-1)
    leaving = world.members["huajing"][0]
    Member.get(keys.member_pk(leaving), keys.META).update(actions=[Member.state.set("VOLUNTARY_PENDING")])
    monkeypatch.setattr(Item, "scan", lambda *_, **__: pytest.fail("the roster was scanned"))

    def listed(who: str, org: str, query: str = "") -> list[str]:
        status, page = call(client, "GET", f"/orgs/{world.orgs[org]}/members?limit=20{query}", world.headers(who))
        assert status == 200, page
        return sorted(m["member_id"] for m in page["items"])

    # When the branch's roster is narrowed by state
    # Then only those members are listed
    assert listed("huajing", "huajing", "&state=VOLUNTARY_PENDING") == [leaving]
    assert listed("huajing", "huajing", "&state=NORMAL") == sorted(world.members["huajing"][1:])
    assert listed("huajing", "huajing", "&state=DELETED") == []  # the former members' list
    # And a committee lists its direct child branches' members, narrowed by their sector
    assert listed("tianhe", "tianhe") == sorted(world.members["huajing"])
    assert listed("tianhe", "tianhe", "&sector=COMMUNITY&state=NORMAL") == sorted(world.members["huajing"][1:])
    assert listed("tianhe", "tianhe", "&sector=UNIVERSITY") == []
    # And a page at a time, the cursor carrying on where it stopped
    seen: list[str] = []
    cursor = ""
    while True:
        status, page = call(
            client, "GET", f"/orgs/{world.orgs['tianhe']}/members?limit=2{cursor}", world.headers("tianhe")
        )
        seen += [m["member_id"] for m in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert sorted(seen) == sorted(world.members["huajing"])
    status, refused = call(
        client, "GET", f"/orgs/{world.orgs['huajing']}/members?state=SOMETHING", world.headers("huajing")
    )
    assert (status, refused["field"]) == (400, "state")
