"""The work list (待办, MSG-4): every task awaiting an organisation, with counts by kind, most
urgent first, paged; each kind appears when opened and leaves when decided; the organisation
itself and those above it read it, nobody beside; read without a scan; kept from the table's
stream, whose re-delivered records move nothing twice. Each test reads Given / When / Then."""

from __future__ import annotations

from typing import Any

from tests.support import World, call, drain_stream
from tests.support.awards import days_ago
from tests.support.http import member_headers
from tests.support.life import record_meeting
from tests.support.queues import stream_shard
from tests.support.registration import make_id, registered
from tests.support.transfers import start
from zhtj.core import clock
from zhtj.deadlines import service as deadlines
from zhtj.members.models import Member
from zhtj.table import keys
from zhtj.timers import service as timers
from zhtj.timers.models import Timer
from zhtj.worklist import stream as worklist_stream
from zhtj.worklist.models import WorkCount, WorkItem


def work_list(client: Any, world: World, org: str, caller: str | None = None, **query: Any) -> dict[str, Any]:
    drain_stream()
    params = "&".join(f"{k}={v}" for k, v in query.items())
    path = f"/orgs/{world.orgs[org]}/work-list" + (f"?{params}" if params else "")
    status, answer = call(client, "GET", path, world.headers(caller or org))
    assert status == 200, answer
    return dict(answer)


def kinds(page: dict[str, Any]) -> list[tuple[str, str]]:
    return [(item["kind"], item["id"]) for item in page["items"]]


def pending_registration(client: Any, world: World, seq: int, name: str = "张晓明") -> dict[str, Any]:
    return registered(client, world, name=name, id_number=make_id(seq=seq), development_number=f"2021440{seq:05d}")


# --- Each kind appears when opened and leaves when decided --------------------------------------------


def test_msg_4_a_registration_waits_at_its_branch_with_its_working_days_and_leaves_once_approved(
    client: Any, world: World
) -> None:
    # Given an applicant's registration written by the worker, pending at 华景
    reg = pending_registration(client, world, 401)
    # When 华景 reads its work list
    page = work_list(client, world, "huajing")
    # Then the registration is there: counted, named, its deadline 5 working days away
    assert page["counts"]["registration"] == 1 and page["counts"]["total"] == 1
    (item,) = page["items"]
    assert (item["kind"], item["id"], item["registration_id"], item["name"]) == (
        "REGISTRATION",
        reg["registration_id"],
        reg["registration_id"],
        "张晓明",
    )
    assert (item["unit"], item["due_in"], item["escalated"]) == ("WORKDAYS", 5, False)
    assert item["deadline"] is not None
    assert make_id(seq=401) not in str(page)
    # And once 华景 approves it, it leaves and the count drops
    status, _ = call(client, "POST", f"/registrations/{reg['registration_id']}/approve", world.headers("huajing"))
    assert status == 200
    page = work_list(client, world, "huajing")
    assert (page["counts"]["registration"], page["counts"]["total"], page["items"]) == (0, 0, [])


def test_msg_4_an_overdue_review_is_escalated_to_the_organisation_above(client: Any, world: World) -> None:
    # Given a pending registration at 华景 whose review deadline passed (REV-2's timer fires)
    reg = pending_registration(client, world, 402)
    timer = Timer.get(keys.timer_pk(timers.REVIEW_DUE, reg["registration_id"]), keys.META)
    deadlines.escalate(timer)
    # When 华景 and 天河 read their work lists
    branch, above = work_list(client, world, "huajing"), work_list(client, world, "tianhe")
    # Then the branch still sees it, marked escalated; 天河 sees it as an overdue review
    assert [(i["kind"], i["escalated"]) for i in branch["items"]] == [("REGISTRATION", True)]
    assert kinds(above) == [("OVERDUE_REVIEW", reg["registration_id"])]
    assert above["counts"]["overdue_review"] == 1 and above["items"][0]["escalated"] is True
    # And once 天河 reviews it in the branch's place, both lists are empty
    status, answer = call(client, "POST", f"/registrations/{reg['registration_id']}/approve", world.headers("tianhe"))
    assert status == 200, answer
    assert work_list(client, world, "huajing")["counts"]["total"] == 0
    assert work_list(client, world, "tianhe")["counts"]["total"] == 0


def test_msg_4_an_edit_request_waits_at_the_branch_until_returned(client: Any, world: World) -> None:
    # Given a member who changes a reviewed field (EDIT-2)
    member_id = world.members["huajing"][0]
    status, answer = call(client, "PATCH", f"/members/{member_id}", member_headers(world, member_id),
                          {"political_status": "中共预备党员"})  # fmt: skip
    assert status == 200, answer
    # Then it waits at 华景 with the member's name
    page = work_list(client, world, "huajing")
    request_id = answer["edit_request"]["request_id"]
    assert kinds(page) == [("EDIT", request_id)]
    assert (page["items"][0]["member_id"], page["items"][0]["name"], page["items"][0]["deadline"]) == (
        member_id,
        "林晓华",
        None,
    )
    # When the branch returns it, it leaves
    call(client, "POST", f"/members/{member_id}/edit-request/return", world.headers("huajing"), {"reason": "材料不全"})
    assert work_list(client, world, "huajing")["counts"]["edit"] == 0


def test_msg_4_a_join_month_application_waits_at_the_province(client: Any, world: World) -> None:
    # Given 广州团市委 applies to correct a member's join month outside a window (EDIT-4)
    member_id = world.members["huajing"][1]
    path = f"/members/{member_id}/join-month-application"
    year, month = Member.get(keys.member_pk(member_id), keys.META).join_month.split("-")
    corrected = f"{year}-{int(month) % 12 + 1:02d}" if month != "12" else f"{year}-11"
    body = {"join_month": corrected, "explanation": "经核实，该团员入团志愿书记载有误"}
    status, request = call(client, "POST", path, world.headers("gz"), body)
    assert status == 201, request
    # Then the province has it; the city and the branch do not
    assert kinds(work_list(client, world, "root")) == [("JOIN_MONTH", request["request_id"])]
    assert work_list(client, world, "gz")["counts"]["total"] == 0
    # When the province approves it, it leaves
    call(client, "POST", f"{path}/approve", world.headers("root"))
    assert work_list(client, world, "root")["counts"]["join_month"] == 0


def test_msg_4_an_exit_waits_at_the_branch_parent_until_approved(client: Any, world: World) -> None:
    # Given 华景 applies for a member's exit on its meeting's resolution (EXIT-1)
    member_id = world.members["huajing"][2]
    body = {
        "kind": "VOLUNTARY",
        "resolution_date": clock.today_in_china().isoformat(),
        "resolution": "支部大会表决通过",
    }
    status, request = call(client, "POST", f"/members/{member_id}/exit", world.headers("huajing"), body)
    assert status == 201, request
    # Then 天河 (above the branch) has it, the branch does not
    page = work_list(client, world, "tianhe")
    assert kinds(page) == [("EXIT", request["request_id"])] and page["items"][0]["stage"] == "VOLUNTARY"
    assert work_list(client, world, "huajing")["counts"]["exit"] == 0
    # When 天河 approves, it leaves
    call(client, "POST", f"/members/{member_id}/exit/approve", world.headers("tianhe"))
    assert work_list(client, world, "tianhe")["counts"]["exit"] == 0


def test_msg_4_a_deletion_moves_from_the_city_to_the_province_then_leaves(client: Any, world: World) -> None:
    # Given 华景 requests a member's deletion (DEL-1)
    member_id = world.members["huajing"][0]
    path = f"/members/{member_id}/deletion"
    status, request = call(client, "POST", path, world.headers("huajing"), {"reason": "重复报到"})
    assert status == 201, request
    # Then the city collects it
    city = work_list(client, world, "gz")
    assert kinds(city) == [("DELETION", request["request_id"])] and city["items"][0]["stage"] == "REQUESTED"
    # When the city forwards it, it moves to the province
    call(client, "POST", f"{path}/forward", world.headers("gz"))
    assert work_list(client, world, "gz")["counts"]["deletion"] == 0
    province = work_list(client, world, "root")
    assert kinds(province) == [("DELETION", request["request_id"])] and province["items"][0]["stage"] == "FORWARDED"
    # And once the province approves, nobody has it
    call(client, "POST", f"{path}/approve", world.headers("root"))
    assert work_list(client, world, "root")["counts"]["deletion"] == 0


def test_msg_4_an_award_declaration_and_a_party_recommendation_wait_at_the_deciding_committee(
    client: Any, world: World
) -> None:
    # Given a member's declaration of 天河's award, and 华景's recommendation of a member to the Party
    member_id = world.members["huajing"][0]
    body = {"title": "天河区优秀团员", "document_number": "天团〔2026〕9号", "document_date": days_ago(3),
            "granted_by_org_id": world.orgs["tianhe"]}  # fmt: skip
    status, declared = call(client, "POST", f"/members/{member_id}/award-declarations",
                            member_headers(world, member_id), body)  # fmt: skip
    assert status == 201, declared
    meeting = record_meeting(client, world, "huajing", clock.today_in_china())
    status, proposed = call(client, "POST", f"/members/{member_id}/party-recommendations", world.headers("huajing"),
                            {"meeting_id": meeting["meeting_id"], "grounds": "思想上进，工作积极"})  # fmt: skip
    assert status == 201, proposed
    # Then 天河 has both, counted by kind
    page = work_list(client, world, "tianhe")
    assert sorted(kinds(page)) == sorted(
        [("AWARD_DECLARATION", declared["declaration_id"]), ("PARTY", proposed["recommendation_id"])]
    )
    assert (page["counts"]["award_declaration"], page["counts"]["party"], page["counts"]["total"]) == (1, 1, 2)
    # When 天河 decides both, they leave
    call(client, "POST", f"/members/{member_id}/award-declarations/{declared['declaration_id']}/approve",
         world.headers("tianhe"))  # fmt: skip
    call(client, "POST", f"/members/{member_id}/party-recommendations/{proposed['recommendation_id']}/approve",
         world.headers("tianhe"))  # fmt: skip
    assert work_list(client, world, "tianhe")["counts"]["total"] == 0


def test_msg_4_a_transfer_step_waits_at_the_organisation_asked_in_hours_and_moves_on(client: Any, world: World) -> None:
    # Given 华景 starts a member's transfer to 莲花 (XFER-2)
    member_id = world.members["huajing"][1]
    transfer = start(client, world, "huajing", member_id, to_branch_id=world.orgs["lianhua"])
    asked = transfer["step_org_id"]
    asked_name = next(name for name, org_id in world.orgs.items() if org_id == asked)
    # Then the organisation asked has it, due in 72 hours at most
    page = work_list(client, world, asked_name)
    (item,) = [i for i in page["items"] if i["kind"] == "TRANSFER"]
    assert (item["transfer_id"], item["member_id"], item["unit"], item["stage"]) == (
        transfer["transfer_id"],
        member_id,
        "HOURS",
        "OPEN",
    )
    assert 70 <= item["due_in"] < 72
    # When it approves, the step moves to the next organisation of the chain
    status, moved = call(client, "POST", f"/members/{member_id}/transfers/{transfer['transfer_id']}/approve",
                         world.headers(asked_name), {"step": transfer["step_index"]})  # fmt: skip
    assert status == 200, moved
    assert work_list(client, world, asked_name)["counts"]["transfer"] == 0
    assert moved["state"] == "OPEN" and moved["step_org_id"] != asked
    following = next(name for name, org_id in world.orgs.items() if org_id == moved["step_org_id"])
    assert [i["id"] for i in work_list(client, world, following)["items"]] == [transfer["transfer_id"]]


# --- Order, paging, kinds ---------------------------------------------------------------------------------


def test_msg_4_most_urgent_first_paged_and_filtered_by_kind(client: Any, world: World) -> None:
    # Given at 华景, opened in this order: an edit request (no deadline), two registrations (5
    # working days), and a transfer of one of its members (its first step asks 华景: 72 hours)
    member_id = world.members["huajing"][0]
    status, edited = call(client, "PATCH", f"/members/{member_id}", member_headers(world, member_id),
                          {"political_status": "中共预备党员"})  # fmt: skip
    assert status == 200 and edited["edit_request"], edited
    first = pending_registration(client, world, 403, name="王一")
    second = pending_registration(client, world, 404, name="王二")
    transfer = start(client, world, "huajing", world.members["huajing"][1], to_branch_id=world.orgs["lianhua"])
    assert transfer["step_org_id"] == world.orgs["huajing"]
    # When 华景 reads its list two at a time
    one = work_list(client, world, "huajing", limit=2)
    two = work_list(client, world, "huajing", limit=2, cursor=one["next_cursor"])
    rest = work_list(client, world, "huajing", limit=2, cursor=two["next_cursor"]) if two["next_cursor"] else None
    # Then the earliest deadline comes first, whatever the order opened; no deadline comes last
    assert kinds(one) + kinds(two) == [
        ("TRANSFER", transfer["transfer_id"]),
        ("REGISTRATION", first["registration_id"]),
        ("REGISTRATION", second["registration_id"]),
        ("EDIT", edited["edit_request"]["request_id"]),
    ]
    assert rest is None or rest["items"] == []
    assert (one["items"][0]["unit"], one["items"][1]["unit"]) == ("HOURS", "WORKDAYS")
    assert one["counts"] == two["counts"]
    assert (one["counts"]["total"], one["counts"]["registration"], one["counts"]["transfer"]) == (4, 2, 1)
    # And one kind alone, in the same order, on one page
    only = work_list(client, world, "huajing", kind="REGISTRATION")
    assert kinds(only) == [("REGISTRATION", first["registration_id"]), ("REGISTRATION", second["registration_id"])]
    assert only["next_cursor"] is None


def test_msg_4_a_cursor_of_another_query_or_a_bad_kind_is_refused(client: Any, world: World) -> None:
    # Given a first page of 华景's list
    pending_registration(client, world, 405)
    pending_registration(client, world, 406)
    one = work_list(client, world, "huajing", limit=1)
    assert one["next_cursor"]
    # When the cursor is used for one kind only, or an unknown kind is asked
    path = f"/orgs/{world.orgs['huajing']}/work-list"
    status, answer = call(client, "GET", f"{path}?kind=EDIT&cursor={one['next_cursor']}", world.headers("huajing"))
    # Then both are refused at their field
    assert (status, answer["field"]) == (400, "cursor")
    status, answer = call(client, "GET", f"{path}?kind=NOPE", world.headers("huajing"))
    assert (status, answer["field"]) == (400, "kind")


# --- Who reads it -----------------------------------------------------------------------------------------


def test_msg_4_the_organisation_and_those_above_read_it_and_nobody_beside(client: Any, world: World) -> None:
    # Given a registration pending at 华景 and one at 莲花 (深圳)
    here = pending_registration(client, world, 407)
    drain_stream()
    # When the branch, the committees above it and organisations beside it ask for 华景's list
    path = f"/orgs/{world.orgs['huajing']}/work-list"
    answers = {who: call(client, "GET", path, world.headers(who)) for who in ("huajing", "tianhe", "root", "sz",
                                                                             "lianhua", "yuexiu")}  # fmt: skip
    # Then the branch and those above see exactly 华景's task; the others are refused
    for who in ("huajing", "tianhe", "root"):
        status, page = answers[who]
        assert status == 200 and kinds(page) == [("REGISTRATION", here["registration_id"])], who
    for who in ("sz", "lianhua", "yuexiu"):
        status, answer = answers[who]
        assert status == 403, (who, answer)
    # And a member (no acting organisation) is refused too
    member_id = world.members["huajing"][0]
    status, _ = call(client, "GET", path, member_headers(world, member_id))
    assert status == 403


# --- Never a scan; the stream's records applied once ----------------------------------------------


def test_msg_4_reading_the_work_list_is_a_query_never_a_scan(client: Any, world: World, aws_calls: list[str]) -> None:
    # Given tasks at 华景, the stream delivered
    pending_registration(client, world, 408)
    pending_registration(client, world, 409)
    drain_stream()
    headers = world.headers("huajing")
    call(client, "GET", f"/orgs/{world.orgs['huajing']}/work-list", headers)  # the calendar read once a minute
    aws_calls.clear()
    # When 华景's list is read, whole and by kind
    status, _ = call(client, "GET", f"/orgs/{world.orgs['huajing']}/work-list", headers)
    status_kind, _ = call(client, "GET", f"/orgs/{world.orgs['huajing']}/work-list?kind=EDIT", headers)
    # Then no Scan was made: each read is the session, the operator's grants, the organisation,
    # one Query of the page and one GetItem of the counts
    assert (status, status_kind) == (200, 200)
    assert "Scan" not in aws_calls
    assert aws_calls.count("Query") == 2, aws_calls
    assert len(aws_calls) <= 2 * 5, aws_calls


def test_msg_4_a_redelivered_stream_record_moves_nothing_twice(client: Any, world: World) -> None:
    # Given a registration's INSERT record, applied once
    reg = pending_registration(client, world, 410)
    drain_stream()
    shard = stream_shard()
    records = [r.to_json() for r in shard.items]
    mine = [
        r
        for r in records
        if (r["dynamodb"].get("NewImage") or {}).get("registration_id", {}).get("S") == reg["registration_id"]
    ]
    assert mine
    # When every record of it is delivered again (a retried batch)
    outcomes = worklist_stream.handle_records(mine)
    # Then each is recognised as applied, and the count is still one
    assert set(outcomes) <= {"DUPLICATE", "NOTHING"} and outcomes["DUPLICATE"] >= 1
    count = WorkCount.get(keys.work_count_pk(world.orgs["huajing"]), keys.WORK_COUNT_SK)
    assert count.registration == 1
    assert len([i for i in WorkItem.query(keys.work_pk(world.orgs["huajing"])) if isinstance(i, WorkItem)]) == 1


def test_msg_4_a_task_opened_before_the_work_list_existed_is_not_counted_below_zero(client: Any, world: World) -> None:
    # Given a pending registration whose work item and count were lost (opened before the work
    # list was deployed)
    reg = pending_registration(client, world, 411)
    drain_stream()
    for item in WorkItem.query(keys.work_pk(world.orgs["huajing"])):
        item.delete()
    WorkCount(keys.work_count_pk(world.orgs["huajing"]), keys.WORK_COUNT_SK).delete()
    # When it is approved and the stream delivered
    call(client, "POST", f"/registrations/{reg['registration_id']}/approve", world.headers("huajing"))
    page = work_list(client, world, "huajing")
    # Then nothing is removed twice: the count stays at zero, never negative
    assert page["counts"]["registration"] == 0 and page["items"] == []
    stored = WorkCount.count(keys.work_count_pk(world.orgs["huajing"]), filter_condition=WorkCount.registration < 0)
    assert stored == 0


def test_msg_4_a_batch_is_written_together_and_a_record_touching_its_items_again_after_it(
    client: Any, world: World, aws_calls: list[str]
) -> None:
    # Given three registrations pending at 华景 and the first of them approved, none of their
    # stream records delivered to the work list yet
    from zhtj.stats.stream import StreamRecord

    drain_stream()
    shard = stream_shard()
    start_at = len(shard.items)
    before = WorkCount.get(keys.work_count_pk(world.orgs["huajing"]), keys.WORK_COUNT_SK).registration or 0
    regs = [pending_registration(client, world, 420 + n) for n in range(3)]
    status, answer = call(
        client, "POST", f"/registrations/{regs[0]['registration_id']}/approve", world.headers("huajing")
    )
    assert status == 200, answer
    records = [StreamRecord.of(r.to_json()) for r in shard.items[start_at:]]
    records = [r for r in records if r.kind in ("Registration", "Timer")]
    # When they come to the work list in one batch
    aws_calls.clear()
    outcomes = worklist_stream.apply_many(records)
    # Then the three tasks were put in one transaction, and the approval, which takes the first
    # one's item away again, in a second after it
    assert aws_calls.count("TransactWriteItems") == 2, aws_calls
    assert "APPLIED" in outcomes and not any(isinstance(o, Exception) for o in outcomes)
    # And the work list holds the two still pending, counted once each
    count = WorkCount.get(keys.work_count_pk(world.orgs["huajing"]), keys.WORK_COUNT_SK)
    assert count.registration == before + 2
    items = [i for i in WorkItem.query(keys.work_pk(world.orgs["huajing"])) if isinstance(i, WorkItem)]
    assert {i.task_id for i in items} >= {regs[1]["registration_id"], regs[2]["registration_id"]}
    assert regs[0]["registration_id"] not in {i.task_id for i in items}
    # And the same batch delivered again writes nothing twice
    again = worklist_stream.apply_many(records)
    assert set(again) <= {"DUPLICATE", "NOTHING"}
    assert WorkCount.get(keys.work_count_pk(world.orgs["huajing"]), keys.WORK_COUNT_SK).registration == before + 2
