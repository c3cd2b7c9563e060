"""The verification QR code shown large on the member's phone (CARD-2, WEB-1): a stranger scans
the screen as they would the printed card's code.

The token is issued afresh for the card as last rendered (its card number and rendered
version), signed like the PDF's: `service.verify` answers GENUINE while that rendering is
current and SUPERSEDED once a newer card is rendered, exactly as for the printed card. The
QR's modules go to the app as rows of "0"/"1", so the phone draws the same code the PDF does
(error correction M) without a QR library of its own.
"""

from __future__ import annotations

import msgspec

from zhtj.cards import service
from zhtj.cards import token as card_token
from zhtj.cards.models import CardState
from zhtj.core import clock
from zhtj.core.errors import ConflictError, NotFoundError
from zhtj.members import service as member_changes
from zhtj.signin.tokens import Principal
from zhtj.table import keys, signing

NOT_RENDERED = ConflictError("CARD_NOT_RENDERED", "团员证正在生成，生成后即可出示核验二维码", "member_id")


class CardQr(msgspec.Struct, frozen=True):
    verify_url: str
    modules: list[str]  # one row of the QR code a string, "1" a dark module; no quiet zone
    card_number: str
    content_version: int


def modules_of(text: str) -> list[str]:
    """The QR code (error correction M, the PDF's) of `text` as rows of "0"/"1"."""
    # Imported here, not at the top: for cold-start cost, not to dodge a cycle. qrcode loads
    # Pillow (about 0.2 s), and only this route and the card worker draw codes.
    import qrcode  # type: ignore[import-untyped]
    from qrcode.constants import ERROR_CORRECT_M  # type: ignore[import-untyped]

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    return ["".join("1" if dark else "0" for dark in row) for row in code.get_matrix()]


def issue(principal: Principal, member_id: str) -> CardQr:
    """The member's own card's verification QR code (the member themself only).

    Raises ForbiddenError/NotFoundError (not the caller's member, no card) or ConflictError
    CARD_NOT_RENDERED before the first card is rendered. One KMS Sign per call."""
    member_changes.own_member(principal, member_id)
    try:
        state = CardState.get(keys.member_pk(member_id), keys.CARD_SK, consistent_read=True)
    except CardState.DoesNotExist as error:
        raise NotFoundError("CARD_NOT_FOUND", "该团员尚无团员证", "member_id") from error
    version = int(state.rendered_version or 0)
    if version == 0:
        raise NOT_RENDERED
    claims = card_token.CardClaims(member_id, state.card_number, version, clock.now().replace(microsecond=0))
    url = service.verify_url(card_token.encode(claims, signing.sign(claims.payload())))
    return CardQr(verify_url=url, modules=modules_of(url), card_number=state.card_number, content_version=version)
