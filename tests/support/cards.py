"""What the card renderer is given, and what a member's card shows."""

from __future__ import annotations

from typing import Any

from zhtj.cards import content as card_content
from zhtj.cards.models import CardState
from zhtj.table import keys, partitions


def card_version(member_id: str) -> int:
    """How many times the member's card has been marked due (CARD-1): 0 for never."""
    try:
        return int(CardState.get(keys.member_pk(member_id), keys.CARD_SK).content_version or 0)
    except CardState.DoesNotExist:
        return 0


def card_sections(member_id: str) -> dict[str, card_content.Section]:
    """The sections the member's card shows now (built from the partition as the worker does);
    {} for a card never marked due."""
    items = partitions.items(keys.member_pk(member_id))
    if not any(i.get("sk") == keys.CARD_SK for i in items):
        return {}  # never marked due: the card shows none of these records
    built = card_content.build(items, "支部")
    return {s.key: s for s in built.sections}


def card_verify_urls(monkeypatch: Any) -> list[str]:
    """The verification URLs the card renderer is given from now on, in order (what each card's
    QR code holds); the renderer still renders."""
    from zhtj.cards import pdf as card_pdf

    urls: list[str] = []
    real = card_pdf.render

    def spy(content: Any, issue: card_pdf.Issue) -> bytes:
        urls.append(issue.verify_url)
        return real(content, issue)

    monkeypatch.setattr(card_pdf, "render", spy)
    return urls
