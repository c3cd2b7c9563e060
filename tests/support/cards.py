"""What the card renderer is given."""

from __future__ import annotations

from typing import Any


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
