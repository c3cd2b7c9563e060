"""AUDIT-1's trail as the console reads it: an organisation's records narrowed by the kind of
subject, the action, who acted, the member it was done to and China dates, each entry with
the names of who acted and what it was done to, paged, always a Query."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.support import World, call
from tests.support.accounts import invite
from tests.support.http import member_headers
from zhtj.audit import service as audit
from zhtj.core import clock
from zhtj.table.base import Item


def read_all(client: Any, world: World, who: str, org: str, query: str = "", limit: int = 100) -> list[dict[str, Any]]:
    """Every entry of the trail with `query`, following the cursors."""
    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        path = f"/orgs/{world.orgs[org]}/audit?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        status, page = call(client, "GET", path, world.headers(who))
        assert status == 200, page
        entries += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return entries


@pytest.fixture
def busy(client: Any, world: World) -> World:
    """华景's trail with more than its members' approvals: a member's own edit, a cadre invited."""
    member_id = world.members["huajing"][0]
    status, answer = call(
        client, "PATCH", f"/members/{member_id}", member_headers(world, member_id), {"phone": "13912345678"}
    )
    assert status == 200, answer
    status, answer = invite(client, world, "huajing", "王建国", "13912340000")
    assert status == 201, answer
    return world


def ids(entries: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(e["at"], e["action"], e["subject_id"]) for e in entries]


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("&subject_kind=MEMBER", lambda e: e["subject_kind"] == "MEMBER"),
        ("&action=member.", lambda e: e["action"].startswith("member.")),
        ("&action=cadre.invite", lambda e: e["action"] == "cadre.invite"),
        ("&subject_kind=MEMBER&action=member.create", lambda e: e["action"] == "member.create"),
    ],
)
def test_audit_1_org_trail_narrowed_by_kind_and_action(
    client: Any, busy: World, query: str, keep: Callable[[dict[str, Any]], bool]
) -> None:
    # Given 华景's whole trail
    everything = read_all(client, busy, "huajing", "huajing")
    expected = [e for e in everything if keep(e)]
    assert expected and len(expected) < len(everything)
    # When it is read narrowed, two entries a page
    narrowed = read_all(client, busy, "huajing", "huajing", query, limit=2)
    # Then exactly the matching entries, newest first, in the same order
    assert ids(narrowed) == ids(expected)


def test_audit_1_org_trail_narrowed_by_actor_and_dates(client: Any, busy: World) -> None:
    everything = read_all(client, busy, "huajing", "huajing")
    admin = busy.admins["huajing"]
    # When narrowed to what 华景's administrator did, and to China dates
    by_admin = read_all(client, busy, "huajing", "huajing", f"&actor_account_id={admin}")
    today = clock.today_in_china()
    same_day = read_all(client, busy, "huajing", "huajing", f"&since={today}&until={today}")
    later = read_all(client, busy, "huajing", "huajing", f"&since={today + timedelta(days=1)}")
    earlier = read_all(client, busy, "huajing", "huajing", f"&until={today - timedelta(days=1)}")
    status, refused = call(
        client,
        "GET",
        f"/orgs/{busy.orgs['huajing']}/audit?since={today}&until={today - timedelta(days=1)}",
        busy.headers("huajing"),
    )
    # Then
    assert by_admin and ids(by_admin) == ids([e for e in everything if e["actor_account_id"] == admin])
    assert {e["actor_name"] for e in by_admin} == {"huajing管理员"}
    assert ids(same_day) == ids(everything) and later == [] and earlier == []
    assert (status, refused["code"], refused["field"]) == (400, "DATE_RANGE", "since")


def test_audit_1_entries_name_the_subject_beside_the_actor(client: Any, busy: World) -> None:
    member_id = busy.members["huajing"][0]
    everything = read_all(client, busy, "huajing", "huajing")
    # Then a member's records name the member, an organisation's its short name, an account's the
    # person; a record of a kind without a name has none
    members = [e for e in everything if e["subject_kind"] == "MEMBER" and e["subject_id"] == member_id]
    assert members and {e["subject_name"] for e in members} == {"林晓华"}
    registrations = [e for e in everything if e["subject_kind"] == "REGISTRATION"]
    assert registrations and all(e["subject_name"] for e in registrations)
    assert all(e["subject_name"] is None for e in everything if e["subject_kind"] not in audit._NAMED_SUBJECTS)
    assert all(e["actor_name"] for e in everything)


def test_audit_1_a_members_trail_read_from_above_through_the_org_trail(client: Any, busy: World) -> None:
    member_id = busy.members["huajing"][0]
    # When 天河 (above 华景) narrows its trail to the member; 越秀 (a sibling) tries
    from_above = read_all(client, busy, "tianhe", "tianhe", f"&member_id={member_id}")
    status, own = call(client, "GET", f"/members/{member_id}/audit?limit=100", busy.headers("tianhe"))
    refused_status, refused = call(
        client, "GET", f"/orgs/{busy.orgs['yuexiu']}/audit?member_id={member_id}", busy.headers("yuexiu")
    )
    other_status, other = call(
        client, "GET", f"/orgs/{busy.orgs['futian']}/audit?member_id={member_id}", busy.headers("sz")
    )
    elsewhere_status, elsewhere = call(
        client, "GET", f"/orgs/{busy.orgs['yuexiu']}/audit?member_id={member_id}", busy.headers("gz")
    )
    # Then the member's own trail, with their name on every entry; not to a sibling or another
    # city; and an organisation the member is not beneath (越秀, read by 广州) is told so
    assert status == 200 and ids(from_above) == ids(own["items"])
    assert {e["subject_name"] for e in from_above} == {"林晓华"}
    assert (refused_status, refused["code"]) == (403, "OUT_OF_SCOPE")
    assert (other_status, other["code"]) == (403, "OUT_OF_SCOPE")
    assert (elsewhere_status, elsewhere["code"], elsewhere["field"]) == (404, "MEMBER_NOT_IN_ORG", "member_id")


def test_audit_1_a_filtered_page_reads_a_bounded_number_of_records(
    client: Any, busy: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a filter that matches one record of 华景's trail, and pages that may read 2 records
    everything = read_all(client, busy, "huajing", "huajing")
    monkeypatch.setattr(audit, "_READ_AHEAD", 1)
    monkeypatch.setattr(audit, "MAX_READ_PER_PAGE", 2)
    monkeypatch.setattr(Item, "scan", lambda *_, **__: pytest.fail("the trail was scanned"))
    # When it is read page by page
    pages: list[int] = []
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        path = f"/orgs/{busy.orgs['huajing']}/audit?action=cadre.invite" + (f"&cursor={cursor}" if cursor else "")
        status, page = call(client, "GET", path, busy.headers("huajing"))
        assert status == 200, page
        pages.append(len(page["items"]))
        found += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    # Then each page read at most 2 records (short pages, even empty ones, carry a cursor on),
    # and together they hold exactly the matching record
    assert ids(found) == ids([e for e in everything if e["action"] == "cadre.invite"])
    assert len(pages) >= len(everything) // 2 and max(pages) <= 1 and 0 in pages
