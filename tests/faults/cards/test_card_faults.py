"""A burst of card changes (CARD-1) through the cards queue with the fault switch on: the card
worker crashing before and after its renders, and the render's conditional record losing races
to a transaction in flight. Every member ends with exactly one rendered card of their newest
content, recorded once, one object version in the bucket (no orphan of a failed try), off the
due index (the sweep finds nothing), queues empty and the DLQ holding only a poison message,
with its reason.

Why 16 members x 1-3 changes suffice: each member's card is its own render and its own conditional
write, so what holds for one holds for all; 32 announcements in batches of 5 give every path
(crash before, crash after renders recorded, a lost race after the object was stored, stale
announcements of an already rendered version) several times. A render costs ~0.3 s, so more
members would only add seconds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import boto3

from infra.local.runner import EventRunner
from tests.support import World, enrol, han_number
from tests.support.faults import Reasons, all_depths, assert_poison_only, depth, settle
from zhtj.cards import due as card_due
from zhtj.cards import service as cards
from zhtj.cards.messages import CARDS
from zhtj.cards.models import CardState
from zhtj.core import clock, faults
from zhtj.table import keys, queues, storage
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

MEMBERS = 16
CHANGES = 3
# A delivery (batch of 5) crashes 30%; a render's record loses a race 25%. Seeded (faults_on, tests/faults/conftest.py).
FAULTS = "card_worker=0.3,dynamodb_conflict=0.25"


def change(member_id: str) -> None:
    uow = UnitOfWork(SYSTEM_ACTOR)
    card_due.changed(uow, member_id)
    uow.commit()


def test_card_1_burst_with_crashes_and_races_renders_each_card_once_with_its_newest_content(
    client: Any, world: World, runner: EventRunner, faults_on: Callable[[str], None], reasons: Reasons
) -> None:
    # Given
    members = []
    for i in range(MEMBERS):
        members.append(enrol(world, "huajing", f"持证团员{han_number(i)}"))
    # The new members' own announcements go: the burst below is the test.
    boto3.client("sqs").purge_queue(QueueUrl=CARDS.url())
    # One to three changes each: a single announcement must render on its own, without a later one to cover for it.
    changes = {m: 1 + i % CHANGES for i, m in enumerate(members)}
    for round_ in range(CHANGES):
        for member_id in members:
            if round_ < changes[member_id]:
                change(member_id)
    assert depth("cards") == sum(changes.values())

    # When
    poison = {"changed_at": card_due.stamp(clock.now())}  # whose card? fails every time
    queues.send_unchecked(CARDS, poison)
    faults_on(FAULTS)
    totals = settle(runner, "cards", poison=[poison])
    # Then
    # Renders lost races (~20 draws at 25%: near certain); crashes are drawn per invocation (~8 here).
    assert faults.injected["dynamodb_conflict"] and totals.failed

    s3 = boto3.client("s3")
    for member_id in members:
        card = CardState.get(keys.member_pk(member_id), keys.CARD_SK, consistent_read=True)
        assert card.rendered_version == card.content_version >= changes[member_id]  # the newest content
        assert card.renders == 1  # rendered and recorded once, whatever was redelivered
        assert card.gsi2pk is None  # off the due index
        versions = s3.list_object_versions(Bucket=storage.bucket(cards.ROLE), Prefix=cards.object_key(member_id))
        assert [v["VersionId"] for v in versions.get("Versions", [])] == [card.object_version]  # no orphan
    assert cards.sweep(clock.now() + timedelta(seconds=cards.SWEEP_GRACE_SECONDS + 1)) == 0
    assert_poison_only("cards", reasons, [poison], "malformed cards message")  # no member_id
    depths = all_depths()
    assert depths.pop("zhtj-cards-dlq") == 1 and not any(depths.values()), depths
