"""Recommending outstanding members to the Party (推优入党, PARTY-1): 18 or over on the proposal
date, after a recorded 支部大会, with grounds chosen from the member's rewards and evaluations;
the committee directly above approves or returns; proposed again after a return; an approval
shows on the record and the card and in the statistics; every step audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.support import World, call, drain_stream, enrol
from tests.support.awards import reward
from tests.support.cards import card_sections
from tests.support.http import member_headers
from tests.support.life import record_meeting
from zhtj.core import clock
from zhtj.table import keys
from zhtj.table.audit_record import AuditRecord


def born_years_ago(years: int, days_later: int = 0) -> date:
    today = clock.today_in_china()
    born = (
        today.replace(year=today.year - years)
        if (today.month, today.day) != (2, 29)
        else date(today.year - years, 3, 1)
    )
    return date.fromordinal(born.toordinal() + days_later)


def propose(client: Any, world: World, member_id: str, meeting_id: str, **extra: Any) -> tuple[int, Any]:
    body = {"meeting_id": meeting_id, "grounds": "思想上进，工作积极，群众基础好"} | extra
    return call(client, "POST", f"/members/{member_id}/party-recommendations", world.headers("huajing"), body)


def test_party_1_a_17_year_old_cannot_be_recommended_an_18_year_old_can(client: Any, world: World) -> None:
    # Given a member who turns 18 tomorrow and one who turned 18 today, and the branch's assembly
    young = enrol(world, "huajing", "李小青", born=born_years_ago(18, days_later=1))
    adult = enrol(world, "huajing", "王成年", born=born_years_ago(18))
    meeting = record_meeting(client, world, "huajing", clock.today_in_china())
    # When the branch proposes each, Then the 17-year-old is refused by PARTY-1 and nothing is written
    status, answer = propose(client, world, young, meeting["meeting_id"])
    assert (status, answer["code"], answer["field"]) == (422, "PARTY-1", "member_id")
    status, found = call(client, "GET", f"/members/{young}/party-recommendations", world.headers("huajing"))
    assert (status, found) == (200, [])
    status, made = propose(client, world, adult, meeting["meeting_id"])
    assert status == 201 and made["state"] == "PROPOSED", made


def test_party_1_only_a_recorded_branch_assembly_of_the_members_branch_is_cited(client: Any, world: World) -> None:
    member = world.members["huajing"][0]
    lecture = record_meeting(client, world, "huajing", clock.today_in_china(), "LECTURE")
    elsewhere = record_meeting(client, world, "lianhua", clock.today_in_china())
    for meeting_id, expected in ((lecture["meeting_id"], (422, "PARTY-1")), (elsewhere["meeting_id"], (422, "PARTY-1")),
                                 ("lmnone", (400, "MEETING_NOT_FOUND"))):  # fmt: skip
        status, answer = propose(client, world, member, meeting_id)
        assert (status, answer["code"]) == expected
    assembly = record_meeting(client, world, "huajing", clock.today_in_china())
    status, answer = propose(client, world, member, assembly["meeting_id"], award_ids=["wnone"])
    assert (status, answer["code"]) == (400, "AWARD_NOT_ON_RECORD")


def test_party_1_returned_proposed_again_then_approved_on_record_card_and_statistics(client: Any, world: World) -> None:
    member = world.members["huajing"][0]
    # Given a reward on the member's record and the branch's assembly, offered for selection
    status, award = call(client, "POST", f"/members/{member}/awards", world.headers("tianhe"), reward())
    assert status == 201
    meeting = record_meeting(client, world, "huajing", clock.today_in_china())
    status, grounds = call(client, "GET", f"/members/{member}/party-grounds", world.headers("huajing"))
    assert status == 200
    assert [a["award_id"] for a in grounds["awards"]] == [award["award_id"]]
    assert [m["meeting_id"] for m in grounds["meetings"]] == [meeting["meeting_id"]]
    # When the branch proposes the member citing them
    status, first = propose(client, world, member, meeting["meeting_id"], award_ids=[award["award_id"]])
    assert status == 201 and first["reviewing_org_id"] == world.orgs["tianhe"], first
    status, answer = propose(client, world, member, meeting["meeting_id"])
    assert (status, answer["code"]) == (409, "PARTY_ALREADY_OPEN")
    # Then only the committee directly above decides: 广州 may not, 天河 returns with a reason
    path = f"/members/{member}/party-recommendations/{first['recommendation_id']}"
    status, answer = call(client, "POST", f"{path}/approve", world.headers("gz"))
    assert (status, answer["code"]) == (403, "NOT_REVIEWING_ORG")
    status, queue = call(client, "GET", f"/orgs/{world.orgs['tianhe']}/party-recommendations", world.headers("tianhe"))
    assert [r["recommendation_id"] for r in queue["items"]] == [first["recommendation_id"]]
    status, returned = call(
        client, "POST", f"{path}/return", world.headers("tianhe"), {"reason": "请补充支部大会表决情况"}
    )
    assert (status, returned["state"], returned["return_reason"]) == (200, "RETURNED", "请补充支部大会表决情况")
    status, answer = call(client, "POST", f"{path}/approve", world.headers("tianhe"))
    assert (status, answer["code"]) == (409, "PARTY_ALREADY_DECIDED")
    assert "party" not in card_sections(member)
    # When the branch proposes the member again, naming the returned recommendation
    status, second = propose(client, world, member, meeting["meeting_id"], previous_id=first["recommendation_id"])
    assert status == 201 and second["previous_id"] == first["recommendation_id"]
    status, approved = call(
        client,
        "POST",
        f"/members/{member}/party-recommendations/{second['recommendation_id']}/approve",
        world.headers("tianhe"),
    )
    assert (status, approved["state"]) == (200, "APPROVED")
    # Then the record, the card and the statistics show it; the member reads their own
    today = clock.today_in_china().isoformat()
    status, record = call(client, "GET", f"/members/{member}", world.headers("huajing"))
    assert record["party_recommended_on"] == today
    party = card_sections(member)["party"]
    assert party.rows == [(today, "推荐入党", "中国共产主义青年团广州市天河区委员会")]
    status, own = call(client, "GET", f"/members/{member}/party-recommendations", member_headers(world, member))
    assert [r["state"] for r in own] == ["RETURNED", "APPROVED"]
    drain_stream(client)
    for org in ("huajing", "tianhe", "root"):
        status, figures = call(client, "GET", f"/orgs/{world.orgs[org]}/stats", world.headers(org))
        assert figures["party_recommendations"] == {"APPROVED": 1, "RETURNED": 1}, org
    # Every step is audited
    actions = [r.action for r in AuditRecord.query(keys.audit_pk("MEMBER", member)) if r.action.startswith("party.")]
    assert actions == ["party.propose", "party.return", "party.propose", "party.approve"]
    # An approved member is not proposed again
    status, answer = propose(client, world, member, meeting["meeting_id"])
    assert (status, answer["code"]) == (409, "PARTY_ALREADY_OPEN")
