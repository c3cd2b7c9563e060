"""The electronic member card (团员证, CARD-1/CARD-2): what makes a card due, and its pipeline.

A transaction that changes what a member's card shows calls `changed(uow, member_id)`: one
update of the member's CardState (content_version + 1, indexed as due) joins the caller's
transaction, and once it commits a message goes to the `cards` queue. The card worker renders
the newest content after a quiet period (bursts coalesce) and records the render with a write
ordered by content version. A message lost after the commit is recovered by the card sweep,
which reads the due index.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

from pynamodb.expressions.update import Action

from zhtj import clock
from zhtj.dal import keys, queues
from zhtj.dal.models import CardState
from zhtj.dal.unit_of_work import UnitOfWork

QUEUE = "cards"
# Coalescing: a card is rendered once its content has been still for this long, so a burst of
# changes (ten in a minute) renders once, with the last state.
QUIET_SECONDS = 60


def stamp(moment: datetime) -> str:
    """Fixed-width UTC, so that sort keys and message fields compare as times do."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def due_shard(member_id: str) -> int:
    return zlib.crc32(member_id.encode()) % keys.CARD_DUE_SHARDS


def card_number_for(member_id: str) -> str:
    """The card number (团员证号): fixed for the member's life, derived from the member id
    (time-ordered and unique), upper-cased and grouped for reading aloud."""
    body = member_id[1:].upper()
    return "-".join(body[i : i + 4] for i in range(0, len(body), 4))


def state_key(member_id: str) -> CardState:
    return CardState(keys.member_pk(member_id), keys.CARD_SK)


def bump_actions(member_id: str, at: datetime) -> list[Action]:
    """The update that marks a card due: content_version + 1, the change time (the coalescing
    clock), and the due index keeping the first moment it became due (if_not_exists)."""
    return [
        CardState.kind.set(CardState),  # the update may create the item: name its kind
        CardState.member_id.set(member_id),
        CardState.card_number.set(CardState.card_number | card_number_for(member_id)),
        CardState.content_version.add(1),
        CardState.changed_at.set(at),
        CardState.pending_since.set(CardState.pending_since | at),
        CardState.gsi2pk.set(keys.card_due_pk(due_shard(member_id))),
        CardState.gsi2sk.set(CardState.gsi2sk | f"{stamp(at)}#{member_id}"),
    ]


def message(member_id: str, at: datetime) -> dict[str, Any]:
    """The queue message of one change: the member and the change time it announces."""
    return {"member_id": member_id, "changed_at": stamp(at)}


def notify(member_id: str, at: datetime, delay_seconds: int = QUIET_SECONDS) -> None:
    queues.send(QUEUE, message(member_id, at), delay_seconds=delay_seconds)


def changed(uow: UnitOfWork, member_id: str) -> None:
    """Call inside any transaction that changes what a member's card shows (registration
    approved, transfer completed, dues month paid, award entered...). Adds ONE update of the
    member's CardState to the caller's transaction (safe to call twice for one member: the
    second call adds nothing) and, once the transaction commits, a message to the `cards`
    queue (a lost message is recovered by the card sweep from the due index)."""
    mark_due(uow, member_id, [])


def mark_due(uow: UnitOfWork, member_id: str, extra: list[Action]) -> bool:
    """`changed` with further actions on the same CardState (the member's preferences).
    False if the card was already marked in this unit of work (`extra` then not applied)."""
    at = clock.now()
    if not uow.after_commit(f"card:{member_id}", lambda: notify(member_id, at)):
        return False
    uow.update(state_key(member_id), [*bump_actions(member_id, at), *extra], versioned=False)
    return True
