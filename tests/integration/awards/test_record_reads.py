"""What the console's records screens read back (WEB-2): a branch's annual-registration roll of a
year (who is registered and how, who is not yet, who is evaluated), a member's annual records,
and the lists of awards (newest first) and evaluation proposals with names instead of bare ids."""

from __future__ import annotations

from typing import Any

from tests.support import World, call, enrol
from tests.support.awards import reward
from tests.support.http import member_headers
from zhtj.core import clock
from zhtj.members import service as members
from zhtj.members.models import Member


def test_web_2_the_roll_of_a_year_shows_who_is_registered_how_and_who_is_not_yet(client: Any, world: World) -> None:
    # Given: 华景's three members, the first a party member; two registered, one deferred
    roll = world.members["huajing"]
    members.get_member(roll[0]).update(actions=[Member.political_status.set("01")])
    year = clock.today_in_china().year
    path = f"/orgs/{world.orgs['huajing']}/annual-registrations/{year}"
    assert call(client, "POST", path, world.headers("huajing"), {"exceptions": {roll[2]: "暂缓注册"}})[0] == 200
    newcomer = enrol(world, "huajing", "新来团员")
    # When: the committee above reads the year back
    status, answer = call(client, "GET", path, world.headers("tianhe"))
    # Then
    assert (status, answer["year"]) == (200, year)
    rows = {m["member_id"]: m for m in answer["members"]}
    assert {i: rows[i]["result"] for i in roll} == {roll[0]: "已注册", roll[1]: "已注册", roll[2]: "暂缓注册"}
    assert (rows[newcomer]["result"], rows[newcomer]["name"], rows[newcomer]["on_roll"]) == (None, "新来团员", True)
    assert [rows[i]["evaluated"] for i in roll] == [False, True, True]
    assert rows[roll[1]]["registered_on"] == clock.today_in_china().isoformat()
    status, answer = call(client, "GET", path, world.headers("yuexiu"))
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")


def test_web_2_a_members_annual_records_and_named_lists_of_awards_and_proposals(client: Any, world: World) -> None:
    # Given: 华景 registers and evaluates its members, 天河 certifies, and enters an award
    roll = world.members["huajing"]
    year = clock.today_in_china().year
    branch = f"/orgs/{world.orgs['huajing']}"
    assert call(client, "POST", f"{branch}/annual-registrations/{year}", world.headers("huajing"), {})[0] == 200
    grades = {roll[0]: "基本合格", roll[1]: "合格", roll[2]: "合格"}
    assert call(client, "POST", f"{branch}/evaluations/{year}", world.headers("huajing"), {"grades": grades})[0] == 201
    status, proposals = call(
        client, "GET", f"/orgs/{world.orgs['tianhe']}/evaluation-proposals/{year}", world.headers("tianhe")
    )
    assert (status, proposals["items"][0]["branch_name"]) == (200, "广州市天河区华景社区团支部")
    assert call(client, "POST", f"{branch}/evaluations/{year}/certify", world.headers("tianhe"))[0] == 200
    assert call(client, "POST", f"/members/{roll[0]}/awards", world.headers("tianhe"), reward())[0] == 201
    later = reward(title="优秀团干部")
    assert call(client, "POST", f"/members/{roll[1]}/awards", world.headers("tianhe"), later)[0] == 201
    # When
    status, records = call(client, "GET", f"/members/{roll[0]}/annual-records", world.headers("tianhe"))
    own_status, own = call(client, "GET", f"/members/{roll[0]}/annual-records", member_headers(world, roll[0]))
    _, entered = call(client, "GET", f"/orgs/{world.orgs['tianhe']}/awards", world.headers("tianhe"))
    # Then
    assert status == own_status == 200 and own == records
    assert [(r["year"], r["result"]) for r in records["registrations"]] == [(year, "已注册")]
    assert [(e["year"], e["grade"]) for e in records["evaluations"]] == [(year, "基本合格")]
    assert [(a["title"], a["member_name"]) for a in entered["items"]] == [  # newest first
        ("优秀团干部", members.get_member(roll[1]).name),
        ("优秀共青团员", members.get_member(roll[0]).name),
    ]
    assert call(client, "GET", f"/members/{roll[0]}/annual-records", member_headers(world, roll[1]))[0] == 403
