"""STAT-1..2, SWEEP-1..3 and ORG-3 end to end: HTTP and logic → the table's stream →
stats_stream (OwnStat, SubStat, Finding) → reads; the sweep through the real state machine in
moto, the sweeps queue and sweep_worker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.support import World, call, drain, drain_stream, enrol, moto_state, pay_dues
from tests.support.accounts import invited_cadre
from tests.support.awards import days_ago, reward
from tests.support.queues import stream_shard
from tests.support.registration import form, make_id, registered, submit
from tests.support.transfers import start
from zhtj.counters import raw as counters
from zhtj.counters.models import OwnStat
from zhtj.members.models import Member
from zhtj.registration.models import Registration
from zhtj.stats import service as stats
from zhtj.table import keys
from zhtj.transfers.models import Transfer


@pytest.fixture
def aws(request: pytest.FixtureRequest) -> Iterator[None]:
    """moto with state machines that really execute (the sweep's Map over segments)."""
    from infra.provision import provision

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        moto_state.reset_caches()
        moto_state.prepare(request, "sfn-provisioned", provision)
        yield
        moto_state.reset_caches()


@pytest.fixture(autouse=True)
def identity_provider_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHTJ_FAKE_IDP_FAIL_PERCENT", "0")


def figures(client: Any, world: World, org: str, caller: str | None = None) -> dict[str, Any]:
    drain_stream(client)
    status, body = call(client, "GET", f"/orgs/{world.orgs[org]}/stats", world.headers(caller or org))
    assert status == 200, body
    return dict(body)


def sweep(client: Any, world: World, segments: int = 3) -> dict[str, Any]:
    """POST /sweeps, wait for the state machine, deliver the sweeps queue (segments, then the
    finish the last one queues) and the stream the finish moved; returns the run."""
    drain_stream(client)
    status, run = call(client, "POST", "/sweeps", world.headers("root"), {"segments": segments})
    assert (status, run["state"]) == (202, "SCANNING"), run
    sfn = boto3.client("stepfunctions")
    (machine,) = [m for m in sfn.list_state_machines()["stateMachines"] if m["name"] == "zhtj-sweep"]
    arn = machine["stateMachineArn"].replace(":stateMachine:", ":execution:") + f":{run['run_id']}"
    deadline = time.monotonic() + 30
    while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the sweep's state machine did not finish"
        time.sleep(0.05)
    assert execution["status"] == "SUCCEEDED", execution
    assert drain(client, "sweeps") == segments + 1  # every segment, then the finish
    drain_stream(client)
    status, run = call(client, "GET", f"/sweeps/{run['run_id']}", world.headers("root"))
    assert (status, run["state"], run["segments_done"]) == (200, "DONE", segments), run
    return dict(run)


def findings(client: Any, world: World, org: str = "root") -> set[tuple[str, str, int]]:
    drain_stream(client)
    names = {v: k for k, v in world.orgs.items()}
    found: set[tuple[str, str, int]] = set()
    cursor = None
    while True:
        query = f"?limit=100&cursor={cursor}" if cursor else "?limit=100"
        status, page = call(client, "GET", f"/orgs/{world.orgs[org]}/findings{query}", world.headers(org))
        assert status == 200, page
        found |= {(names.get(f["org_id"], f["org_id"]), f["code"], f["concerned"]) for f in page["items"]}
        if not (cursor := page["next_cursor"]):
            return found


def approve(client: Any, world: World, branch: str, **overrides: Any) -> str:
    reg_id = registered(client, world, branch_id=world.orgs[branch], **overrides)["registration_id"]
    status, approved = call(client, "POST", f"/registrations/{reg_id}/approve", world.headers(branch))
    assert status == 200, approved
    return str(approved["member_id"])


# --- STAT-1 ------------------------------------------------------------------------------------


def test_stat_1_subtree_figures_at_root_city_and_branch(client: Any, world: World) -> None:
    # Given / When
    root = figures(client, world, "root")
    # Then
    assert root["members"]["normal"] == 4
    assert root["organisations"]["by_type"] == {"BASIC_COMMITTEE": 1, "BRANCH": 4, "LEADING_ORGAN": 6}
    # ORG-3 bands; the ORG-7 holding organisation is counted as an organisation, not as a branch size.
    assert root["branches_by_size"] == {"0": 1, "1_2": 1, "3_30": 1}
    assert figures(client, world, "gz")["members"]["normal"] == 3
    assert figures(client, world, "huajing")["branches_by_size"] == {"3_30": 1}
    # A registration counts as pending at every level, then as a member once approved (莲花's
    # first member was registered and approved today too, as the world was built).
    reg_id = registered(client, world, branch_id=world.orgs["lianhua"])["registration_id"]
    pending = figures(client, world, "sz", "root")["registrations"]
    assert (pending["pending"], pending["submitted_today"]) == (1, 2)
    status, approved = call(client, "POST", f"/registrations/{reg_id}/approve", world.headers("lianhua"))
    assert status == 200, approved
    sz = figures(client, world, "sz", "root")
    assert sz["registrations"]["pending"] == 0 and sz["registrations"]["reviewed_today"] == 2
    # 莲花's first member, too, came from an approved registration: their ethnicity and status are known.
    assert sz["members"]["normal"] == 2 and sz["members"]["by_ethnicity"]["han"] == 2
    assert sz["members"]["by_political_status"] == {"03": 2}
    assert figures(client, world, "root")["members"]["normal"] == 5
    assert figures(client, world, "root")["branches_by_size"] == {"0": 1, "1_2": 1, "3_30": 1}


def test_stat_1_reg_4_accounts_entered_by_a_branch_are_never_members(client: Any, world: World) -> None:
    # Given 华景's figures (3 members, all from approved registrations)
    before = figures(client, world, "huajing")
    # When 华景 invites two cadres named 张三 (ACCT-5) and both accept
    made = []
    for phone in ("13912340002", "13912340003"):
        accepted = invited_cadre(client, world, "huajing", "张三", phone)
        assert accepted["account"]["member_id"] is None, accepted
        made.append(accepted["account"]["account_id"])
    # Then no member record exists without an ID number, and the figures are unchanged
    members = [m for m in Member.scan() if isinstance(m, Member)]
    assert all(m.id_index for m in members) and not {m.account_id for m in members} & set(made)
    after = figures(client, world, "huajing")
    assert after["members"] == before["members"]
    assert after["members"]["normal"] == 3 and "U" not in after["members"].get("by_sex", {})
    _, page = call(client, "GET", f"/orgs/{world.orgs['huajing']}/members", world.headers("huajing"))
    assert [m["name"] for m in page["items"]].count("张三") == 0


def test_stat_1_a_moved_subtree_takes_its_figures_along(client: Any, world: World) -> None:
    """ORG-6 + STAT-1: 天河 (with 华景's 3 members) moves from 广州 to 深圳."""
    # Given / When
    status, job = call(
        client,
        "POST",
        f"/orgs/{world.orgs['tianhe']}/move",
        world.headers("root"),
        {"new_parent_id": world.orgs["sz"], "reason": "理顺隶属关系"},
    )
    # Then
    assert status == 202, job
    drain(client, "tree-maintenance")
    assert figures(client, world, "gz", "root")["members"]["normal"] == 0
    assert figures(client, world, "sz", "root")["members"]["normal"] == 4
    assert figures(client, world, "root")["members"]["normal"] == 4


def test_stat_1_a_redelivered_stream_record_counts_once(client: Any, world: World) -> None:
    # Given
    approve(client, world, "huajing")
    shard = stream_shard()
    copied = [r.to_json() for r in shard.items]
    drain_stream(client)
    once = figures(client, world, "root")
    # When
    outcomes = stats.handle_records(r for r in copied if "kind" in (r["dynamodb"].get("NewImage") or {}))
    # Then
    assert outcomes["APPLIED"] == 0 and outcomes["DUPLICATE"] > 0, outcomes
    assert figures(client, world, "root") == once


def test_stat_1_a_batch_moves_each_counter_once_and_a_retried_one_counts_each_record_once(
    client: Any, world: World, aws_calls: list[str]
) -> None:
    # Given six registrations written at 华景, their stream records not yet counted
    before = figures(client, world, "root")
    shard = stream_shard()
    start_at = len(shard.items)
    for n in range(6):
        body = {"id_number": make_id(seq=700 + n), "development_number": f"2021440107{n:02d}"}
        assert submit(client, form(world, **body))[0] == 202
    drain(client)
    written = [r.to_json() for r in shard.items[start_at:]]
    records = [stats.StreamRecord.of(r) for r in written]
    records = [r for r in records if r.kind == "Registration"]
    assert len(records) == 6
    # When the first two are counted in a batch, then all six come in one (a retried batch)
    aws_calls.clear()
    assert stats.apply_many(records[:2]) == ["APPLIED"] * 2
    # Then the first batch moved 华景's OwnStat once, with each record's mark, in one transaction
    assert aws_calls == ["TransactWriteItems"]
    outcomes = stats.apply_many(records)
    # And the retried one, refused as a whole, was counted record by record: the two counted
    # before are duplicates, the other four are counted
    assert outcomes == ["DUPLICATE"] * 2 + ["APPLIED"] * 4
    # And the figures count each registration once
    after = figures(client, world, "root")
    assert after["registrations"]["pending"] == before["registrations"]["pending"] + 6
    assert sweep(client, world)["drift_count"] == 0


# --- SWEEP-1..3 and ORG-3 ------------------------------------------------------------------------


def plant(client: Any, world: World) -> dict[str, str]:
    """One problem of each kind, and their look-alikes that are fine."""
    planted: dict[str, str] = {}
    # Secretaries for 华景 and 莲花 (cs2024 stays without: it is empty anyway).
    for branch in ("huajing", "lianhua"):
        account = world.member_accounts[world.members[branch][0]]
        status, answer = call(
            client,
            "POST",
            f"/orgs/{world.orgs[branch]}/grants",
            world.headers(branch),
            {"account_id": account, "role": "书记"},
        )
        assert status in (200, 201), answer
    # SWEEP-3: past 28 without a post (莲花's only member is its secretary: past 28 but holding a post).
    older = world.members["huajing"][1]
    for member_id in (older, world.members["lianhua"][0]):
        Member(keys.member_pk(member_id), keys.META).update(
            actions=[Member.birth_date.set("1990-01-01")], add_version_condition=False
        )
    planted["aged"] = older
    # SWEEP-3: six months unpaid (the other members joined before online collection or paid).
    unpaid = world.members["huajing"][2]
    Member(keys.member_pk(unpaid), keys.META).update(
        actions=[Member.join_month.set("2025-01")], add_version_condition=False
    )
    planted["unpaid"] = unpaid
    # SWEEP-3: a review past 5 working days (REV-2 escalated it) and one still in time.
    late = registered(client, world, branch_id=world.orgs["huajing"])["registration_id"]
    Registration(keys.registration_pk(late), keys.META).update(
        actions=[Registration.escalated_to.set(world.orgs["tianhe"])], add_version_condition=False
    )
    registered(
        client, world, branch_id=world.orgs["lianhua"], development_number="202144010002", id_number=make_id(seq=124)
    )
    # SWEEP-3: an award entered late, and one on time.
    member = world.members["huajing"][0]
    status, _ = call(
        client, "POST", f"/members/{member}/awards", world.headers("tianhe"), reward(document_date=days_ago(60))
    )
    assert status == 201
    status, _ = call(client, "POST", f"/members/{member}/awards", world.headers("tianhe"), reward())
    assert status == 201
    # SWEEP-3: a transfer step past 72 hours (as the escalation marks it).
    pay_dues(world.members["lianhua"][0])
    t = start(client, world, "lianhua", world.members["lianhua"][0], to_branch_id=world.orgs["huajing"])
    Transfer(keys.member_pk(t["member_id"]), keys.transfer_sk(t["transfer_id"])).update(
        actions=[Transfer.step_overdue.set(True)], add_version_condition=False
    )
    # ORG-3 / SWEEP-1: a committee with nothing beneath it.
    status, body = call(
        client,
        "POST",
        f"/orgs/{world.orgs['gz']}/children",
        world.headers("gz"),
        {
            "org_type": "BASIC_COMMITTEE",
            "sector": "ENTERPRISE",
            "short_name": "广州市广汽集团团委",
            "full_name": "中国共产主义青年团广州汽车集团股份有限公司委员会",
            "alias": "广汽团委",
        },
    )
    assert status == 201, body
    world.orgs["gac"] = body["org_id"]
    # ORG-3: a general branch without branches (and so outside 30-100 members).
    status, body = call(
        client,
        "POST",
        f"/orgs/{world.orgs['sysu']}/children",
        world.headers("sysu"),
        {
            "org_type": "GENERAL_BRANCH",
            "sector": "UNIVERSITY",
            "short_name": "中山大学计算机学院团总支",
            "full_name": "中国共产主义青年团中山大学计算机学院总支部委员会",
            "alias": "计院团总支",
        },
    )
    assert status == 201, body
    world.orgs["cs_general"] = body["org_id"]
    # SWEEP-2 / ORG-4: a member attached to a county committee (data that must never exist).
    stray = enrol(world, "huajing", "张三")
    Member(keys.member_pk(stray), keys.META).update(
        actions=[Member.branch_id.set(world.orgs["tianhe"])], add_version_condition=False
    )
    return planted


# What the world holds besides what plant() adds: 越秀 is a county committee without branches,
# 中山大学团委's only branch is empty, and no branch of the small province has a secretary yet.
def expected(world: World) -> set[tuple[str, str, int]]:
    return {
        ("yuexiu", "EMPTY_COMMITTEE", 1),
        ("sysu", "EMPTY_COMMITTEE", 1),
        ("sysu", "COMMITTEE_UNDER_100", 1),
        ("cs2024", "EMPTY_BRANCH", 1),
        ("cs2024", "NO_SECRETARY", 1),
        ("lianhua", "BRANCH_UNDER_3", 1),
        # planted:
        ("huajing", "AGE_OUT_NO_POST", 1),
        ("huajing", "UNPAID_6_MONTHS", 1),
        ("huajing", "REVIEWS_OVERDUE", 1),
        ("tianhe", "AWARDS_LATE", 1),
        ("lianhua", "TRANSFERS_OVERDUE", 1),
        ("gac", "EMPTY_COMMITTEE", 1),
        ("gac", "COMMITTEE_NO_BRANCH", 1),
        ("gac", "COMMITTEE_UNDER_100", 1),
        ("cs_general", "GENERAL_BRANCH_NO_BRANCH", 1),
        ("cs_general", "GENERAL_BRANCH_SIZE", 1),
        ("tianhe", "MEMBERS_OFF_BRANCH", 1),
    }


def test_sweep_1_sweep_2_sweep_3_org_3_each_planted_problem_is_found_and_nothing_else(
    client: Any, world: World
) -> None:
    # Given
    planted = plant(client, world)
    # When
    run = sweep(client, world)
    # Then
    assert run["drift_count"] == 0
    assert findings(client, world) == expected(world)
    # Rolled up the tree: 广州 sees its counts by district and committee.
    status, summary = call(client, "GET", f"/orgs/{world.orgs['gz']}/findings/summary", world.headers("gz"))
    assert status == 200
    by_child = {c["name"]: c["counts"] for c in summary["children"]}
    assert by_child["广州市天河区团委"] == {
        "AGE_OUT_NO_POST": 1,
        "UNPAID_6_MONTHS": 1,
        "REVIEWS_OVERDUE": 1,
        "AWARDS_LATE": 1,
        "MEMBERS_OFF_BRANCH": 1,
    }
    assert by_child["广州市越秀区团委"] == {"EMPTY_COMMITTEE": 1}
    assert summary["counts"]["EMPTY_COMMITTEE"] == 2  # 越秀 and 广汽
    # A fix made as data changes disappears at once; a time-dependent one at the next sweep.
    pay_dues(planted["unpaid"])
    status, _ = call(
        client,
        "POST",
        f"/orgs/{world.orgs['cs2024']}/grants",
        world.headers("sysu"),
        {"account_id": world.member_accounts[world.members["huajing"][0]], "role": "书记"},
    )
    assert ("cs2024", "NO_SECRETARY", 1) not in findings(client, world)
    assert ("huajing", "UNPAID_6_MONTHS", 1) in findings(client, world)
    second = sweep(client, world)
    assert second["drift_count"] == 0
    assert findings(client, world) == expected(world) - {
        ("cs2024", "NO_SECRETARY", 1),
        ("huajing", "UNPAID_6_MONTHS", 1),
    }
    # The day's counts are kept per organisation (the same day's second sweep replaces the first).
    status, history = call(client, "GET", f"/orgs/{world.orgs['root']}/findings/history", world.headers("root"))
    assert status == 200 and len(history) == 1
    assert history[0]["counts"]["EMPTY_COMMITTEE"] == 3 and "UNPAID_6_MONTHS" not in history[0]["counts"]
    assert second["findings"] == history[0]["counts"]


def test_stat_1_the_recount_finds_no_drift_and_reports_a_planted_one(client: Any, world: World) -> None:
    # Given / When
    approve(client, world, "lianhua")
    # Then
    assert sweep(client, world)["drift_count"] == 0
    # A counter moved outside the stream (what a lost or doubled record would leave).
    OwnStat(keys.org_pk(world.orgs["lianhua"]), keys.OWN_STAT_SK).update(
        actions=[OwnStat.org_id.set(world.orgs["lianhua"]), counters.number("members").add(1)],
        add_version_condition=False,
    )
    run = sweep(client, world)
    assert run["drift_count"] == 1
    from zhtj.sweeps import service as sweeps

    stored = sweeps.get_run(run["run_id"])
    assert world.orgs["lianhua"] in (stored.drift or "")


# --- STAT-2 ------------------------------------------------------------------------------------


def test_stat_2_daily_bulletin_per_direct_child_as_json_and_xlsx(client: Any, world: World) -> None:
    # Given
    approve(client, world, "lianhua")
    registered(
        client, world, branch_id=world.orgs["huajing"], id_number=make_id(seq=125), development_number="202144010003"
    )
    drain_stream(client)
    # When
    status, bulletin = call(client, "GET", f"/orgs/{world.orgs['root']}/bulletin", world.headers("root"))
    # Then
    assert status == 200
    rows = {r["name"]: r for r in bulletin["rows"]}
    assert set(rows) == {"广州团市委", "深圳团市委", "中山大学团委"}
    # Each includes the world's own members, registered and approved today as it was built.
    assert (rows["深圳团市委"]["registrations_today"], rows["深圳团市委"]["reviews_today"]) == (2, 2)
    assert (rows["广州团市委"]["registrations_today"], rows["广州团市委"]["pending_reviews"]) == (4, 1)
    assert rows["深圳团市委"]["members"] == 2
    status, download = call(client, "POST", f"/orgs/{world.orgs['root']}/bulletin/xlsx", world.headers("root"))
    assert status == 200 and download["file_name"].endswith(".xlsx")
    from io import BytesIO
    from urllib.parse import unquote, urlparse

    from openpyxl import load_workbook

    key = unquote(urlparse(download["url"]).path.lstrip("/"))
    key = key[key.index("bulletins/") :]
    from zhtj.table import storage

    sheet = load_workbook(BytesIO(storage.get_bytes("documents", key))).active
    table = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert table[[r[0] for r in table].index("深圳团市委")][:4] == ["深圳团市委", 2, 2, 2]


def test_stat_2_sector_progress_against_targets(client: Any, world: World) -> None:
    # Given / When
    status, progress = call(
        client,
        "PUT",
        f"/orgs/{world.orgs['gz']}/sector-targets",
        world.headers("gz"),
        {"sector": "COMMUNITY", "expected": 4, "target_percent": 70},
    )
    # Then
    assert status == 200, progress
    community = {p["sector"]: p for p in progress}["COMMUNITY"]
    assert (community["members"], community["entered_percent"], community["reached"]) == (3, 75.0, True)
    status, progress = call(
        client,
        "PUT",
        f"/orgs/{world.orgs['gz']}/sector-targets",
        world.headers("gz"),
        {"sector": "COMMUNITY", "expected": 10, "target_percent": 70},
    )
    registered(client, world, branch_id=world.orgs["huajing"])
    drain_stream(client)
    status, progress = call(client, "GET", f"/orgs/{world.orgs['gz']}/sector-progress", world.headers("gz"))
    community = {p["sector"]: p for p in progress}["COMMUNITY"]
    assert (community["members"], community["pending"], community["entered_percent"], community["reached"]) == (
        3,
        1,
        40.0,
        False,
    )
    status, answer = call(
        client,
        "PUT",
        f"/orgs/{world.orgs['gz']}/sector-targets",
        world.headers("gz"),
        {"sector": "COMMUNITY", "expected": 10, "target_percent": 170},
    )
    assert status == 400 and answer["field"] == "target_percent"
