"""Rules of the member card (团员证, CARD-1/CARD-2): the card's states as its route tells them,
what a card message's handling comes to, and a verification's verdicts with their words.
Pure: no I/O."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class CardStatus(StrEnum):
    """What the card route tells (cards.service.CardView.state)."""

    READY = "READY"  # the card of the current content can be downloaded
    RENDERING = "RENDERING"  # a newer card is on its way


class RenderOutcome(StrEnum):
    """What one `cards` message came to (cards.service.handle)."""

    RENDERED = "RENDERED"  # rendered and recorded
    CURRENT = "CURRENT"  # already rendered at its content version: nothing to do
    DEFERRED = "DEFERRED"  # not still yet: the latest change's message renders it
    DROPPED = "DROPPED"  # no such member or card
    LOST = "LOST"  # a render of a newer content version was recorded first


class Verdict(StrEnum):
    """A public verification's verdict (CARD-2)."""

    GENUINE = "CURRENT"  # the member's current card
    SUPERSEDED = "SUPERSEDED"
    REVOKED = "REVOKED"
    INVALID = "INVALID"


VERDICTS: Final[dict[str, str]] = {
    Verdict.GENUINE: "真实有效：此为该团员现行有效的团员证",
    Verdict.SUPERSEDED: "证件真实，但已被更新版本取代，请以最新团员证为准",
    Verdict.REVOKED: "证件真实，但持证人已不再是团员（离团、退团或团籍已注销）",
    Verdict.INVALID: "无法核验：二维码不是本系统签发的团员证，或已被篡改",
}
