"""Routes of the member card (团员证, CARD-1/CARD-2): its state and download link, the member's
display preferences, and the public verification a QR code leads to. Thin: parse, call
logic, shape. The models live here: nothing else speaks them."""

from __future__ import annotations

from datetime import datetime

from chalice.app import Blueprint
from msgspec.structs import asdict
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import api
from zhtj.cards import service as cards
from zhtj.cards.content import OPTIONAL_FIELDS
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "团员证"


class CardPreferences(BaseModel):
    """What the card shows: optional fields to hide, dues month by month or one summary line,
    the reward ids to show (null: all rewards). Punishments in force always show."""

    model_config = ConfigDict(extra="forbid")
    hidden_fields: list[str] = Field(default_factory=list, max_length=len(OPTIONAL_FIELDS))
    dues_by_month: bool = True
    shown_awards: list[str] | None = Field(default=None, max_length=500)


class CardOut(BaseModel):
    member_id: str
    card_number: str
    content_version: int
    rendered_version: int
    state: str = Field(
        description="READY: the card of the current content can be downloaded; RENDERING: a newer card is on "
        "its way (a first card at once, a later one after a quiet period); download_url is then the previous "
        "card's, or null if there is none yet"
    )
    ready_by: datetime | None = Field(description="RENDERING: when the newer card's render is due")
    message: str = Field(description="the state in words, for the member")
    rendered_at: datetime | None
    size_bytes: int | None
    download_url: str | None = Field(description="presigned GET of exactly the rendered PDF, valid 5 minutes")
    verify_url: str | None = Field(
        default=None, description="what the rendered card's QR code holds (the app shows it large); null before"
    )
    preferences: CardPreferences


class VerifyQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=400)


class VerificationOut(BaseModel):
    state: str = Field(description="CURRENT | SUPERSEDED | REVOKED | INVALID")
    genuine: bool
    message: str
    name_masked: str | None
    branch_name: str | None
    card_number: str | None
    content_version: int | None
    issued_at: datetime | None


def _card(view: cards.CardView) -> CardOut:
    preferences = view.preferences
    return CardOut(
        member_id=view.member_id,
        card_number=view.card_number,
        content_version=view.content_version,
        rendered_version=view.rendered_version,
        state=view.state,
        ready_by=view.ready_by,
        message=view.message,
        rendered_at=view.rendered_at,
        size_bytes=view.size_bytes,
        download_url=view.download_url,
        verify_url=view.verify_url,
        preferences=CardPreferences(
            hidden_fields=sorted(preferences.hidden_fields),
            dues_by_month=preferences.dues_by_month,
            shown_awards=None if preferences.shown_awards is None else sorted(preferences.shown_awards),
        ),
    )


@api(bp, "/members/{member_id}/card", "GET", summary="团员证（本人或上级组织下载）", response=CardOut, tag=TAG)
def card(member_id: str, principal: Principal) -> BaseModel:
    return _card(cards.read(principal, member_id))


@api(
    bp,
    "/members/{member_id}/card/preferences",
    "PUT",
    summary="团员证显示设置（本人）",
    body=CardPreferences,
    response=CardOut,
    tag=TAG,
)
def preferences(member_id: str, principal: Principal, body: CardPreferences) -> BaseModel:
    view = cards.set_preferences(principal, member_id, body.hidden_fields, body.dues_by_month, body.shown_awards)
    return _card(view)


@api(
    bp,
    "/cards/verify",
    "GET",
    summary="核验团员证真伪（公开）",
    query=VerifyQuery,
    response=VerificationOut,
    public=True,
    tag=TAG,
)
def verify(query: VerifyQuery) -> BaseModel:
    result = cards.verify(query.token)
    return VerificationOut(**asdict(result))
