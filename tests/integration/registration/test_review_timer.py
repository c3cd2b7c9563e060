"""REV-2 and MSG-1: a pending registration's review deadline and its reminder are one Timer
item, written in the registration's transaction and deleted, with one delete, in the
transaction that settles the review. Each test reads Given / When / Then."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.client
import pytest

from tests.support import World, call
from tests.support.registration import make_id, registered
from zhtj.table import keys
from zhtj.timers import service as timers
from zhtj.timers.models import Timer


@pytest.fixture(autouse=True)
def identity_provider_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHTJ_FAKE_IDP_FAIL_PERCENT", "0")


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[tuple[str, str]]]]:
    """Every DynamoDB transaction sent from now on, as its (action, pk) pairs."""
    sent: list[list[tuple[str, str]]] = []
    original = botocore.client.BaseClient._make_api_call

    def spy(self: Any, operation: str, params: Any) -> Any:
        if operation == "TransactWriteItems":
            sent.append([(action, body["Key" if "Key" in body else "Item"]["pk"]["S"])
                         for entry in params["TransactItems"] for action, body in entry.items()])  # fmt: skip
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    yield sent


def timer_actions(transaction: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(action, pk) for action, pk in transaction if pk.startswith("TIMER#")]


def test_rev_2_msg_1_a_pending_registration_has_one_timer_item(
    client: Any, world: World, transactions: list[list[tuple[str, str]]]
) -> None:
    # Given / When a registration is submitted and written by the worker
    reg_id = registered(client, world, id_number=make_id(seq=501), phone="13800138501")["registration_id"]
    # Then its transaction wrote one timer: the review's deadline, carrying its reminder
    [written] = [t for t in transactions if ("Put", keys.registration_pk(reg_id)) in t]
    assert timer_actions(written) == [("Put", keys.timer_pk(timers.REVIEW_DUE, reg_id))]
    # (registration, verdict, ID and number claims, timer, audit, and the applicant's account bound)
    assert sorted(pk.split("#")[0] for _, pk in written) == [
        "ACCOUNT", "AUDIT", "DEVNO", "IDNO", "REALNAME", "REG", "TIMER"
    ]  # fmt: skip
    # And the table holds that one timer for the registration
    found = [t for t in Timer.scan(Timer.subject_id == reg_id) if isinstance(t, Timer)]
    assert [(t.timer_kind, t.remind_at is not None) for t in found] == [(timers.REVIEW_DUE, True)]


def test_rev_2_msg_1_approval_deletes_the_review_timer_with_one_delete(
    client: Any, world: World, transactions: list[list[tuple[str, str]]]
) -> None:
    # Given a pending registration with its timer
    reg_id = registered(client, world, id_number=make_id(seq=502), phone="13800138502")["registration_id"]
    reviewer = world.headers("huajing")  # 华景 signed in
    transactions.clear()
    # When 华景 approves it
    status, answer = call(client, "POST", f"/registrations/{reg_id}/approve", reviewer)
    assert status == 200, answer
    # Then the approval's one transaction deletes the one timer, and nothing else of timers
    [approval] = transactions
    assert timer_actions(approval) == [("Delete", keys.timer_pk(timers.REVIEW_DUE, reg_id))]
    assert [t for t in Timer.scan(Timer.subject_id == reg_id) if isinstance(t, Timer)] == []
