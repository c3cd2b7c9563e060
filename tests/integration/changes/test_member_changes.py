"""Changes to a member after approval, through the HTTP API: edits (EDIT-1..4), deletion
(DEL-1), exits and age-out (EXIT-1, EXIT-2). Each test reads Given / When / Then."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.support import World, call
from tests.support.registration import make_id, registered
from tests.support.sessions import session_token
from zhtj.changes import deletions, edits, exits
from zhtj.changes.models import DeletionRequest
from zhtj.changes.rules import DeletionCause, ExitKind
from zhtj.core.errors import ConflictError
from zhtj.members import service as member_changes
from zhtj.members.models import Member
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.registration.models import Claim
from zhtj.registration.service import today_in_china
from zhtj.table import keys
from zhtj.table.audit_record import AuditRecord


@pytest.fixture(autouse=True)
def identity_provider_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHTJ_FAKE_IDP_FAIL_PERCENT", "0")


# --- Helpers ------------------------------------------------------------------------------------


def approved_member(client: Any, world: World, **overrides: Any) -> str:
    """A member registered to 华景 and approved there (with ID number, join month, number)."""
    reg_id = registered(client, world, **overrides)["registration_id"]
    status, approved = call(client, "POST", f"/registrations/{reg_id}/approve", world.headers("huajing"))
    assert status == 200, approved
    return str(approved["member_id"])


def as_member(member_id: str) -> dict[str, str]:
    account_id = Member.get(keys.member_pk(member_id), keys.META).account_id
    assert account_id
    return {"Authorization": f"Bearer {session_token(account_id)}", "Content-Type": "application/json"}


def member(member_id: str) -> Member:
    return Member.get(keys.member_pk(member_id), keys.META, consistent_read=True)


def member_count(world: World, name: str) -> int:
    return int(Org.get(keys.org_pk(world.orgs[name]), keys.META, consistent_read=True).member_count)


def listed(client: Any, world: World, branch: str, route: str = "members") -> set[str]:
    status, page = call(client, "GET", f"/orgs/{world.orgs[branch]}/{route}", world.headers(branch))
    assert status == 200, page
    return {m["member_id"] for m in page["items"]}


def trail(member_id: str) -> list[AuditRecord]:
    return [a for a in AuditRecord.query(keys.audit_pk("MEMBER", member_id)) if isinstance(a, AuditRecord)]


def actions(member_id: str) -> list[str]:
    return [a.action for a in trail(member_id)]


def set_birth(member_id: str, birth: date) -> None:
    member(member_id).update(actions=[Member.birth_date.set(birth.isoformat())])


def years_ago(years: int, days: int = 0) -> date:
    today = today_in_china()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - timedelta(days=days)


# --- EDIT ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "王五"), ("id_number", make_id(seq=555)), ("join_month", "2020-01"), ("development_number", "X")],
)
def test_edit_1_locked_fields_are_refused_by_name(client: Any, world: World, field: str, value: str) -> None:
    # Given an approved member; when they change a locked field (with a free one alongside)
    member_id = approved_member(client, world)
    status, answer = call(client, "PATCH", f"/members/{member_id}", as_member(member_id), {field: value, "phone": None})
    # Then 422 names EDIT-1 and the field, and nothing changed
    assert (status, answer["code"], answer["field"]) == (422, "EDIT-1", field)
    assert answer["message"]
    assert member(member_id).phone == "+8613800138000"


def test_edit_3_other_fields_apply_at_once_with_an_audit_record(client: Any, world: World) -> None:
    # Given
    member_id = approved_member(client, world)
    body = {"phone": "139 1234 5678", "education": "本科", "occupation": "教师"}
    # When
    status, answer = call(client, "PATCH", f"/members/{member_id}", as_member(member_id), body)
    # Then
    assert status == 200, answer
    assert answer["edit_request"] is None
    record = member(member_id)
    assert (record.phone, record.education, record.occupation) == ("+8613912345678", "本科", "教师")
    audit = next(a for a in trail(member_id) if a.action == "member.edit")
    assert audit.before.as_dict() == {"phone": "+8613800138000", "education": None, "occupation": None}
    assert audit.after.as_dict() == {"phone": "+8613912345678", "education": "本科", "occupation": "教师"}
    # Values are checked as registration checks them.
    status, answer = call(client, "PATCH", f"/members/{member_id}", as_member(member_id), {"phone": "12345"})
    assert (status, answer["code"], answer["field"]) == (400, "PHONE_FORMAT", "phone")
    status, answer = call(client, "PATCH", f"/members/{member_id}", as_member(member_id), {"education": "本科"})
    assert (status, answer["code"]) == (400, "NO_CHANGE")


def test_edit_3_the_whole_record_is_read_by_the_member_their_branch_and_above_it_id_masked(
    client: Any, world: World
) -> None:
    # Given an approved member of 华景 who then set their phone, education and occupation
    member_id = approved_member(client, world, education="大专", occupation="学生")
    body = {"phone": "139 1234 5678", "education": "本科", "occupation": "教师"}
    status, edited = call(client, "PATCH", f"/members/{member_id}", as_member(member_id), body)
    assert status == 200, edited
    # When the member, their branch and each organisation above it read the record
    views = [call(client, "GET", f"/members/{member_id}", as_member(member_id))]
    views += [
        call(client, "GET", f"/members/{member_id}", world.headers(o)) for o in ("huajing", "tianhe", "gz", "root")
    ]
    # Then each gets the whole record, the same one the edit answered with, the ID number masked
    for status, view in views:
        assert status == 200, view
        assert view == edited["member"]
    view = views[0][1]
    assert (view["phone"], view["education"], view["occupation"]) == ("+8613912345678", "本科", "教师")
    assert (view["ethnicity"], view["political_status"], view["join_month"]) == ("01", "03", "2021-05")
    # (de-identified: the last two characters, and the birth year-month only)
    assert (view["birth_month"], view["sex"], view["development_number"]) == ("2005-03", "M", "202144010001")
    assert view["id_masked"] == "*" * 16 + make_id()[-2:] and make_id() not in str(view)
    assert "birth_date" not in view
    assert not {"id_sealed", "id_index", "search_path", "version"} & set(view)
    # ... and a sibling branch's organisation, or another member, is refused
    status, answer = call(client, "GET", f"/members/{member_id}", world.headers("yuexiu"))
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")
    other = world.members["huajing"][0]
    status, answer = call(client, "GET", f"/members/{member_id}", as_member(other))
    assert (status, answer["code"]) == (403, "NOT_OPERATOR")
    # The mask is applied as the record is read: one stored under the earlier, wider mask reads
    # in today's form
    member(member_id).update(actions=[Member.id_masked.set(make_id()[:4] + "*" * 10 + make_id()[-4:])])
    status, view = call(client, "GET", f"/members/{member_id}", as_member(member_id))
    assert view["id_masked"] == "*" * 16 + make_id()[-2:]


def test_edit_2_reviewed_fields_wait_for_the_branch(client: Any, world: World) -> None:
    # Given an approved member who changes political status (EDIT-2) and phone (EDIT-3) at once
    member_id = approved_member(client, world)
    headers = as_member(member_id)
    body = {"political_status": "中共预备党员", "phone": "13912345678"}
    status, answer = call(client, "PATCH", f"/members/{member_id}", headers, body)
    # Then the phone applies now; the political status waits in an open request
    assert status == 200, answer
    request = answer["edit_request"]
    assert (request["state"], request["route"], request["changes"]) == (
        "EDIT_PENDING",
        "BRANCH_REVIEW",
        {"political_status": "02"},
    )
    assert request["previous"] == {"political_status": "03"}
    record = member(member_id)
    assert (record.political_status, record.phone, record.edit_state) == ("03", "+8613912345678", "EDIT_PENDING")
    # One open request per member
    status, answer = call(client, "PATCH", f"/members/{member_id}", headers, {"is_cadre": True})
    assert (status, answer["code"]) == (409, "EDIT_OPEN")
    assert member(member_id).is_cadre is False
    # The branch sees it in its queue and approves; the record changes, audited before -> after
    status, page = call(client, "GET", f"/orgs/{world.orgs['huajing']}/edit-requests", world.headers("huajing"))
    assert [r["request_id"] for r in page["items"]] == [request["request_id"]]
    status, decided = call(client, "POST", f"/members/{member_id}/edit-request/approve", world.headers("huajing"))
    assert (status, decided["state"]) == (200, "EDIT_APPROVED")
    record = member(member_id)
    assert (record.political_status, record.edit_state, record.open_edit_id) == ("02", None, None)
    audit = next(a for a in trail(member_id) if a.action == "member.edit_approve")
    assert audit.before.as_dict()["political_status"] == "03"
    assert audit.after.as_dict()["political_status"] == "02"
    assert audit.actor_org_id == world.orgs["huajing"]
    # Nothing left to review
    status, answer = call(client, "POST", f"/members/{member_id}/edit-request/approve", world.headers("huajing"))
    assert (status, answer["code"]) == (409, "NO_OPEN_EDIT")


def test_edit_2_returned_with_a_reason_then_the_member_asks_again(client: Any, world: World) -> None:
    # Given
    member_id = approved_member(client, world)
    headers = as_member(member_id)
    call(client, "PATCH", f"/members/{member_id}", headers, {"income_band": "BELOW_2000"})
    # When
    status, answer = call(client, "POST", f"/members/{member_id}/edit-request/return", world.headers("huajing"), {})
    # Then
    assert (status, answer["field"]) == (400, "reason")
    status, decided = call(
        client, "POST", f"/members/{member_id}/edit-request/return", world.headers("huajing"), {"reason": "请核实收入"}
    )
    assert (status, decided["state"], decided["return_reason"]) == (200, "EDIT_RETURNED", "请核实收入")
    record = member(member_id)
    assert (record.income_band, record.edit_state) == (None, "EDIT_RETURNED")
    status, answer = call(client, "PATCH", f"/members/{member_id}", headers, {"income_band": "FROM_2000"})
    assert (status, answer["edit_request"]["state"]) == (200, "EDIT_PENDING")
    status, page = call(client, "GET", f"/members/{member_id}/edit-requests", headers)
    assert [r["state"] for r in page["items"]] == ["EDIT_PENDING", "EDIT_RETURNED"]


def test_edit_2_values_are_checked(client: Any, world: World) -> None:
    # Given
    member_id = approved_member(client, world)
    headers = as_member(member_id)
    # When
    for body, code, field in (
        ({"political_status": "99"}, "POLITICAL_STATUS_UNKNOWN", "political_status"),
        ({"political_status": None}, "VALUE_REQUIRED", "political_status"),
        ({"income_band": "RICH"}, "INVALID_FIELD", "income_band"),
        ({"nickname": "x"}, "INVALID_FIELD", "nickname"),
    ):
        status, answer = call(client, "PATCH", f"/members/{member_id}", headers, body)
        # Then
        assert (status, answer["code"], answer["field"]) == (400, code, field), body


def test_edit_2_of_two_reviewers_exactly_one_wins(client: Any, world: World) -> None:
    # Given a pending request both the branch and its parent have read
    member_id = approved_member(client, world)
    call(client, "PATCH", f"/members/{member_id}", as_member(member_id), {"is_cadre": True})
    branch = authorize(world.principal("huajing"), "member.edit_review", get_org(world.orgs["huajing"]))
    parent = authorize(world.principal("tianhe"), "member.edit_review", get_org(world.orgs["huajing"]))
    seen = [(member(member_id), edits._open_request(member(member_id))) for _ in range(2)]
    # When both decide: the first approves, the second (stale) returns
    edits._decide(branch, *seen[0], approve=True, reason=None)
    with pytest.raises(ConflictError) as lost:
        edits._decide(parent, *seen[1], approve=False, reason="x")
    # Then exactly one decision landed
    assert lost.value.code == "ALREADY_DECIDED"
    assert member(member_id).is_cadre is True
    assert actions(member_id).count("member.edit_approve") == 1 and "member.edit_return" not in actions(member_id)


def test_edit_only_by_the_member_themself(client: Any, world: World) -> None:
    # Given
    member_id = approved_member(client, world)
    # When
    for name in world.admins:
        status, answer = call(client, "PATCH", f"/members/{member_id}", world.headers(name), {"phone": "13912345678"})
        # Then
        assert (status, answer["code"]) == (403, "NOT_SELF"), name
    other = world.members["huajing"][0]
    status, answer = call(client, "PATCH", f"/members/{member_id}", as_member(other), {"phone": "13912345678"})
    assert (status, answer["code"]) == (403, "NOT_SELF")
    status, answer = call(client, "PATCH", f"/members/{member_id}", {}, {"phone": "13912345678"})
    assert status == 401
    status, answer = call(
        client,
        "POST",
        f"/members/{member_id}/join-month-request",
        as_member(other),
        {"join_month": "2021-03", "reason": "x"},
    )
    assert (status, answer["code"]) == (403, "NOT_SELF")


def test_edit_4_windows_are_set_by_the_province_as_data(client: Any, world: World) -> None:
    # Given
    seed = {"windows": [{"opens_on": "2018-09-28", "closes_on": "2018-11-30"}]}
    # When
    status, answer = call(client, "PUT", "/join-date-windows", world.headers("gz"), seed)
    # Then
    assert (status, answer["code"]) == (403, "PROVINCE_ONLY")
    status, answer = call(client, "PUT", "/join-date-windows", world.headers("root"), seed)
    assert (status, answer) == (200, seed["windows"])
    status, answer = call(client, "GET", "/join-date-windows", as_member(world.members["huajing"][0]))
    assert (status, answer) == (200, seed["windows"])
    for windows, code in (
        ([{"opens_on": "2019-02-01", "closes_on": "2019-01-01"}], "WINDOW_ORDER"),
        (
            [
                {"opens_on": "2019-01-01", "closes_on": "2019-03-01"},
                {"opens_on": "2019-02-01", "closes_on": "2019-04-01"},
            ],
            "WINDOW_OVERLAP",
        ),
    ):
        status, answer = call(client, "PUT", "/join-date-windows", world.headers("root"), {"windows": windows})
        assert (status, answer["code"]) == (400, code)
    assert call(client, "PUT", "/join-date-windows", world.headers("root"), {"windows": []}) == (200, [])
    assert call(client, "GET", "/join-date-windows", world.headers("root"))[1] == []
    assert [a.action for a in AuditRecord.query(keys.audit_pk("ORG", world.orgs["root"]))].count(
        "join_date_windows.set"
    ) == 2


def open_window_today(client: Any, world: World) -> None:
    today = today_in_china()
    window = {"opens_on": (today - timedelta(days=3)).isoformat(), "closes_on": (today + timedelta(days=3)).isoformat()}
    status, _ = call(client, "PUT", "/join-date-windows", world.headers("root"), {"windows": [window]})
    assert status == 200


def test_edit_4_inside_a_window_the_member_asks_and_the_branch_reviews(client: Any, world: World) -> None:
    # Given a window open today and a member who joined 2021-05 with a 2021 number
    member_id = approved_member(client, world)
    open_window_today(client, world)
    headers = as_member(member_id)
    # A corrected month must agree with the number the member keeps (REG-3)
    status, answer = call(
        client, "POST", f"/members/{member_id}/join-month-request", headers, {"join_month": "2019-05", "reason": "误填"}
    )
    assert (status, answer["code"], answer["field"]) == (400, "DEVELOPMENT_NUMBER_YEAR", "development_number")
    # When the member asks inside the window
    status, request = call(
        client, "POST", f"/members/{member_id}/join-month-request", headers, {"join_month": "2021-03", "reason": "误填"}
    )
    assert (status, request["state"], request["route"]) == (201, "EDIT_PENDING", "BRANCH_REVIEW")
    # The city-level route is closed while a window is open
    status, answer = call(
        client,
        "POST",
        f"/members/{member_id}/join-month-application",
        world.headers("gz"),
        {"join_month": "2021-03", "explanation": "经核实"},
    )
    assert (status, answer["code"]) == (422, "EDIT-4")
    # Then the branch approves and the join month changes
    assert member(member_id).join_month == "2021-05"
    status, decided = call(client, "POST", f"/members/{member_id}/edit-request/approve", world.headers("huajing"))
    assert (status, decided["state"]) == (200, "EDIT_APPROVED")
    assert member(member_id).join_month == "2021-03"


def test_edit_4_outside_a_window_the_city_applies_and_the_province_alone_approves(client: Any, world: World) -> None:
    # Given
    member_id = approved_member(client, world)
    call(
        client,
        "PUT",
        "/join-date-windows",
        world.headers("root"),
        {"windows": [{"opens_on": "2018-09-28", "closes_on": "2018-11-30"}]},
    )
    # The member cannot ask outside a window: the refusal names the other route
    # When
    status, answer = call(
        client,
        "POST",
        f"/members/{member_id}/join-month-request",
        as_member(member_id),
        {"join_month": "2021-03", "reason": "误填"},
    )
    # Then
    assert (status, answer["code"], answer["field"]) == (422, "EDIT-4", "join_month")
    assert "地级以上市团委" in answer["message"]
    body = {"join_month": "2021-03", "explanation": "经核实，该团员入团志愿书记载为2021年3月"}
    path = f"/members/{member_id}/join-month-application"
    # Only the city-level committee applies (not the county, not the branch)
    assert call(client, "POST", path, world.headers("tianhe"), body)[1]["code"] == "NOT_CITY_COMMITTEE"
    assert call(client, "POST", path, world.headers("huajing"), body)[1]["code"] == "OWN_ORG_NOT_ALLOWED"
    status, request = call(client, "POST", path, world.headers("gz"), body)
    assert (status, request["state"], request["route"]) == (201, "APPLICATION_PENDING", "PROVINCE_APPLICATION")
    assert member(member_id).edit_state == "APPLICATION_PENDING"
    # The branch does not review it; the city does not approve it
    status, answer = call(client, "POST", f"/members/{member_id}/edit-request/approve", world.headers("huajing"))
    assert (status, answer["code"]) == (409, "EDIT_WITH_PROVINCE")
    status, answer = call(client, "POST", f"{path}/approve", world.headers("gz"))
    assert (status, answer["code"]) == (403, "PROVINCE_ONLY")
    # The province sees it in its queue and approves: the join month changes
    status, page = call(client, "GET", "/join-month-applications", world.headers("root"))
    assert [r["request_id"] for r in page["items"]] == [request["request_id"]]
    status, decided = call(client, "POST", f"{path}/approve", world.headers("root"))
    assert (status, decided["state"]) == (200, "APPLICATION_APPROVED")
    assert member(member_id).join_month == "2021-03"
    audit = next(a for a in trail(member_id) if a.action == "member.join_month_approve")
    assert (audit.before.as_dict()["join_month"], audit.after.as_dict()["join_month"]) == ("2021-05", "2021-03")
    assert "member.join_month_apply" in actions(member_id)


def test_edit_4_city_level_committee_of_a_university_branch_is_the_university(world: World) -> None:
    assert member_changes.city_level_committee(get_org(world.orgs["huajing"])).org_id == world.orgs["gz"]
    assert member_changes.city_level_committee(get_org(world.orgs["cs2024"])).org_id == world.orgs["sysu"]


# --- DEL ----------------------------------------------------------------------------------------


def test_del_1_branch_requests_city_forwards_province_deletes(client: Any, world: World) -> None:
    # Given an approved member of 华景 (with an ID claim)
    member_id = approved_member(client, world)
    index = member(member_id).id_index
    count = member_count(world, "huajing")
    path = f"/members/{member_id}/deletion"
    # When the branch requests deletion with a written reason
    status, request = call(client, "POST", path, world.headers("huajing"), {"reason": "重复报到"})
    assert (status, request["state"], request["city_org_id"]) == (201, "REQUESTED", world.orgs["gz"])
    assert call(client, "POST", path, world.headers("huajing"), {"reason": "x"})[1]["code"] == "DELETION_OPEN"
    # Nobody below the province deletes, and the province only what the city forwarded
    assert call(client, "POST", f"{path}/approve", world.headers("huajing"))[1]["code"] == "PROVINCE_ONLY"
    assert call(client, "POST", f"{path}/approve", world.headers("gz"))[1]["code"] == "PROVINCE_ONLY"
    status, answer = call(client, "POST", f"{path}/approve", world.headers("root"))
    assert (status, answer["code"]) == (422, "DEL-1")
    assert call(client, "POST", f"{path}/forward", world.headers("tianhe"))[1]["code"] == "NOT_CITY_COMMITTEE"
    # The city collects it and forwards it
    status, page = call(client, "GET", f"/orgs/{world.orgs['gz']}/deletion-requests", world.headers("gz"))
    assert [r["request_id"] for r in page["items"]] == [request["request_id"]]
    status, forwarded = call(client, "POST", f"{path}/forward", world.headers("gz"))
    assert (status, forwarded["state"]) == (200, "FORWARDED")
    status, page = call(client, "GET", "/deletion-requests", world.headers("root"))
    assert [r["request_id"] for r in page["items"]] == [request["request_id"]]
    assert member(member_id).state == "NORMAL"  # still a member until the province decides
    # Then the province approves: DELETED, record kept, off the list and the count, ID free
    status, approved = call(client, "POST", f"{path}/approve", world.headers("root"))
    assert (status, approved["state"]) == (200, "APPROVED")
    record = member(member_id)
    assert (record.state, record.open_deletion_id, record.left_on) == (
        "DELETED",
        None,
        today_in_china().isoformat(),
    )
    assert member_id not in listed(client, world, "huajing")
    assert member_id in listed(client, world, "huajing", "former-members")
    assert member_count(world, "huajing") == count - 1
    with pytest.raises(Claim.DoesNotExist):
        Claim.get(keys.id_claim_pk(index), keys.META)
    assert call(client, "GET", "/deletion-requests", world.headers("root"))[1]["items"] == []
    assert actions(member_id)[-3:] == ["member.delete_request", "member.delete_forward", "member.delete_approve"]
    # The person can register again
    again = registered(client, world)
    assert again["status"] == "PENDING_REVIEW"


def test_del_1_a_wrongly_approved_registration_needs_a_written_explanation(client: Any, world: World) -> None:
    # Given
    member_id = world.members["huajing"][0]
    path = f"/members/{member_id}/deletion"
    # When
    status, answer = call(
        client, "POST", path, world.headers("huajing"), {"reason": "误审核", "cause": "WRONG_APPROVAL"}
    )
    # Then
    assert (status, answer["code"], answer["field"]) == (400, "EXPLANATION_REQUIRED", "explanation")
    body = {
        "reason": "误审核",
        "cause": "WRONG_APPROVAL",
        "explanation": "该团员报错支部，支部误审核通过，特此说明并检讨",
    }
    status, request = call(client, "POST", path, world.headers("huajing"), body)
    assert (status, request["cause"], request["explanation"]) == (201, "WRONG_APPROVAL", body["explanation"])


def test_del_1_city_returns_before_forwarding_the_province_after(client: Any, world: World) -> None:
    # Given
    first, second = world.members["huajing"][:2]
    for member_id in (first, second):
        call(client, "POST", f"/members/{member_id}/deletion", world.headers("huajing"), {"reason": "x"})
    # When
    status, returned = call(
        client, "POST", f"/members/{first}/deletion/return", world.headers("gz"), {"reason": "理由不充分"}
    )
    # Then
    assert (status, returned["state"]) == (200, "RETURNED")
    assert member(first).open_deletion_id is None
    assert (
        call(client, "POST", f"/members/{second}/deletion/return", world.headers("tianhe"), {"reason": "x"})[1]["code"]
        == "NOT_CITY_COMMITTEE"
    )
    call(client, "POST", f"/members/{second}/deletion/forward", world.headers("gz"))
    status, answer = call(client, "POST", f"/members/{second}/deletion/return", world.headers("gz"), {"reason": "x"})
    assert (status, answer["code"]) == (409, "DELETION_FORWARDED")
    status, returned = call(
        client, "POST", f"/members/{second}/deletion/return", world.headers("root"), {"reason": "x"}
    )
    assert (status, returned["state"]) == (200, "RETURNED")


def test_del_1_the_province_returns_every_pending_request_at_once(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given four open requests in two cities, two of them forwarded
    monkeypatch.setattr(deletions, "BULK_CHUNK", 2)  # several transactions
    everyone = [*world.members["huajing"], *world.members["lianhua"]]
    for member_id in everyone:
        branch = "huajing" if member_id in world.members["huajing"] else "lianhua"
        status, _ = call(client, "POST", f"/members/{member_id}/deletion", world.headers(branch), {"reason": "x"})
        assert status == 201
    call(client, "POST", f"/members/{world.members['huajing'][0]}/deletion/forward", world.headers("gz"))
    call(client, "POST", f"/members/{world.members['lianhua'][0]}/deletion/forward", world.headers("sz"))
    # When the province returns them all in one call
    status, answer = call(client, "POST", "/deletion-requests/return-all", world.headers("gz"), {"reason": "x"})
    assert (status, answer["code"]) == (403, "PROVINCE_ONLY")
    status, answer = call(
        client, "POST", "/deletion-requests/return-all", world.headers("root"), {"reason": "请严格核查后重新申请"}
    )
    # Then every one is returned, each with its own audit record, and nobody was deleted
    assert (status, answer) == (200, {"returned": 4, "skipped": 0, "more": False})
    for member_id in everyone:
        record = member(member_id)
        assert (record.state, record.open_deletion_id) == ("NORMAL", None)
        assert actions(member_id).count("member.delete_return") == 1
    for state in ("REQUESTED", "FORWARDED"):
        status, page = call(client, "GET", f"/deletion-requests?state={state}", world.headers("root"))
        assert page["items"] == []


def test_del_1_bulk_return_skips_a_request_decided_meanwhile(world: World) -> None:
    # Given
    huajing = world.members["huajing"]
    for member_id in huajing:
        deletions.request(world.principal("huajing"), member_id, "x", DeletionCause.OTHER, None)
    stale = [
        d for d in DeletionRequest.by_gsi2.query(keys.open_deletions_pk("REQUESTED")) if isinstance(d, DeletionRequest)
    ]
    deletions.return_request(world.principal("gz"), huajing[0], "已由市级团委退回")
    operator = authorize(world.principal("root"), "member.delete_approve", None)
    # When / Then
    assert deletions._return_chunk(operator, stale, "全部退回") == (2, 1)
    assert actions(huajing[0]).count("member.delete_return") == 1


# --- EXIT ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["VOLUNTARY", "LAPSED", "EXPELLED"])
def test_exit_1_branch_applies_the_upper_organisation_approves(client: Any, world: World, kind: str) -> None:
    # Given a member of 华景 and the branch meeting's resolution
    member_id = world.members["huajing"][0]
    count = member_count(world, "huajing")
    body = {"kind": kind, "resolution_date": today_in_china().isoformat(), "resolution": "支部大会表决通过"}
    # When the branch applies
    status, request = call(client, "POST", f"/members/{member_id}/exit", world.headers("huajing"), body)
    assert (status, request["state"], request["exit_kind"]) == (201, "PENDING", kind)
    assert member(member_id).state == f"{kind}_PENDING"
    status, page = call(client, "GET", f"/orgs/{world.orgs['huajing']}/exit-requests", world.headers("tianhe"))
    assert [r["request_id"] for r in page["items"]] == [request["request_id"]]
    # The branch cannot approve its own application
    status, answer = call(client, "POST", f"/members/{member_id}/exit/approve", world.headers("huajing"))
    assert (status, answer["code"]) == (403, "OWN_ORG_NOT_ALLOWED")
    # Then the parent approves: the done state, off the member list and count, record kept
    status, approved = call(client, "POST", f"/members/{member_id}/exit/approve", world.headers("tianhe"))
    assert (status, approved["state"], approved["decided_org_id"]) == (200, "APPROVED", world.orgs["tianhe"])
    assert member(member_id).state == kind
    assert member_id not in listed(client, world, "huajing")
    assert member_id in listed(client, world, "huajing", "former-members")
    assert member_count(world, "huajing") == count - 1
    assert actions(member_id)[-2:] == ["member.exit_apply", "member.exit_approve"]
    # A member who left is not edited, deleted or exited again
    status, answer = call(client, "POST", f"/members/{member_id}/exit", world.headers("huajing"), body)
    assert (status, answer["code"]) == (409, "MEMBER_NOT_NORMAL")
    status, answer = call(client, "PATCH", f"/members/{member_id}", as_member(member_id), {"education": "硕士"})
    assert (status, answer["code"]) == (409, "MEMBER_NOT_NORMAL")


def test_exit_1_the_upper_organisation_returns_an_application(client: Any, world: World) -> None:
    # Given
    member_id = world.members["huajing"][0]
    body = {"kind": "LAPSED", "resolution_date": "2024-03-01", "resolution": "连续6个月未交团费，支部大会表决"}
    call(client, "POST", f"/members/{member_id}/exit", world.headers("huajing"), body)
    # When
    status, returned = call(
        client, "POST", f"/members/{member_id}/exit/return", world.headers("gz"), {"reason": "请先谈心谈话"}
    )
    # Then
    assert (status, returned["state"], returned["return_reason"]) == (200, "RETURNED", "请先谈心谈话")
    assert (member(member_id).state, member(member_id).open_exit_id) == ("NORMAL", None)
    assert member_id in listed(client, world, "huajing")


def test_exit_1_needs_a_resolution_no_later_than_today(client: Any, world: World) -> None:
    # Given
    member_id = world.members["huajing"][0]
    tomorrow = (today_in_china() + timedelta(days=1)).isoformat()
    body = {"kind": "EXPELLED", "resolution_date": tomorrow, "resolution": "x"}
    # When
    status, answer = call(client, "POST", f"/members/{member_id}/exit", world.headers("huajing"), body)
    # Then
    assert (status, answer["code"]) == (400, "RESOLUTION_DATE_FUTURE")
    status, answer = call(client, "POST", f"/members/{member_id}/exit", world.headers("huajing"), {"kind": "EXPELLED"})
    assert (status, answer["code"]) == (400, "INVALID_FIELD")
    # A member with an open deletion request is not exited at the same time
    call(client, "POST", f"/members/{member_id}/deletion", world.headers("huajing"), {"reason": "x"})
    body["resolution_date"] = today_in_china().isoformat()
    status, answer = call(client, "POST", f"/members/{member_id}/exit", world.headers("huajing"), body)
    assert (status, answer["code"]) == (409, "DELETION_OPEN")


def test_exit_1_of_two_approvers_exactly_one_wins(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an application both 天河 and 广州 have read
    member_id = world.members["huajing"][0]
    exits.apply(world.principal("huajing"), member_id, ExitKind.VOLUNTARY, today_in_china(), "决议")
    seen = [exits._open_exit(world.principal(name), member_id) for name in ("tianhe", "gz")]
    count = member_count(world, "huajing")
    monkeypatch.setattr(exits, "_open_exit", lambda principal, member_id: seen.pop(0))
    # When both approve
    exits.approve(world.principal("tianhe"), member_id)
    with pytest.raises(ConflictError) as lost:
        exits.approve(world.principal("gz"), member_id)
    # Then one approval landed: the count moved once, one audit record
    assert lost.value.code == "ALREADY_DECIDED"
    assert member_count(world, "huajing") == count - 1
    assert actions(member_id).count("member.exit_approve") == 1


def test_exit_2_members_past_28_without_a_post_are_listed_never_removed(client: Any, world: World) -> None:
    # Given
    old, young, cadre = world.members["huajing"]
    (far,) = world.members["lianhua"]
    set_birth(old, years_ago(28, days=1))
    set_birth(young, years_ago(28) + timedelta(days=1))
    set_birth(cadre, years_ago(35))
    set_birth(far, years_ago(30))
    cadre_account = world.member_accounts[cadre]
    # When
    status, _ = call(
        client,
        "POST",
        f"/orgs/{world.orgs['huajing']}/grants",
        world.headers("huajing"),
        {"account_id": cadre_account, "role": "委员"},
    )
    # Then
    assert status == 201
    # The list: past 28, no post; by subtree
    status, page = call(client, "GET", f"/orgs/{world.orgs['tianhe']}/age-out-candidates", world.headers("tianhe"))
    assert status == 200
    assert [m["member_id"] for m in page["items"]] == [old]
    assert member(old).state == "NORMAL"  # listed, not removed
    status, page = call(client, "GET", f"/orgs/{world.orgs['root']}/age-out-candidates", world.headers("root"))
    assert {m["member_id"] for m in page["items"]} == {old, far}
    # A cadre over 28 keeps membership (EXIT-2); a member under 28 does not leave by age
    body = {"kind": "AGED_OUT", "resolution_date": today_in_china().isoformat(), "resolution": "超龄离团"}
    for member_id in (cadre, young):
        status, answer = call(client, "POST", f"/members/{member_id}/exit", world.headers("huajing"), body)
        assert (status, answer["code"]) == (422, "EXIT-2")


def test_exit_2_age_out_then_restore(client: Any, world: World) -> None:
    # Given
    member_id = world.members["huajing"][0]
    set_birth(member_id, years_ago(29))
    count = member_count(world, "huajing")
    body = {"kind": "AGED_OUT", "resolution_date": today_in_china().isoformat(), "resolution": "超龄离团"}
    call(client, "POST", f"/members/{member_id}/exit", world.headers("huajing"), body)
    # When
    status, _ = call(client, "POST", f"/members/{member_id}/exit/approve", world.headers("tianhe"))
    # Then
    assert (status, member(member_id).state) == (200, "AGED_OUT")
    assert member_count(world, "huajing") == count - 1
    path = f"/members/{member_id}/restore"
    status, answer = call(client, "POST", path, world.headers("huajing"), {"reason": "当选团干部"})
    assert (status, answer["code"]) == (403, "OWN_ORG_NOT_ALLOWED")
    status, restored = call(client, "POST", path, world.headers("tianhe"), {"reason": "当选团干部"})
    assert (status, restored["state"], restored["left_on"]) == (200, "NORMAL", None)
    assert member_id in listed(client, world, "huajing")
    assert member_count(world, "huajing") == count
    assert actions(member_id)[-1] == "member.restore"
    # Only a member who left at 28 is restored
    status, answer = call(client, "POST", path, world.headers("tianhe"), {"reason": "x"})
    assert (status, answer["code"]) == (409, "NOT_AGED_OUT")


def test_exit_2_candidates_are_paged_over_the_subtree_branches(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    monkeypatch.setattr(exits, "BRANCHES_PER_PAGE", 1)  # every page stops after one branch
    everyone = [*world.members["huajing"], *world.members["lianhua"]]
    for member_id in everyone:
        set_birth(member_id, years_ago(30))
    # When
    found: list[str] = []
    cursor = None
    for _ in range(20):
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        status, page = call(
            client, "GET", f"/orgs/{world.orgs['root']}/age-out-candidates{query}", world.headers("root")
        )
        assert status == 200 and len(page["items"]) <= 2
        found += [m["member_id"] for m in page["items"]]
        cursor = page["next_cursor"]
        # Then
        if cursor is None:
            break
    assert sorted(found) == sorted(everyone)
    status, answer = call(
        client, "GET", f"/orgs/{world.orgs['root']}/age-out-candidates?cursor=bm90LWEtY3Vyc29y", world.headers("root")
    )
    assert (status, answer["code"]) == (400, "BAD_CURSOR")
