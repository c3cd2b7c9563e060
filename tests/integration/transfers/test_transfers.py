"""Transfers of membership (XFER-1..6, ORG-7, REG-7): through the HTTP API, the transfers queue
and the real timer_sweep state machine in moto. The counters of both subtrees are checked after
every path."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from tests.support import World, call, drain, enrol, han_number, org_body, pay_dues
from tests.support.deadlines import at
from tests.support.http import member_headers
from tests.support.registration import complete_id
from tests.support.transfers import act, approve, count, figures, start, transfer_code
from zhtj.core import clock
from zhtj.core.errors import ConflictError, ForbiddenError
from zhtj.dues import owed as dues
from zhtj.members.models import Member
from zhtj.orgs import service as orgs
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgType, Sector
from zhtj.table import keys
from zhtj.timers.models import Timer
from zhtj.transfers import answers, escalation, incoming, reads, steps
from zhtj.transfers import batches as transfer_batches
from zhtj.transfers import chain as transfer_chain
from zhtj.transfers.messages import StartChunk
from zhtj.transfers.models import IncomingTransfer, Transfer, TransferProposal
from zhtj.transfers.rules import PAPER_WORDS, ChainStep, IncomingState, ReturnCode, Side, academic_year


def member(member_id: str) -> Member:
    return Member.get(keys.member_pk(member_id), keys.META, consistent_read=True)


def owe_dues(member_id: str) -> None:
    """Give a member an admission month, so that months of dues fall due (DUES-1)."""
    member(member_id).update(actions=[Member.join_month.set("2020-01")])


@pytest.fixture
def paid(world: World) -> World:
    for branch in ("huajing", "lianhua"):
        for member_id in world.members[branch]:
            pay_dues(member_id)
    return world


# --- The four steps ------------------------------------------------------------------------------


def test_xfer_2_four_step_transfer_across_two_cities_moves_the_member_and_both_subtrees(
    client: Any, paid: World
) -> None:
    # Given
    world = paid
    moving = world.members["huajing"][0]
    # When
    t = start(client, world, "member", moving, to_branch_id=world.orgs["lianhua"])
    # Then
    ids = world.orgs
    assert t["chain"] == [ids["huajing"], ids["tianhe"], ids["lianhua"], ids["futian"]]
    assert figures(world, "gz").out_by_state["open"] == 1 and figures(world, "sz").in_by_state["open"] == 1
    for who in ("huajing", "tianhe", "lianhua"):
        status, _ = act(client, world, "sz" if who == "huajing" else "yuexiu", t, "approve", step=t["step_index"])
        assert status == 403  # only the organisation asked answers its step
        t = approve(client, world, who, t)
        assert t["state"] == "OPEN"
    assert member(moving).branch_id == ids["huajing"]  # nothing moves before the last step
    t = approve(client, world, "futian", t)
    assert t["state"] == "COMPLETED" and [h["outcome"] for h in t["history"]] == ["APPROVED"] * 4
    moved = member(moving)
    assert moved.branch_id == ids["lianhua"] and moved.gsi1pk == keys.branch_members_pk(ids["lianhua"])
    assert moved.open_transfer_id is None
    assert (count(world, "huajing"), count(world, "lianhua")) == (2, 2)
    for org, side in (("huajing", "out"), ("tianhe", "out"), ("gz", "out"), ("lianhua", "in"), ("sz", "in")):
        by_state = getattr(figures(world, org), f"{side}_by_state")
        assert by_state == {"open": 0, "returned": 0, "completed": 1, "withdrawn": 0}, org
    root = figures(world, "root")
    assert root.out_by_state["completed"] == root.in_by_state["completed"] == 1
    assert root.responses == 4 and root.within_deadline_rate == 1.0 and root.median_hours == 1
    assert figures(world, "yuexiu").responses == 0
    # The card's content changed (CARD-1 renders it): its state was bumped in the same transaction.
    from zhtj.cards.models import CardState

    assert any(isinstance(i, CardState) for i in CardState.query(keys.member_pk(moving)))
    # The member's history is one query of their partition, and shows the transfer.
    status, page = call(client, "GET", f"/members/{moving}/transfers", member_headers(world, moving))
    assert status == 200 and [x["transfer_id"] for x in page["items"]] == [t["transfer_id"]]


def test_xfer_2_pre_check_refuses_unpaid_dues_a_second_transfer_and_an_exit_in_progress(
    client: Any, world: World
) -> None:
    # Given
    moving = world.members["huajing"][0]
    owe_dues(moving)
    # When
    status, answer = call(
        client,
        "POST",
        f"/members/{moving}/transfers",
        member_headers(world, moving),
        {"cause": "EMPLOYMENT", "to_branch_id": world.orgs["lianhua"]},
    )
    # Dues before a transfer is REFERENCE's rule, not XFER-2's (who starts): its own code, and
    # the message names the months owed (admitted 2020-01, so from online collection's start).
    # Then
    owed = dues.months_owed(moving, clock.today_in_china())
    assert (status, answer["code"], answer["field"]) == (409, "DUES_NOT_PAID_UP", "member_id")
    first, last = (f"{m[:4]}年{int(m[5:])}月" for m in (owed[0], owed[-1]))
    assert answer["message"] == f"转接前须交清团费：尚欠{len(owed)}个月（{first}至{last}）"
    pay_dues(moving)
    start(client, world, "member", moving, to_branch_id=world.orgs["lianhua"])
    status, answer = call(
        client,
        "POST",
        f"/members/{moving}/transfers",
        member_headers(world, moving),
        {"cause": "EMPLOYMENT", "to_branch_id": world.orgs["lianhua"]},
    )
    assert (status, answer["code"]) == (409, "TRANSFER_ALREADY_OPEN")
    other = world.members["huajing"][1]
    pay_dues(other)
    status, _ = call(
        client,
        "POST",
        f"/members/{other}/exit",
        world.headers("huajing"),
        {"kind": "VOLUNTARY", "resolution_date": "2026-11-01", "resolution": "支部大会决议同意"},
    )
    assert status == 201
    status, answer = call(
        client,
        "POST",
        f"/members/{other}/transfers",
        world.headers("huajing"),
        {"cause": "OTHER", "cause_text": "x", "to_branch_id": world.orgs["lianhua"]},
    )
    assert status == 409 and answer["code"] == "MEMBER_NOT_NORMAL"


def test_xfer_2_other_cause_needs_text_and_the_target_must_be_an_active_branch(client: Any, paid: World) -> None:
    # Given
    world = paid
    moving = world.members["huajing"][0]
    path, headers = f"/members/{moving}/transfers", member_headers(world, moving)
    cases = [
        ({"cause": "OTHER", "to_branch_id": world.orgs["lianhua"]}, "CAUSE_TEXT_REQUIRED"),
        ({"cause": "EMPLOYMENT", "to_branch_id": world.orgs["futian"]}, "TARGET_NOT_BRANCH"),
        ({"cause": "EMPLOYMENT", "to_branch_id": world.orgs["huajing"]}, "TARGET_IS_SOURCE"),
        ({"cause": "EMPLOYMENT"}, "TARGET_REQUIRED"),
    ]
    # When
    for body, code in cases:
        status, answer = call(client, "POST", path, headers, body)
        # Then
        assert (status, answer["code"]) == (400, code), body
        assert answer["message"] and answer["field"]


# --- Who starts, who proposes (XFER-2) -----------------------------------------------------------

ZERO = {"open": 0, "returned": 0, "completed": 0, "withdrawn": 0}


def audit_actions(member_id: str) -> list[str]:
    """The transfer actions of a member's audit trail, sorted (two records of one transaction
    share a moment)."""
    from zhtj.table.audit_record import AuditRecord

    return sorted(
        a.action
        for a in AuditRecord.query(keys.audit_pk("MEMBER", member_id))
        if isinstance(a, AuditRecord) and a.action.startswith("transfer.")
    )


def nothing_counted(world: World) -> bool:
    return all(
        (figures(world, org).out_by_state, figures(world, org).in_by_state) == (ZERO, ZERO)
        for org in ("root", "gz", "sz", "tianhe", "huajing", "futian", "lianhua")
    )


def test_xfer_2_an_organisation_outside_the_members_subtree_cannot_open_their_transfer(
    client: Any, paid: World
) -> None:
    """Given a 深圳 member, and 广州's organisations down to the branch that would receive them,
    When any of those opens a transfer of the member into its own branch,
    Then it is refused (it may only propose), nothing is opened, blocked or counted, and the
    member's own organisations (the branch and those above it) and the member still start it."""
    # Given
    world = paid
    moving = world.members["lianhua"][0]
    body = {"cause": "EMPLOYMENT", "to_branch_id": world.orgs["huajing"]}
    # When
    for who in ("gz", "tianhe", "huajing", "yuexiu"):
        status, answer = call(client, "POST", f"/members/{moving}/transfers", world.headers(who), body)
        # Then
        assert (status, answer["code"]) == (403, "TRANSFER_PROPOSE_ONLY"), who
        assert "建议" in answer["message"]
    assert member(moving).open_transfer_id is None and reads.history(world.principal("sz"), moving) == []
    assert nothing_counted(world)
    for who in ("futian", "sz"):
        t = start(client, world, who, moving, **body)  # the member's own subtree: allowed
        status, t = act(client, world, who, t, "withdraw", reason="代为撤回")
        assert status == 200 and t["state"] == "WITHDRAWN"
    t = start(client, world, "member", moving, **body)  # the member themself: never blocked
    assert t["state"] == "OPEN" and t["proposal_id"] is None


def test_xfer_2_a_proposal_from_the_receiving_side_starts_only_on_the_members_own_confirmation(
    client: Any, paid: World
) -> None:
    """Given 广州团市委 proposing that a 深圳 member transfer into 华景,
    When nobody but the member confirms, and then the member confirms from their own session,
    Then until then no transfer is open, counted or waiting on anyone, and the confirmation
    starts the transfer as the member's own (their chain, their withdrawal), every step audited."""
    # Given
    world = paid
    moving = world.members["lianhua"][0]
    base, mine = f"/members/{moving}/transfer-proposals", "/me/transfer-proposals"
    body = {"cause": "EMPLOYMENT", "to_branch_id": world.orgs["huajing"], "note": "已在华景社区就业，请确认"}
    # When
    status, proposal = call(client, "POST", base, world.headers("gz"), body)
    # Then
    assert status == 201, proposal
    assert (proposal["state"], proposal["org_id"], proposal["org_name"]) == (
        "PROPOSED",
        world.orgs["gz"],
        "中国共产主义青年团广州市委员会",
    )
    valid = datetime.fromisoformat(proposal["valid_until"]) - datetime.fromisoformat(proposal["proposed_at"])
    assert valid == timedelta(days=7)
    status, answer = call(client, "POST", base, world.headers("gz"), body)
    assert (status, answer["code"]) == (409, "PROPOSAL_PENDING")  # one live proposal per organisation
    status, answer = call(client, "POST", base, world.headers("sz"), body)
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")  # a proposal names a branch of the proposer's
    # Nothing is open, blocked, counted or waiting.
    assert member(moving).open_transfer_id is None and nothing_counted(world)
    for org in ("lianhua", "huajing"):
        status, page = call(client, "GET", f"/orgs/{world.orgs[org]}/transfer-inbox", world.headers(org))
        assert (status, page["items"]) == (200, [])
    # What the member sees.
    status, page = call(client, "GET", mine, member_headers(world, moving))
    assert status == 200 and [(p["proposal_id"], p["state_name"]) for p in page["items"]] == [
        (proposal["proposal_id"], "待团员确认")
    ]
    # Only the member confirms: not the proposer, not the member's own branch, not another member.
    confirm = f"{mine}/{proposal['proposal_id']}/confirm"
    for who in ("gz", "lianhua"):
        status, answer = call(client, "POST", confirm, world.headers(who))
        assert (status, answer["code"]) == (403, "NOT_SELF")
    status, answer = call(client, "POST", confirm, member_headers(world, world.members["huajing"][0]))
    assert (status, answer["code"]) == (404, "PROPOSAL_NOT_FOUND")  # another member: not theirs to answer
    status, t = call(client, "POST", confirm, member_headers(world, moving))
    assert status == 201, t
    ids = world.orgs
    assert t["state"] == "OPEN" and t["chain"] == [ids["lianhua"], ids["futian"], ids["huajing"], ids["tianhe"]]
    assert (t["proposal_id"], t["proposed_by_org_id"]) == (proposal["proposal_id"], ids["gz"])
    assert member(moving).open_transfer_id == t["transfer_id"]
    assert figures(world, "sz").out_by_state["open"] == 1 and figures(world, "gz").in_by_state["open"] == 1
    status, answer = call(client, "POST", confirm, member_headers(world, moving))
    assert (status, answer["code"]) == (409, "PROPOSAL_DECIDED")
    # The proposer sees the outcome; the transfer is the member's, not the proposer's, to withdraw.
    status, page = call(client, "GET", f"/orgs/{ids['gz']}/transfer-proposals", world.headers("gz"))
    assert status == 200 and [(p["state"], p["transfer_id"]) for p in page["items"]] == [
        ("CONFIRMED", t["transfer_id"])
    ]
    status, answer = act(client, world, "gz", t, "withdraw", reason="x")
    assert status == 403
    assert audit_actions(moving) == ["transfer.proposal_confirm", "transfer.propose", "transfer.start"]
    record = reads.get(moving, t["transfer_id"])
    assert record.started_org_id is None and record.started_by == world.member_accounts[moving]


def test_xfer_2_a_declined_or_lapsed_proposal_starts_nothing_and_never_blocks_the_member(
    client: Any, paid: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given proposals by 天河 for a 深圳 member,
    When the member declines one, lets the next lapse, and meanwhile starts a transfer of their own,
    Then the proposer sees each outcome, a lapsed proposal can no longer be confirmed, the
    member's own transfer was never blocked, and only it is counted."""
    # Given
    world = paid
    moving = world.members["lianhua"][0]
    base, mine = f"/members/{moving}/transfer-proposals", "/me/transfer-proposals"
    body = {"cause": "OTHER", "cause_text": "随家人迁居", "to_branch_id": world.orgs["huajing"]}
    # When
    status, first = call(client, "POST", base, world.headers("tianhe"), body)
    # Then
    assert status == 201
    status, declined = call(
        client, "POST", f"{mine}/{first['proposal_id']}/decline", member_headers(world, moving), {"reason": "暂不迁居"}
    )
    assert (status, declined["state"], declined["decline_reason"]) == (200, "DECLINED", "暂不迁居")
    status, answer = call(client, "POST", f"{mine}/{first['proposal_id']}/confirm", member_headers(world, moving))
    assert (status, answer["code"]) == (409, "PROPOSAL_DECIDED")
    status, second = call(client, "POST", base, world.headers("tianhe"), body)  # decided: may propose again
    assert status == 201 and second["proposal_id"] != first["proposal_id"]
    # While it waits, the member starts a transfer of their own elsewhere: nothing blocks it.
    own = start(client, world, "member", moving, cause="EMPLOYMENT", to_branch_id=world.orgs["cs2024"])
    status, answer = call(client, "POST", f"{mine}/{second['proposal_id']}/confirm", member_headers(world, moving))
    assert (status, answer["code"]) == (409, "TRANSFER_ALREADY_OPEN")  # the pre-check runs at confirmation
    # Seven days on, the proposal has lapsed; it leaves the table by TTL 30 days after that.
    stored = next(iter(TransferProposal.query(keys.member_pk(moving))))
    kept = stored.expires_at - datetime.fromisoformat(second["valid_until"])  # TTL: whole seconds
    assert timedelta(days=30, seconds=-1) < kept <= timedelta(days=30)
    at(monkeypatch, datetime.fromisoformat(second["valid_until"]) + timedelta(minutes=1))
    status, page = call(client, "GET", mine, member_headers(world, moving))
    assert [p["state"] for p in page["items"]] == ["EXPIRED"]
    status, answer = call(client, "POST", f"{mine}/{second['proposal_id']}/confirm", member_headers(world, moving))
    assert (status, answer["code"]) == (409, "PROPOSAL_EXPIRED")
    status, page = call(client, "GET", f"/orgs/{world.orgs['tianhe']}/transfer-proposals", world.headers("tianhe"))
    assert [p["state"] for p in page["items"]] == ["EXPIRED"]  # the second replaced the declined first
    assert figures(world, "gz").in_by_state == ZERO and figures(world, "sz").out_by_state["open"] == 1
    assert reads.get(moving, own["transfer_id"]).proposal_id is None
    assert audit_actions(moving) == [
        "transfer.proposal_decline",
        "transfer.propose",
        "transfer.propose",
        "transfer.start",
    ]


def test_xfer_6_a_batch_starts_only_members_of_the_leaving_sides_subtree(client: Any, paid: World) -> None:
    """Given 中大团委 listing two of its class branch's members and a 深圳 member in a batch of
    that class branch, and 深圳团市委 listing a 广州 member in a batch of its own,
    When the batches run,
    Then the class's members start (the worker acts as 中大团委, the operator who made the
    batch) and every member outside the batch's subtree is refused, nothing opened for them."""
    # Given
    world = paid
    world.members["cs2024"] = []
    for i in range(2):
        member_id = enrol(world, "cs2024", f"毕业生{han_number(i)}")
        pay_dues(member_id)
        world.members["cs2024"].append(member_id)
    outsider, stranger = world.members["lianhua"][0], world.members["huajing"][0]
    rows = [
        {"member_id": m, "to_branch_id": world.orgs["huajing"], "cause": "EMPLOYMENT"}
        for m in (*world.members["cs2024"], outsider)
    ]
    path = f"/orgs/{world.orgs['cs2024']}/transfer-batches"
    # When
    status, answer = call(client, "POST", path, world.headers("gz"), {"rows": rows})
    # Then
    assert (status, answer["code"]) == (403, "OUT_OF_SCOPE")
    status, batch = call(client, "POST", path, world.headers("sysu"), {"rows": rows})
    assert status == 202
    status, mine = call(
        client,
        "POST",
        f"/orgs/{world.orgs['sz']}/transfer-batches",
        world.headers("sz"),
        {"rows": [{"member_id": stranger, "to_branch_id": world.orgs["lianhua"], "cause": "EMPLOYMENT"}]},
    )
    assert status == 202
    drain(client, "transfers")
    status, result = call(client, "GET", f"/transfer-batches/{batch['batch_id']}", world.headers("sysu"))
    outcomes = {r["member_id"]: (r["outcome"], r["error_code"]) for r in result["results"]}
    assert outcomes == {
        **dict.fromkeys(world.members["cs2024"], ("STARTED", None)),
        outsider: ("REFUSED", "MEMBER_NOT_IN_ORG"),
    }
    status, result = call(client, "GET", f"/transfer-batches/{mine['batch_id']}", world.headers("sz"))
    assert [(r["outcome"], r["error_code"]) for r in result["results"]] == [("REFUSED", "MEMBER_NOT_IN_ORG")]
    assert member(outsider).open_transfer_id is None and member(stranger).open_transfer_id is None


# --- Return, withdraw, appeal --------------------------------------------------------------------


def test_xfer_1_no_return_code_offers_paper_and_a_paper_reason_is_refused(client: Any, paid: World) -> None:
    # Given
    world = paid
    assert not any(
        word in name for code in ReturnCode for name in (code.value,) for word in ("LETTER", "PAPER", "FILE")
    )
    t = start(client, world, "member", world.members["huajing"][0], to_branch_id=world.orgs["lianhua"])
    # When
    for word in PAPER_WORDS:
        status, answer = act(client, world, "huajing", t, "return", step=0, code="OTHER", reason=f"请补交{word}")
        # Then
        assert (status, answer["code"]) == (422, "XFER-1")
    status, answer = act(client, world, "huajing", t, "return", step=0, code="PAPER_LETTER", reason="x")
    assert status == 400 and answer["field"] == "code"
    assert reads.get(t["member_id"], t["transfer_id"]).state == "OPEN"


def test_xfer_2_return_then_appeal_granted_by_the_organisation_above_continues_the_chain(
    client: Any, paid: World
) -> None:
    # Given
    world = paid
    moving = world.members["huajing"][0]
    t = start(client, world, "member", moving, to_branch_id=world.orgs["lianhua"])
    t = approve(client, world, "huajing", t)
    # When
    status, t = act(client, world, "tianhe", t, "return", step=1, code="INFORMATION_WRONG", reason="工作单位填写有误")
    # Then
    assert status == 200 and t["state"] == "RETURNED" and t["returned_by"] == world.orgs["tianhe"]
    assert member(moving).open_transfer_id is None
    assert figures(world, "gz").out_by_state["returned"] == 1 and figures(world, "sz").in_by_state["returned"] == 1
    headers = member_headers(world, moving)
    base = f"/members/{moving}/transfers/{t['transfer_id']}"
    status, upload = call(client, "POST", f"{base}/appeal-upload", headers, {"content_type": "application/pdf"})
    assert status == 200
    status, answer = call(client, "POST", f"{base}/appeal", headers, {"reason": "x", "attachment_key": upload["key"]})
    assert (status, answer["code"]) == (400, "ATTACHMENT_NOT_FOUND")  # not uploaded yet
    import requests

    assert requests.put(upload["url"], data=b"%PDF-1.4 proof", headers={"Content-Type": "application/pdf"}).ok
    status, t = call(
        client,
        "POST",
        f"{base}/appeal",
        headers,
        {"reason": "单位信息无误，附劳动合同", "attachment_key": upload["key"]},
    )
    assert status == 200 and t["state"] == "APPEALED" and t["step_org_id"] == world.orgs["gz"]
    status, answer = act(client, world, "tianhe", t, "appeal-decision", grant=True, reason="x")
    assert status == 403  # the returning organisation does not judge its own return
    status, t = act(client, world, "gz", t, "appeal-decision", grant=True, reason="申诉成立")
    assert status == 200 and t["state"] == "OPEN" and t["step_index"] == 2 and t["step_org_id"] == world.orgs["lianhua"]
    assert figures(world, "gz").out_by_state == {"open": 1, "returned": 0, "completed": 0, "withdrawn": 0}
    status, answer = call(client, "POST", f"{base}/appeal", headers, {"reason": "again"})
    assert (status, answer["code"]) == (409, "TRANSFER_NOT_RETURNED")
    t = approve(client, world, "lianhua", t)
    t = approve(client, world, "futian", t)
    assert t["state"] == "COMPLETED" and member(moving).branch_id == world.orgs["lianhua"]


def test_xfer_2_appeal_upheld_is_final_and_withdrawal_frees_the_member(client: Any, paid: World) -> None:
    # Given
    world = paid
    moving = world.members["huajing"][0]
    t = start(client, world, "member", moving, to_branch_id=world.orgs["lianhua"])
    status, t = act(client, world, "huajing", t, "return", step=0, code="NOT_STUDYING_OR_WORKING_HERE", reason="x")
    base = f"/members/{moving}/transfers/{t['transfer_id']}"
    # When
    status, t = call(client, "POST", f"{base}/appeal", member_headers(world, moving), {"reason": "我仍在华景社区居住"})
    # Then
    assert status == 200 and t["step_org_id"] == world.orgs["tianhe"]
    status, t = act(client, world, "tianhe", t, "appeal-decision", grant=False, reason="经核实退回正确")
    assert status == 200 and t["state"] == "RETURNED" and t["appealed"] is True
    status, answer = call(client, "POST", f"{base}/appeal", member_headers(world, moving), {"reason": "again"})
    assert (status, answer["code"]) == (409, "TRANSFER_ALREADY_APPEALED")
    # A new transfer, withdrawn by the member with a reason.
    t2 = start(client, world, "member", moving, to_branch_id=world.orgs["lianhua"])
    status, answer = call(
        client,
        "POST",
        f"/members/{moving}/transfers/{t2['transfer_id']}/withdraw",
        world.headers("lianhua"),
        {"reason": "x"},
    )
    assert status == 403  # not the applicant
    status, t2 = call(
        client,
        "POST",
        f"/members/{moving}/transfers/{t2['transfer_id']}/withdraw",
        member_headers(world, moving),
        {"reason": "暂不转接"},
    )
    assert status == 200 and t2["state"] == "WITHDRAWN" and member(moving).open_transfer_id is None
    assert figures(world, "gz").out_by_state == {"open": 0, "returned": 1, "completed": 0, "withdrawn": 1}
    assert figures(world, "sz").in_by_state == {"open": 0, "returned": 1, "completed": 0, "withdrawn": 1}
    assert count(world, "huajing") == 3 and count(world, "lianhua") == 1


# --- Timeouts (the real state machine) -----------------------------------------------------------


def test_xfer_2_an_escalation_fires_once_however_often_its_timer_is_handed_out(
    client: Any, paid: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    world = paid
    t = start(client, world, "member", world.members["huajing"][0], to_branch_id=world.orgs["lianhua"])
    at(monkeypatch, datetime.fromisoformat(t["step_due_at"]) + timedelta(minutes=1))
    timer = Timer.get(keys.timer_pk(steps.TIMER_KIND, f"{t['member_id']}/{t['transfer_id']}"), keys.META)
    # When
    escalation.escalate(timer)
    escalation.escalate(timer)  # the stale copy: its due time no longer matches
    # Then
    record = reads.get(t["member_id"], t["transfer_id"])
    assert record.escalated_to == world.orgs["tianhe"] and sum(h.outcome == "ESCALATED" for h in record.history) == 1
    assert figures(world, "huajing").late_steps == 1


def test_xfer_2_two_approvers_on_one_step_at_once_exactly_one_wins(
    client: Any, paid: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    world = paid
    t = start(client, world, "member", world.members["huajing"][0], to_branch_id=world.orgs["lianhua"])
    at(monkeypatch, datetime.fromisoformat(t["step_due_at"]) + timedelta(minutes=1))
    escalation.escalate(Timer.get(keys.timer_pk(steps.TIMER_KIND, f"{t['member_id']}/{t['transfer_id']}"), keys.META))
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def approver(name: str) -> None:
        barrier.wait()
        try:
            answers.approve(world.principal(name), t["member_id"], t["transfer_id"], 0)
            outcomes.append("won")
        except (ConflictError, ForbiddenError) as error:
            # Read after the winner wrote: the step now waits elsewhere (403) or moved on (409).
            outcomes.append("lost" if error.code in ("TRANSFER_STEP_DECIDED", "OUT_OF_SCOPE") else error.code)

    # When
    threads = [threading.Thread(target=approver, args=(n,)) for n in ("huajing", "tianhe")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then
    assert sorted(outcomes) == ["lost", "won"]
    record = reads.get(t["member_id"], t["transfer_id"])
    assert record.step_index == 1 and sum(h.outcome == "APPROVED" for h in record.history) == 1
    assert figures(world, "root").responses == 1


# --- Out of and into the province ----------------------------------------------------------------


def test_xfer_4_out_of_the_province_needs_the_letter_and_moves_the_member_to_the_org_7_organisation(
    client: Any, paid: World
) -> None:
    # Given
    world = paid
    moving = world.members["huajing"][0]
    # When
    t = start(
        client, world, "huajing", moving, destination="OTHER_PROVINCE", destination_name="湖南省长沙市岳麓区某团支部"
    )
    # Then
    assert t["chain"] == [world.orgs["huajing"], world.orgs["tianhe"]] and t["out_of_province"] is True
    t = approve(client, world, "huajing", t)
    status, answer = act(client, world, "tianhe", t, "approve", step=1)
    assert (status, answer["code"], answer["field"]) == (400, "LETTER_NUMBER_REQUIRED", "letter_number")
    t = approve(client, world, "tianhe", t, letter_number="粤团转〔2026〕0815号")
    assert t["state"] == "COMPLETED" and t["letter_number"] == "粤团转〔2026〕0815号"
    assert member(moving).branch_id == world.orgs["system"]
    assert count(world, "huajing") == 2 and count(world, "system") == 1
    # The record stays queryable: the province lists the ORG-7 organisation's members.
    status, page = call(client, "GET", f"/members/{moving}/transfers", world.headers("root"))
    assert status == 200 and page["items"][0]["destination"] == "OTHER_PROVINCE"
    assert figures(world, "gz").out_by_state["completed"] == 1 and figures(world, "root").in_by_state["completed"] == 0


def test_xfer_5_registered_within_five_working_days_is_marked_registered(client: Any, world: World) -> None:
    # Given
    from tests.support.sessions import applicant_principal
    from zhtj.registration import service as registration
    from zhtj.registration.rules import Submission

    number = complete_id("43010420040101123")
    accepted = incoming.accept(
        world.principal("huajing"),
        world.orgs["huajing"],
        "李外来",
        number,
        date(2019, 5, 1),
        "201943010001",
        "湘团转〔2026〕12号",
        "湖南省长沙市某团支部",
    )
    submission = Submission(
        name="李外来",
        id_number=number,
        ethnicity="01",
        political_status="03",
        join_month="2019-05",
        is_cadre=False,
        development_number="201943010001",
    )
    registration.submit(applicant_principal(), submission, world.orgs["huajing"], None, None)
    drain(client, "registration")
    timer = Timer.get(keys.timer_pk(incoming.TIMER_KIND, accepted.incoming_id), keys.META)
    timer.due_at = clock.now() - timedelta(seconds=1)
    # When
    incoming.close_window(timer)
    # Then
    assert IncomingTransfer.get(keys.incoming_pk(accepted.incoming_id), keys.META).state == IncomingState.REGISTERED


# --- XFER-3, XFER-6 -----------------------------------------------------------------------------


def test_xfer_3_target_search_finds_community_branches_by_name_and_region(client: Any, world: World) -> None:
    headers = member_headers(world, world.members["huajing"][0])
    status, page = call(client, "GET", "/transfer-targets?q=莲花", headers)
    assert status == 200 and [o["org_id"] for o in page["items"]] == [world.orgs["lianhua"]]
    status, page = call(client, "GET", "/transfer-targets?q=团支部&region=天河", headers)
    assert [o["org_id"] for o in page["items"]] == [world.orgs["huajing"]]
    assert page["items"][0]["sector"] == "COMMUNITY"


def test_xfer_6_further_study_goes_to_a_university_only_into_its_freshman_branch(client: Any, paid: World) -> None:
    # Given
    world = paid
    moving = world.members["huajing"][0]
    path, headers = f"/members/{moving}/transfers", member_headers(world, moving)
    # When
    status, answer = call(
        client, "POST", path, headers, {"cause": "FURTHER_STUDY", "to_branch_id": world.orgs["cs2024"]}
    )
    # Then
    year = academic_year(clock.today_in_china())
    assert (status, answer["code"]) == (422, "XFER-6") and f"{year}级" in answer["message"]
    freshmen = orgs.create_child(
        world.principal("sysu"),
        world.orgs["sysu"],
        org_body(
            OrgType.BRANCH,
            f"中山大学{year}级计算机1班团支部",
            f"中国共产主义青年团中山大学计算机学院{year}级1班支部委员会",
            "新生1班",
            sector=Sector.UNIVERSITY,
            class_branch=True,
            entry_year=year,
        ),
    )
    code = transfer_code(world, moving)  # XFER-2: the member confirms their own start by SMS
    body = {"cause": "FURTHER_STUDY", "to_branch_id": freshmen.org_id, "sms_code": code}
    status, answer = call(client, "POST", path, headers, body)
    assert status == 201, answer


def test_xfer_2_the_chain_is_data_set_by_the_province(client: Any, paid: World) -> None:
    # Given
    body = {"steps": [{"side": "FROM", "up": 0}, {"side": "TO", "up": 0}], "response_hours": 48}
    # When
    status, answer = call(client, "PUT", "/transfer-chain", paid.headers("gz"), body)
    # Then
    assert status == 403
    status, answer = call(
        client,
        "PUT",
        "/transfer-chain",
        paid.headers("root"),
        {**body, "steps": [{"side": "TO", "up": 0}, {"side": "FROM", "up": 0}]},
    )
    assert (status, answer["code"]) == (400, "CHAIN_ORDER")
    status, answer = call(client, "PUT", "/transfer-chain", paid.headers("root"), body)
    assert status == 200 and answer["labels"] == ["转出团支部", "转入团支部"]
    t = start(client, paid, "member", paid.members["huajing"][0], to_branch_id=paid.orgs["lianhua"])
    assert t["chain"] == [paid.orgs["huajing"], paid.orgs["lianhua"]]
    due = datetime.fromisoformat(t["step_due_at"]) - datetime.fromisoformat(t["requested_at"])
    assert timedelta(hours=47) < due <= timedelta(hours=48)


GRADUATES = 30  # the rule at a class's scale; bench/graduation_bench.py runs 300


def test_xfer_6_graduation_batch_with_unpaid_members_refused_individually(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A graduating class of 300 in 中大 cs2024, 15 of them with dues unpaid. The province's chain
    # (data) is the two branches, so the batch is approved in two actions.
    # Given
    # Given a graduating class of 30 in 中大 cs2024, every 20th with dues unpaid, and the
    # province's chain (data) of the two branches, so the batch is approved in two actions
    chain = [ChainStep(Side.FROM, 0), ChainStep(Side.TO, 0)]
    transfer_chain.set_chain(world.principal("root"), chain, 72)
    branch = world.orgs["cs2024"]
    receiving_before = count(world, "lianhua")
    members = []
    for i in range(GRADUATES):
        members.append(enrol(world, "cs2024", f"毕业生{han_number(i)}"))
    unpaid = set(members[::20])
    leaving = GRADUATES - len(unpaid)
    for member_id in unpaid:
        owe_dues(member_id)
    # When
    # When the school committee declares the branch graduating and the day comes
    status, answer = call(
        client,
        "POST",
        f"/orgs/{branch}/graduation",
        world.headers("sysu"),
        {"graduation_date": clock.today_in_china().isoformat()},
    )
    # Then
    assert status == 200 and answer["graduates_branch"] is False
    timer = Timer.get(keys.timer_pk(transfer_batches.GRADUATION_KIND, branch), keys.META)
    transfer_batches.graduate(timer)
    # Then the branch is a graduates' branch and every member counts as a graduate
    assert Org.get(keys.org_pk(branch), keys.META).graduates_branch is True
    assert figures(world, "sysu").graduates == GRADUATES

    # When the committee starts one batch for the whole class
    rows = [{"member_id": m, "to_branch_id": world.orgs["lianhua"], "cause": "EMPLOYMENT"} for m in members]
    status, batch = call(
        client, "POST", f"/orgs/{world.orgs['sysu']}/transfer-batches", world.headers("sysu"), {"rows": rows}
    )
    assert status == 202
    drain(client, "transfers")
    # Then each member is started or refused on their own: the unpaid ones for their dues
    status, result = call(client, "GET", f"/transfer-batches/{batch['batch_id']}", world.headers("sysu"))
    assert (result["processed"], result["started"], result["refused"]) == (GRADUATES, leaving, len(unpaid))
    refused = {r["member_id"]: r for r in result["results"] if r["outcome"] == "REFUSED"}
    assert set(refused) == unpaid and all(
        r["error_code"] == "DUES_NOT_PAID_UP" and "团费" in r["error_message"] for r in refused.values()
    )
    # And redelivering the whole batch changes nothing: each member was done in its own transaction
    transfer_batches.handle(StartChunk(batch_id=batch["batch_id"], first=0, count=GRADUATES))
    assert figures(world, "sysu").out_by_state["open"] == leaving

    # When the leaving branch approves the batch in one action, then the receiving one
    status, answer = call(client, "POST", f"/transfer-batches/{batch['batch_id']}/approve", world.headers("sysu"))
    assert (status, answer["code"]) == (409, "BATCH_NOTHING_WAITING")  # nothing waits on the school's committee
    for who in ("cs2024", "lianhua"):
        status, answer = call(client, "POST", f"/transfer-batches/{batch['batch_id']}/approve", world.headers(who))
        assert status == 202 and answer["queued"] == leaving
        drain(client, "transfers")
    # Then every started transfer completes, counted on both sides as a graduate's
    status, result = call(client, "GET", f"/transfer-batches/{batch['batch_id']}", world.headers("sysu"))
    assert result["approved"] == leaving
    assert count(world, "cs2024") == len(unpaid) and count(world, "lianhua") == receiving_before + leaving
    sysu, city = figures(world, "sysu"), figures(world, "sz")
    assert sysu.graduates_transferred == leaving
    assert sysu.graduate_completion_rate == pytest.approx(leaving / GRADUATES)
    assert sysu.out_by_state["completed"] == leaving and city.in_by_state["completed"] == leaving
    assert all(
        t.graduate
        for t in Transfer.by_gsi2.query(keys.transfer_batch_members_pk(batch["batch_id"]))
        if isinstance(t, Transfer)
    )


def test_xfer_2_escalation_stops_at_the_province(client: Any, paid: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given
    world = paid
    t = start(client, world, "member", world.members["huajing"][0], to_branch_id=world.orgs["lianhua"])
    subject = f"{t['member_id']}/{t['transfer_id']}"
    # When
    for expected in ("tianhe", "gz", "root", "root"):
        timer = Timer.get(keys.timer_pk(steps.TIMER_KIND, subject), keys.META)
        at(monkeypatch, timer.due_at + timedelta(minutes=1))
        escalation.escalate(timer)
        # Then
        assert reads.get(t["member_id"], t["transfer_id"]).escalated_to == world.orgs[expected]
    record = reads.get(t["member_id"], t["transfer_id"])
    assert sum(h.outcome == "ESCALATED" for h in record.history) == 3 and figures(world, "root").late_steps == 1
    with pytest.raises(Timer.DoesNotExist):
        Timer.get(keys.timer_pk(steps.TIMER_KIND, subject), keys.META)
