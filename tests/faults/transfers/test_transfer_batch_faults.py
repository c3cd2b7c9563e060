"""A graduation batch (XFER-6) through the transfers queue with the fault switch on: the transfer
worker crashing before and after its chunks, member transactions cancelled by a transaction in
flight, and concurrent writers changing a transfer just before its approval lands. Every member
is started once or refused once for their own reason (never for a race), approved once by each
organisation of the chain, moved once; queues end empty and the DLQ holds only a poison message,
with its reason.

Why 40 members suffice: a chunk is 10 members and each member is its own transaction, so four
chunks, each delivered several times (crashes before, crashes after a chunk partly or wholly
done, single members losing races), cover every path of the chunk logic; a larger batch repeats
the same paths (tests/integration/transfers/test_transfers.py runs 300 without faults)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from infra.local.runner import EventRunner
from tests.support import World, call, enrol, han_number, pay_dues, without_cards
from tests.support.faults import Reasons, all_depths, assert_poison_only, settle, take_card_announcements
from zhtj.core import faults
from zhtj.members import service as member_changes
from zhtj.members.models import Member
from zhtj.orgs.models import Org
from zhtj.table import keys, queues
from zhtj.table.audit_record import AuditRecord
from zhtj.transfers import chain as transfer_chain
from zhtj.transfers import figures as transfer_figures
from zhtj.transfers.messages import TRANSFERS
from zhtj.transfers.models import Transfer
from zhtj.transfers.rules import ChainStep, Side, TransferState

MEMBERS = 40
# A delivery (batches of 5 chunks) crashes 30%; a member's commit loses a race 4% (conflict) and
# an approval meets a concurrent writer 10% (stale). A chunk failing all 5 receives is redriven from
# the DLQ as an operator would (tests.support.faults.settle). The seed makes a run repeat.
FAULTS = "transfer_worker=0.3,dynamodb_conflict=0.04,dynamodb_stale=0.1"
RACE_CODES = {"TRANSACTION_CONFLICT", "STALE_WRITE"}


def post_until_accepted(client: Any, path: str, headers: dict[str, str], body: Any = None) -> dict[str, Any]:
    """What a client does with a lost race (409 of a race): send again."""
    for _ in range(10):
        status, answer = call(client, "POST", path, headers, body)
        if status != 409 or answer["code"] not in RACE_CODES:
            assert status == 202, answer
            return dict(answer)
    raise AssertionError("still refused after 10 tries")


def transfers_of(member_id: str) -> list[Transfer]:
    found = Transfer.query(keys.member_pk(member_id), Transfer.sk.startswith("XFER#"), consistent_read=True)
    return [t for t in found if isinstance(t, Transfer)]


def audited(member_id: str) -> Counter[str]:
    records = AuditRecord.query(keys.audit_pk("MEMBER", member_id), consistent_read=True)
    return Counter(a.action for a in records if isinstance(a, AuditRecord))


def test_xfer_6_batch_with_crashes_and_races_starts_refuses_and_moves_each_member_once(
    client: Any, world: World, runner: EventRunner, faults_on: Callable[[str], None], reasons: Reasons
) -> None:
    # Given
    transfer_chain.set_chain(world.principal("root"), [ChainStep(Side.FROM, 0), ChainStep(Side.TO, 0)], 72)
    branch, target = world.orgs["cs2024"], world.orgs["lianhua"]
    with without_cards() as members:  # their approvals' card announcements are not this test's
        for i in range(MEMBERS):
            members.append(enrol(world, "cs2024", f"毕业生{han_number(i)}"))
    unpaid = set(members[::20])
    for member_id in members:
        if member_id in unpaid:  # admitted long ago, dues owed: the pre-check refuses them
            Member.get(keys.member_pk(member_id), keys.META).update(actions=[Member.join_month.set("2020-01")])
        else:
            pay_dues(member_id)
    target_before = int(Org.get(keys.org_pk(target), keys.META).member_count)

    # When
    faults_on(FAULTS)
    rows = [{"member_id": m, "to_branch_id": target, "cause": "EMPLOYMENT"} for m in members]
    path = f"/orgs/{world.orgs['sysu']}/transfer-batches"
    batch = post_until_accepted(client, path, world.headers("sysu"), {"rows": rows})
    poison = {"kind": "graduate_everyone", "batch_id": batch["batch_id"]}  # no worker knows it: fails every time
    queues.send_unchecked(TRANSFERS, poison)
    totals = settle(runner, "transfers", poison=[poison])
    # Then
    _, result = call(client, "GET", f"/transfer-batches/{batch['batch_id']}", world.headers("sysu"))
    refused = {r["member_id"]: r["error_code"] for r in result["results"] if r["outcome"] == "REFUSED"}
    assert refused == dict.fromkeys(unpaid, "DUES_NOT_PAID_UP")  # refused for their dues only, never for a race
    assert (result["processed"], result["started"]) == (MEMBERS, MEMBERS - len(unpaid))
    assert all(len(transfers_of(m)) == (m not in unpaid) for m in members)  # started once each

    for who in ("cs2024", "lianhua"):
        answer = post_until_accepted(client, f"/transfer-batches/{batch['batch_id']}/approve", world.headers(who))
        assert answer["queued"] == MEMBERS - len(unpaid)
        totals.add(settle(runner, "transfers", poison=[poison]))
    # Members lost races (~130 commits at 4%, ~80 approvals at 10%); crashes are drawn per invocation (a few here).
    assert faults.injected["dynamodb_conflict"] and faults.injected["dynamodb_stale"] and totals.failed

    _, result = call(client, "GET", f"/transfer-batches/{batch['batch_id']}", world.headers("sysu"))
    assert result["approved"] == MEMBERS - len(unpaid)
    moved = [m for m in members if m not in unpaid]
    for member_id in moved:
        [transfer] = transfers_of(member_id)
        assert transfer.state == TransferState.COMPLETED
        assert [h.outcome for h in transfer.history] == ["APPROVED", "APPROVED"]  # each step once
        assert member_changes.get_member(member_id).branch_id == target
        actions = audited(member_id)
        assert (actions["transfer.start"], actions["transfer.approve_step"], actions["transfer.complete"]) == (1, 1, 1)
    assert int(Org.get(keys.org_pk(branch), keys.META, consistent_read=True).member_count) == len(unpaid)
    assert int(Org.get(keys.org_pk(target), keys.META, consistent_read=True).member_count) == target_before + len(moved)
    assert take_card_announcements() == len(moved)  # each completion committed once
    figures = transfer_figures.figures(world.orgs["sysu"])
    assert figures.out_by_state.get("completed") == len(moved) and not figures.out_by_state.get("open")
    assert_poison_only("transfers", reasons, [poison], "malformed transfers message")
    depths = all_depths()
    assert depths.pop("zhtj-transfers-dlq") == 1 and not any(depths.values()), depths
