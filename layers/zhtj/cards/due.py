"""Marking a member's card due (CARD-1): what every capability that changes what a card shows
calls inside its transaction (`changed`), apart from the card's rendering and reading
(service.py), so that those capabilities do not import the worker's side (the content, the
members' and accounts' services) at their cold start (docs/architecture.md, "Cold starts").

A transaction that changes what a member's card shows calls `changed(uow, member_id)`: one
update of the member's CardState (content_version + 1, indexed as due) joins the caller's
transaction, and once it commits a message goes to the `cards` queue. A member's first card
renders at once (a new member waits for nothing); a later change waits out a quiet period, so
that a burst renders once.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import UTC, datetime

from pynamodb.expressions.update import Action

from zhtj.cards.messages import CARDS, RenderCard
from zhtj.cards.models import CardState
from zhtj.core import clock
from zhtj.table import keys
from zhtj.table.base import Item, Key
from zhtj.table.unit_of_work import UnitOfWork

# Coalescing: a card that has been rendered before is rendered again once its content has been
# still for this long, so a burst of changes (ten in a minute) renders once, with the last state.
# A first card does not wait: until it is rendered the member has nothing to download.
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


def message(member_id: str, at: datetime) -> RenderCard:
    """The queue message of one change: the member and the change time it announces."""
    return RenderCard(member_id=member_id, changed_at=stamp(at))


def notify(member_id: str, at: datetime, delay_seconds: int) -> None:
    """Announce a change, delivered after `delay_seconds` (SQS DelaySeconds, at most 15 minutes)."""
    CARDS.send(message(member_id, at), delay_seconds=min(delay_seconds, 900))


def rendered_before(member_id: str) -> bool:
    """Whether the member's card has been rendered at least once. An eventually consistent read
    is enough: rendered_version only grows, so a stale answer can only be "not yet", whose
    message comes at once and waits out the quiet period in the worker (`handle`)."""
    state = CardState.get(
        keys.member_pk(member_id),
        keys.CARD_SK,
        attributes_to_get=[CardState.kind.attr_name, CardState.rendered_version.attr_name],
    )
    return bool(state.rendered_version)


def card_key(member_id: str) -> Key:
    """The key of the member's CardState, for a caller that batches reading it (`rendered`)."""
    return keys.member_pk(member_id), keys.CARD_SK


def rendered(found: Mapping[Key, Item], member_id: str) -> bool:
    """Whether the card has been rendered, from a caller's batched read of `card_key`."""
    state = found.get(card_key(member_id))
    return isinstance(state, CardState) and bool(state.rendered_version)


def changed(uow: UnitOfWork, member_id: str, was_rendered: bool | None = None) -> None:
    """Call inside any transaction that changes what a member's card shows (registration
    approved, transfer completed, dues month paid, award entered...). Adds ONE update of the
    member's CardState to the caller's transaction (safe to call twice for one member: the
    second call adds nothing) and, once the transaction commits, a message to the `cards`
    queue (a lost message is recovered by the card sweep from the due index).
    `was_rendered`: whether the card has been rendered, when the caller knows (a member the
    same transaction creates has no card yet; a caller may have read it with its own reads,
    `card_key`); None: it is read once the transaction has landed."""
    mark_due(uow, member_id, [], was_rendered)


def mark_due(uow: UnitOfWork, member_id: str, extra: list[Action], was_rendered: bool | None = None) -> bool:
    """`changed` with further actions on the same CardState (the member's preferences).
    False if the card was already marked in this unit of work (`extra` then not applied)."""
    at = clock.now()

    def hook() -> None:
        # A first card is announced for at once, a later change for the end of the quiet period.
        before = rendered_before(member_id) if was_rendered is None else was_rendered
        notify(member_id, at, QUIET_SECONDS if before else 0)

    if not uow.after_commit(f"card:{member_id}", hook):
        return False
    uow.update(state_key(member_id), [*bump_actions(member_id, at), *extra], versioned=False)
    return True
