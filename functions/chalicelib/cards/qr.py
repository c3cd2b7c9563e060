"""The route of the card's verification QR code shown on the member's phone (CARD-2, WEB-1):
the code's modules and the address it holds, for the members' app to draw large."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib.http import api
from zhtj.cards import qr
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)


class CardQrOut(BaseModel):
    verify_url: str = Field(description="核验地址（二维码内容）：公开核验团员证真伪")
    modules: list[str] = Field(description="二维码逐行的模块，1为深色（纠错等级M，不含静区）")
    card_number: str
    content_version: int = Field(description="二维码核验的团员证版本（最近一次生成的）")


@api(
    bp,
    "/members/{member_id}/card/qr",
    "GET",
    summary="团员证核验二维码（本人出示）",
    response=CardQrOut,
    tag="团员证",
)
def card_qr(member_id: str, principal: Principal) -> BaseModel:
    issued = qr.issue(principal, member_id)
    return CardQrOut(
        verify_url=issued.verify_url,
        modules=issued.modules,
        card_number=issued.card_number,
        content_version=issued.content_version,
    )
