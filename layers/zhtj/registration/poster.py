"""A branch's registration QR poster (报到二维码, WEB-2): a QR code of the members' app link
`<app origin>/m/join/<branch_id>` with the branch's name in Chinese, as a PNG (to show or send)
or an A4 PDF poster (to print and put up). Members scan it, sign up and register to that
branch (REG-1).

The poster depends only on the link and the branch's names, so it is kept in the documents
bucket under a key derived from them (`posters/<branch>/<digest>.<format>`): the first request
renders and stores it, later ones only sign a download link; a renamed branch, or another app
origin, makes a new key. The PDF is set in the member card's font (cards.pdf, Noto Sans SC,
embedded as a subset) with the QR code drawn as vectors; the PNG is drawn with Pillow (which
fpdf2 depends on) in the same font.
"""

from __future__ import annotations

import hashlib
from io import BytesIO
from typing import TYPE_CHECKING, Literal

import msgspec

from zhtj.core.errors import RuleViolation
from zhtj.core.settings import app_origin
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgStatus, OrgType
from zhtj.signin.tokens import Principal
from zhtj.table import storage

if TYPE_CHECKING:
    from fpdf import FPDF

Format = Literal["png", "pdf"]
CONTENT_TYPES: dict[str, str] = {"png": "image/png", "pdf": "application/pdf"}
TITLE = "扫码报到"
HINT = "请用微信或手机浏览器扫描二维码，注册后报到本团支部"
NOT_A_BRANCH = RuleViolation("ORG-4", "只有团支部有报到二维码（团员只属于团支部）", "org_id")
NOT_ACTIVE = RuleViolation("ORG-6", "该团支部已撤销", "org_id")
PNG_SIZE = (1240, 1754)  # A4 at 150 dpi: the same layout as the PDF


class Poster(msgspec.Struct, frozen=True):
    url: str
    file_name: str
    join_url: str


def join_url(branch_id: str) -> str:
    """The members' app's registration page of a branch."""
    return f"{app_origin()}/m/join/{branch_id}"


def poster(principal: Principal, org_id: str, fmt: Format) -> Poster:
    """The branch's poster as a download link, for an operator of the branch or above it."""
    branch = get_org(org_id)
    authorize(principal, "org.join_poster", branch)
    if branch.org_type != OrgType.BRANCH or branch.system:
        raise NOT_A_BRANCH
    if branch.status != OrgStatus.ACTIVE:
        raise NOT_ACTIVE
    link = join_url(branch.org_id)
    digest = hashlib.sha256("\n".join((link, branch.short_name, branch.full_name)).encode()).hexdigest()[:16]
    key = f"posters/{branch.org_id}/{digest}.{fmt}"
    if not storage.exists("documents", key):
        data = render_pdf(branch, link) if fmt == "pdf" else render_png(branch, link)
        storage.put_bytes("documents", key, data, CONTENT_TYPES[fmt])
    name = f"{branch.short_name}报到二维码.{fmt}"
    return Poster(storage.download_url("documents", key, name), name, link)


def render_pdf(branch: Org, link: str) -> bytes:
    """An A4 portrait poster: the title, the branch's short and full names, the QR code, the link."""
    # Imported here, not at the top: for cold-start cost, not to dodge a cycle (as cards.service
    # does): the PDF library and its font tools are half of the API's cold import.
    from fpdf import FPDF

    from zhtj.cards import pdf as card_pdf

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    card_pdf.add_card_font(pdf)
    pdf.add_page()
    pdf.set_text_color(*card_pdf.RED)
    pdf.set_font(card_pdf.FONT, size=40)
    pdf.set_y(30)
    pdf.cell(0, 18, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(card_pdf.FONT, size=_fit(pdf, branch.short_name, 24, pdf.w - 30))
    pdf.ln(6)
    pdf.cell(0, 12, branch.short_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(card_pdf.FONT, size=_fit(pdf, branch.full_name, 13, pdf.w - 30))
    pdf.set_text_color(*card_pdf.GREY)
    pdf.cell(0, 8, branch.full_name, align="C", new_x="LMARGIN", new_y="NEXT")
    size = 130.0
    card_pdf.draw_qr(pdf, card_pdf.qr_matrix(link), (pdf.w - size) / 2, 95, size)
    pdf.set_y(95 + size + 10)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(card_pdf.FONT, size=13)
    pdf.cell(0, 8, HINT, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(card_pdf.FONT, size=_fit(pdf, link, 10, pdf.w - 30))
    pdf.set_text_color(*card_pdf.GREY)
    pdf.cell(0, 7, link, align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _fit(pdf: FPDF, text: str, size: float, width: float) -> float:
    """The largest font size up to `size` at which `text` fits in `width` mm on one line."""
    pdf.set_font_size(size)
    measured = pdf.get_string_width(text)
    return size if measured <= width else max(6.0, size * width / measured)


def render_png(branch: Org, link: str) -> bytes:
    """The same poster as an A4 image at 150 dpi."""
    from PIL import Image, ImageDraw, ImageFont

    from zhtj.cards import pdf as card_pdf

    width = PNG_SIZE[0]
    image = Image.new("RGB", PNG_SIZE, "white")
    draw = ImageDraw.Draw(image)

    def line(text: str, y: int, size: int, colour: tuple[int, int, int]) -> None:
        font = ImageFont.truetype(str(card_pdf.FONT_PATH), size)
        while draw.textlength(text, font=font) > width - 160 and size > 12:
            size -= 2
            font = ImageFont.truetype(str(card_pdf.FONT_PATH), size)
        draw.text((width / 2, y), text, fill=colour, font=font, anchor="mm")

    line(TITLE, 230, 110, card_pdf.RED)
    line(branch.short_name, 380, 66, (0, 0, 0))
    line(branch.full_name, 470, 36, card_pdf.GREY)
    matrix = card_pdf.qr_matrix(link)
    modules = len(matrix) + 8  # with the quiet zone
    cell = 760 // modules
    side = cell * modules
    left, top = (width - side) // 2, 560
    for row_index, row in enumerate(matrix):
        for column, dark in enumerate(row):
            if dark:
                x, y = left + (column + 4) * cell, top + (row_index + 4) * cell
                draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill="black")
    line(HINT, top + side + 70, 36, (0, 0, 0))
    line(link, top + side + 140, 28, card_pdf.GREY)
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
