"""Rewards and punishments (AWARD-1/AWARD-2) and the annual records the card shows: annual
registration, education evaluation (30 % cap, party members not evaluated, certified above the
branch), volunteer hours; every write reaches the member card (CARD-1)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.support import World, call, enrol, han_number
from tests.support.awards import days_ago, reward
from tests.support.cards import card_sections, card_version
from tests.support.http import member_headers
from zhtj.annual import service as annual
from zhtj.awards import entries as award_entries
from zhtj.awards.models import Award
from zhtj.core import clock
from zhtj.members import service as member_changes
from zhtj.members.models import Member
from zhtj.table import keys
from zhtj.table.audit_record import AuditRecord
from zhtj.timers import calendar


def test_award_1_the_granting_organisation_enters_rewards_and_punishments(client: Any, world: World) -> None:
    # Given
    member = world.members["huajing"][0]
    before = card_version(member)
    # When
    status, entered = call(client, "POST", f"/members/{member}/awards", world.headers("tianhe"), reward(level="区级"))
    # Then
    assert status == 201, entered
    # Whoever issues it enters it: the entering organisation is recorded as the granting one.
    assert entered["granted_by_org_id"] == world.orgs["tianhe"]
    assert entered["granted_by_name"] == "中国共产主义青年团广州市天河区委员会"
    assert (entered["late"], entered["in_force"]) == (False, None)
    assert card_version(member) == before + 1
    audit = [a for a in AuditRecord.query(keys.audit_pk("MEMBER", member)) if a.action == "award.enter"]
    assert audit and audit[0].after["award_id"] == entered["award_id"]
    # An organisation outside the member's line cannot enter one.
    status, answer = call(client, "POST", f"/members/{member}/awards", world.headers("yuexiu"), reward())
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")

    punishment = reward(kind="PUNISHMENT", title="警告", starts_on=days_ago(2))
    status, imposed = call(client, "POST", f"/members/{member}/awards", world.headers("gz"), punishment)
    assert (status, imposed["in_force"]) == (201, True)
    status, answer = call(
        client, "POST", f"/members/{member}/awards", world.headers("gz"), reward(kind="PUNISHMENT", title="警告")
    )
    assert (status, answer["code"]) == (400, "PUNISHMENT_START")
    lifted = reward(kind="PUNISHMENT", title="严重警告", starts_on=days_ago(400), released_on=days_ago(35))
    status, past = call(
        client, "POST", f"/members/{member}/awards", world.headers("gz"), lifted | {"document_date": days_ago(400)}
    )
    assert (status, past["in_force"], past["late"]) == (201, False, True)

    # Only the organisation that imposed it records the release (解除处分).
    release = f"/members/{member}/awards/{imposed['award_id']}/release"
    status, answer = call(client, "POST", release, world.headers("tianhe"), {"released_on": days_ago(0)})
    assert (status, answer["code"]) == (403, "NOT_GRANTING_ORG")
    status, released = call(client, "POST", release, world.headers("gz"), {"released_on": days_ago(0)})
    assert (status, released["in_force"], released["released_on"]) == (200, False, days_ago(0))
    status, answer = call(client, "POST", release, world.headers("gz"), {"released_on": days_ago(0)})
    assert (status, answer["code"]) == (409, "NOT_IN_FORCE")

    status, listed = call(client, "GET", f"/orgs/{world.orgs['gz']}/awards", world.headers("gz"))
    assert {a["award_id"] for a in listed["items"]} == {imposed["award_id"], past["award_id"]}


def test_award_1_an_outside_or_joint_award_is_entered_by_the_league_organisation_naming_the_body(
    client: Any, world: World
) -> None:
    member = world.members["huajing"][1]
    body = reward(granted_by_name="广州市人民政府", title="广州市优秀志愿者")
    status, entered = call(client, "POST", f"/members/{member}/awards", world.headers("huajing"), body)
    assert status == 201, entered
    assert (entered["granted_by_org_id"], entered["granted_by_name"]) == (None, "广州市人民政府")
    assert entered["entered_by_org_id"] == world.orgs["huajing"]


def test_award_1_a_batch_enters_each_member_in_chunks_and_reports_who_was_refused(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    monkeypatch.setattr(award_entries, "CHUNK", 2)  # three members: two transactions
    named = [*world.members["huajing"], world.members["lianhua"][0], "m-none"]
    # When
    status, result = call(
        client, "POST", f"/orgs/{world.orgs['tianhe']}/awards", world.headers("tianhe"), reward(member_ids=named)
    )
    # Then
    assert status == 200, result
    assert (result["entered"], result["refused"]) == (3, 2)
    codes = {r["member_id"]: r["code"] for r in result["rows"]}
    assert codes[world.members["lianhua"][0]] == "OUT_OF_SCOPE" and codes["m-none"] == "MEMBER_NOT_FOUND"
    batch = {r["award_id"] for r in result["rows"] if r["award_id"]}
    for member in world.members["huajing"]:
        found = [a for a in Award.query(keys.member_pk(member), Award.sk.startswith("AWARD#"))]
        assert [a.award_id for a in found if a.award_id in batch] and card_version(member) >= 1
    too_many = reward(member_ids=[f"m{i}" for i in range(201)])
    status, answer = call(client, "POST", f"/orgs/{world.orgs['tianhe']}/awards", world.headers("tianhe"), too_many)
    assert (status, answer["field"]) == (400, "member_ids")


def test_award_1_a_member_declares_an_award_and_the_named_organisation_decides(client: Any, world: World) -> None:
    # Given
    member, other = world.members["huajing"][0], world.members["huajing"][1]
    body = {"title": "天河区优秀团员", "document_number": "天团〔2026〕9号", "document_date": days_ago(3)}
    path = f"/members/{member}/award-declarations"
    # When
    status, answer = call(
        client, "POST", path, member_headers(world, other), body | {"granted_by_org_id": world.orgs["tianhe"]}
    )
    # Then
    assert (status, answer["code"]) == (403, "NOT_SELF")
    status, answer = call(
        client, "POST", path, member_headers(world, member), body | {"granted_by_org_id": world.orgs["sz"]}
    )
    assert (status, answer["code"]) == (400, "GRANTING_ORG_NOT_ABOVE")
    before = card_version(member)
    status, declared = call(
        client, "POST", path, member_headers(world, member), body | {"granted_by_org_id": world.orgs["tianhe"]}
    )
    assert (status, declared["state"], declared["reviewing_org_id"]) == (201, "PENDING", world.orgs["tianhe"])
    assert card_version(member) == before  # nothing on the card until approved
    assert "awards" not in card_sections(member)

    status, waiting = call(client, "GET", f"/orgs/{world.orgs['tianhe']}/award-declarations", world.headers("tianhe"))
    assert [d["declaration_id"] for d in waiting["items"]] == [declared["declaration_id"]]
    decide = f"{path}/{declared['declaration_id']}"
    for other_org in ("huajing", "gz"):  # the branch and the city are in the line, but not the organisation named
        status, answer = call(client, "POST", f"{decide}/approve", world.headers(other_org))
        assert (status, answer["code"]) == (403, "NOT_GRANTING_ORG")
    status, approved = call(client, "POST", f"{decide}/approve", world.headers("tianhe"))
    assert (status, approved["declaration_id"], approved["granted_by_org_id"]) == (
        200,
        declared["declaration_id"],
        world.orgs["tianhe"],
    )
    status, answer = call(client, "POST", f"{decide}/approve", world.headers("tianhe"))
    assert (status, answer["code"]) == (409, "ALREADY_DECIDED")
    assert card_sections(member)["awards"].rows[0][2] == "天河区优秀团员"

    # An outside body: the member's branch (or above) decides; a return reaches no card.
    status, declared = call(
        client, "POST", path, member_headers(world, member), body | {"granted_by_name": "广州市文明办"}
    )
    assert declared["reviewing_org_id"] == world.orgs["huajing"]
    status, returned = call(
        client,
        "POST",
        f"{path}/{declared['declaration_id']}/return",
        world.headers("huajing"),
        {"reason": "证书不清晰"},
    )
    assert (status, returned["state"], returned["return_reason"]) == (200, "RETURNED", "证书不清晰")
    status, mine = call(client, "GET", f"/members/{member}/awards", member_headers(world, member))
    assert (len(mine["awards"]), sorted(d["state"] for d in mine["declarations"])) == (1, ["APPROVED", "RETURNED"])


def test_award_2_an_entry_after_20_working_days_is_accepted_and_flagged_late(client: Any, world: World) -> None:
    # Given
    member = world.members["huajing"][2]
    old = days_ago(60)  # 60 calendar days hold more than 20 working days in any season
    # When
    status, late = call(client, "POST", f"/members/{member}/awards", world.headers("tianhe"), reward(document_date=old))
    # Then
    assert (status, late["late"]) == (201, True)
    deadline = calendar.current().add_workdays(clock.today_in_china() - timedelta(days=60), 20)
    assert late["entry_deadline"] == deadline.isoformat() and deadline < clock.today_in_china()
    status, on_time = call(client, "POST", f"/members/{member}/awards", world.headers("tianhe"), reward())
    assert (status, on_time["late"]) == (201, False)
    # The compliance finding's index holds the late entry only.
    flagged = list(Award.by_gsi2.query(keys.late_awards_pk(world.orgs["tianhe"])))
    assert [a.award_id for a in flagged] == [late["award_id"]]
    status, answer = call(
        client, "POST", f"/members/{member}/awards", world.headers("tianhe"), reward(document_date=days_ago(-3))
    )
    assert (status, answer["code"]) == (400, "DOCUMENT_DATE_FUTURE")


def test_card_1_shows_an_entered_award_evaluation_registration_and_volunteer_hours(client: Any, world: World) -> None:
    # Given
    member = world.members["lianhua"][0]
    # When
    status, _ = call(
        client, "POST", f"/members/{member}/awards", world.headers("futian"), reward(title="福田区优秀团员")
    )
    # Then
    assert status == 201
    year = clock.today_in_china().year
    status, _ = call(
        client, "POST", f"/orgs/{world.orgs['lianhua']}/annual-registrations/{year}", world.headers("lianhua"), {}
    )
    assert status == 200
    status, _ = call(
        client,
        "POST",
        f"/orgs/{world.orgs['lianhua']}/evaluations/{year}",
        world.headers("lianhua"),
        {"grades": {member: "合格"}},
    )
    assert status == 201
    status, _ = call(
        client, "POST", f"/orgs/{world.orgs['lianhua']}/evaluations/{year}/certify", world.headers("futian")
    )
    assert status == 200
    for tenths, day in ((20, 5), (15, 4)):
        body = {"activity": "社区义诊", "served_on": days_ago(day), "tenths_of_hours": tenths}
        status, _ = call(client, "POST", f"/members/{member}/volunteer-hours", world.headers("futian"), body)
        assert status == 201
    status, hours = call(client, "GET", f"/members/{member}/volunteer-hours", member_headers(world, member))
    assert (status, hours["total_tenths_of_hours"]) == (200, 35)

    sections = card_sections(member)
    assert sections["awards"].rows[0][1:] == ("奖励", "福田区优秀团员", "中国共产主义青年团深圳市福田区委员会")
    assert sections["annual"].rows[0][:2] == (str(year), "已注册")
    assert sections["evaluations"].rows == [(str(year), "合格", "中国共产主义青年团深圳市福田区莲花支部委员会")]
    assert sections["volunteer"].summary == "累计志愿服务 3.5 小时"


def grow_branch(world: World, count: int) -> list[str]:
    """华景 with `count` more members (through the logic layer)."""
    for i in range(count):
        world.members["huajing"].append(enrol(world, "huajing", f"新团员{han_number(i)}"))
    return world.members["huajing"]


def make_party_member(member_id: str) -> None:
    member = member_changes.get_member(member_id)
    member.update(actions=[Member.political_status.set("01")])


def test_annual_registration_is_for_the_whole_branch_once_a_year_party_members_included(
    client: Any, world: World
) -> None:
    # Given
    members = world.members["huajing"]
    make_party_member(members[0])
    year = clock.today_in_china().year
    path = f"/orgs/{world.orgs['huajing']}/annual-registrations/{year}"
    # When
    status, answer = call(client, "POST", path, world.headers("huajing"), {"exceptions": {"m-none": "暂缓注册"}})
    # Then
    assert (status, answer["code"]) == (400, "ANNUAL_NOT_IN_BRANCH")
    status, done = call(client, "POST", path, world.headers("huajing"), {"exceptions": {members[2]: "暂缓注册"}})
    assert (status, done["registered_now"], done["already_registered"]) == (200, 3, 0)
    assert done["results"] == {members[0]: "已注册", members[1]: "已注册", members[2]: "暂缓注册"}
    newcomer = grow_branch(world, 1)[-1]
    status, again = call(client, "POST", path, world.headers("huajing"), {})
    assert (again["registered_now"], again["already_registered"], list(again["results"])) == (1, 3, [newcomer])
    status, answer = call(
        client, "POST", f"/orgs/{world.orgs['tianhe']}/annual-registrations/{year}", world.headers("tianhe"), {}
    )
    assert (status, answer["code"]) == (400, "NOT_A_BRANCH")
    assert [
        r.member_id for r in annual.registrations(world.principal("tianhe"), world.orgs["huajing"], year)
    ] == sorted([*members])


def test_evaluation_excellent_is_capped_at_30_percent_and_party_members_are_not_evaluated(
    client: Any, world: World
) -> None:
    # Given
    members = grow_branch(world, 8)  # 11 on the roll
    make_party_member(members[0])  # 10 evaluated: at most 3 优秀
    evaluated = members[1:]
    year = clock.today_in_china().year
    path = f"/orgs/{world.orgs['huajing']}/evaluations/{year}"
    four = {m: ("优秀" if i < 4 else "合格") for i, m in enumerate(evaluated)}
    # When
    status, answer = call(client, "POST", path, world.headers("huajing"), {"grades": four})
    # Then
    assert (status, answer["code"]) == (422, "EVAL_EXCELLENT_CAP")
    assert "不得超过参加评议人数的30%" in answer["message"] and "至多 3 人" in answer["message"]
    status, answer = call(client, "POST", path, world.headers("huajing"), {"grades": {**four, members[0]: "合格"}})
    assert (status, answer["code"]) == (422, "EVAL_PARTY_MEMBER")
    status, answer = call(client, "POST", path, world.headers("huajing"), {"grades": dict(list(four.items())[1:])})
    assert (status, answer["code"]) == (400, "EVAL_INCOMPLETE")
    three = {m: ("优秀" if i < 3 else ("不合格" if i == 9 else "合格")) for i, m in enumerate(evaluated)}
    status, proposal = call(client, "POST", path, world.headers("huajing"), {"grades": three})
    assert (status, proposal["state"], proposal["excellent"], proposal["party_members"]) == (201, "PROPOSED", 3, 1)
    status, answer = call(client, "POST", path, world.headers("huajing"), {"grades": three})
    assert (status, answer["code"]) == (409, "EVAL_ALREADY_PROPOSED")


def test_evaluation_is_certified_by_the_committee_above_only_and_then_reaches_the_cards(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    monkeypatch.setattr(annual, "CHUNK", 1)  # two evaluated members: two transactions
    members = world.members["huajing"]
    make_party_member(members[0])
    year = clock.today_in_china().year
    path = f"/orgs/{world.orgs['huajing']}/evaluations/{year}"
    grades = {members[1]: "合格", members[2]: "基本合格"}
    assert call(client, "POST", path, world.headers("huajing"), {"grades": grades})[0] == 201
    # When
    status, answer = call(client, "POST", f"{path}/certify", world.headers("huajing"))
    # Then
    assert (status, answer["code"]) == (403, "OWN_ORG_NOT_ALLOWED")
    status, answer = call(client, "POST", f"{path}/certify", world.headers("yuexiu"))
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")
    # Returned by the committee above, proposed again, then certified.
    status, returned = call(client, "POST", f"{path}/return", world.headers("tianhe"), {"reason": "请重新评议"})
    assert (status, returned["state"]) == (200, "RETURNED")
    assert "evaluations" not in card_sections(members[1])
    assert call(client, "POST", path, world.headers("huajing"), {"grades": grades})[0] == 201
    status, listed = call(
        client, "GET", f"/orgs/{world.orgs['tianhe']}/evaluation-proposals/{year}", world.headers("tianhe")
    )
    assert [(p["branch_id"], p["state"]) for p in listed["items"]] == [(world.orgs["huajing"], "PROPOSED")]
    status, certified = call(client, "POST", f"{path}/certify", world.headers("tianhe"))
    assert (status, certified["state"], certified["decided_by_org_id"]) == (200, "CERTIFIED", world.orgs["tianhe"])
    assert card_sections(members[2])["evaluations"].rows[0][1] == "基本合格"
    assert "evaluations" not in card_sections(members[0])  # the party member: registered, not evaluated
    status, answer = call(client, "POST", f"{path}/certify", world.headers("tianhe"))
    assert (status, answer["code"]) == (409, "EVAL_PROPOSAL_CHANGED")


def test_award_1_the_document_scan_is_uploaded_by_presigned_url_and_must_be_the_entering_organisations(
    client: Any, world: World
) -> None:
    # Given
    import boto3

    from zhtj.table import storage

    member = world.members["huajing"][0]
    # When
    status, upload = call(
        client,
        "POST",
        f"/orgs/{world.orgs['tianhe']}/award-upload",
        world.headers("tianhe"),
        {"content_type": "application/pdf"},
    )
    # Then
    assert status == 200 and upload["key"].startswith(f"awards/{world.orgs['tianhe']}/") and upload["url"]
    status, answer = call(
        client, "POST", f"/members/{member}/awards", world.headers("tianhe"), reward(attachment_key=upload["key"])
    )
    assert (status, answer["code"]) == (400, "ATTACHMENT_NOT_FOUND")  # not uploaded yet
    boto3.client("s3").put_object(Bucket=storage.bucket("uploads"), Key=upload["key"], Body=b"%PDF-1.7")
    status, answer = call(
        client, "POST", f"/members/{member}/awards", world.headers("gz"), reward(attachment_key=upload["key"])
    )
    assert (status, answer["code"]) == (400, "ATTACHMENT_NOT_FOUND")  # another organisation's file
    status, entered = call(
        client, "POST", f"/members/{member}/awards", world.headers("tianhe"), reward(attachment_key=upload["key"])
    )
    assert (status, entered["attachment_key"]) == (201, upload["key"])
    # The member's own routes refuse an operator acting for an organisation.
    path = f"/members/{member}/award-declarations/upload"
    status, answer = call(client, "POST", path, world.headers("huajing"), {"content_type": "image/png"})
    assert (status, answer["code"]) == (403, "NOT_SELF")
    status, upload = call(client, "POST", path, member_headers(world, member), {"content_type": "image/png"})
    assert status == 200 and upload["key"].startswith(f"award-declarations/{member}/")
