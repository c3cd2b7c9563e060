"""Transfer deadlines through the real timer_sweep state machine in moto (XFER-2's 72 hours at
every step, XFER-5's 5 working days): the schedule starts the execution, the state machine
queues the shards, the timer worker escalates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from moto import mock_aws

from tests.support import World, build_world, call, moto_state, pay_dues
from tests.support.deadlines import at, drain_timers, sweep
from tests.support.registration import complete_id
from tests.support.transfers import approve, count, figures, start
from zhtj.core import clock
from zhtj.table import keys
from zhtj.transfers import reads
from zhtj.transfers.models import IncomingTransfer


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto with state machines that really execute (told before they are created)."""
    from infra.provision import provision

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        moto_state.reset_caches()
        provision()
        yield
        moto_state.reset_caches()


@pytest.fixture
def world(aws: None) -> World:
    return build_world()


@pytest.fixture
def paid(world: World) -> World:
    for branch in ("huajing", "lianhua"):
        for member_id in world.members[branch]:
            pay_dues(member_id)
    return world


def test_xfer_2_each_step_escalates_after_72_hours_and_the_organisation_above_acts(
    client: Any, paid: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    world = paid
    moving = world.members["huajing"][0]
    t = start(client, world, "member", moving, to_branch_id=world.orgs["lianhua"])
    above = {"huajing": "tianhe", "tianhe": "gz", "lianhua": "futian", "futian": "sz"}
    names = {v: k for k, v in world.orgs.items()}
    moment = clock.now()
    for step in range(4):
        asked = names[t["step_org_id"]]
        # When
        moment = datetime.fromisoformat(t["step_due_at"]) + timedelta(minutes=1)
        at(monkeypatch, moment)
        assert sweep(client)["queued"] == 8  # one message per shard: the real state machine ran
        drain_timers(client)
        # Then
        t = reads.get(moving, t["transfer_id"]).__dict__["attribute_values"] | {
            "member_id": moving,
            "transfer_id": t["transfer_id"],
        }
        assert t["escalated_to"] == world.orgs[above[asked]] and t["step_overdue"] is True
        assert figures(world, asked).overdue_now == 1 and figures(world, "root").late_steps == step + 1
        status, page = call(
            client, "GET", f"/orgs/{world.orgs[above[asked]]}/transfer-inbox", world.headers(above[asked])
        )
        assert status == 200
        assert [x["transfer_id"] for x in page["items"]] == [t["transfer_id"]]
        at(monkeypatch, moment + timedelta(hours=1))
        t = approve(client, world, above[asked], {**t, "step_index": step})
        assert t["history"][-1]["late"] is True and t["history"][-1]["acted_org_id"] == world.orgs[above[asked]]
        assert figures(world, asked).overdue_now == 0
    assert t["state"] == "COMPLETED"
    root = figures(world, "root")
    assert root.responses == 4 and root.late_steps == 4 and root.within_deadline_rate == 0.0
    assert root.median_hours == 120  # 73 hours each: the (72, 120] bucket
    assert (count(world, "huajing"), count(world, "lianhua")) == (2, 2)


def test_xfer_5_into_the_province_checks_the_file_and_times_the_registration(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    path = f"/orgs/{world.orgs['huajing']}/incoming-transfers"
    body = {
        "name": "李外来",
        "id_number": complete_id("43010420040101123"),
        "join_month": "2019-05-01",
        "letter_number": "湘团转〔2026〕12号",
        "from_organisation": "湖南省长沙市某团支部",
    }
    # When
    status, answer = call(client, "POST", path, world.headers("huajing"), body)
    # Then
    assert (status, answer["code"], answer["field"]) == (422, "XFER-5", "development_number")
    status, item = call(client, "POST", path, world.headers("huajing"), {**body, "development_number": "201943010001"})
    assert status == 201 and item["state"] == "ACCEPTED" and "*" in item["id_masked"]
    assert body["id_number"] not in str(
        IncomingTransfer.get(keys.incoming_pk(item["incoming_id"]), keys.META).attribute_values
    )
    # Joined before 2017: no number needed.
    status, old = call(
        client,
        "POST",
        path,
        world.headers("huajing"),
        {**body, "id_number": complete_id("43010419990101123"), "join_month": "2014-05-01"},
    )
    assert status == 201
    # Nobody registered within the 5 working days: LATE.
    at(monkeypatch, datetime.fromisoformat(item["register_by"]) + timedelta(minutes=1))
    sweep(client)
    drain_timers(client)
    status, page = call(client, "GET", f"{path}?state=LATE", world.headers("tianhe"))
    assert {i["incoming_id"] for i in page["items"]} == {item["incoming_id"], old["incoming_id"]}
