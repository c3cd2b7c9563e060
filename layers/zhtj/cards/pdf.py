"""The member card as a print-ready PDF (CARD-1): A4 pages with the identity and the histories,
then a wallet-size page (ID-1, 85.6 x 54 mm) to cut out, both with the verification QR code.

Chinese text is set in Noto Sans SC (layers/zhtj/fonts, SIL OFL), a TrueType (glyf) cut of it,
which fpdf2 embeds as a subset of the glyphs used: every viewer shows the same glyphs and the
text stays extractable (a ToUnicode map). The QR code is drawn as vector rectangles, so the
page needs no image and stays a few tens of KB.

Every page carries a footer with the card number and "第 n 页 / 共 m 页" (m counts the wallet
page too: it is what the printer prints), so a loose page is known to belong to this card.
Text is broken into lines here (`wrap`), not by fpdf2, which breaks a line without spaces
at any character, splitting "测试社区10243团支部" inside its number; so the tables are set
line by line here too (`_table`), each row as tall as its tallest cell.

The font is parsed once per process (`add_card_font`; fpdf2 parses it for every document) and
subset once per card, when the card is written.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable
from datetime import datetime
from io import BytesIO
from pathlib import Path

import msgspec
import qrcode  # type: ignore[import-untyped]
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont
from qrcode.constants import ERROR_CORRECT_M  # type: ignore[import-untyped]

from zhtj.cards.content import CardContent, Section
from zhtj.core import heap
from zhtj.members.rules import MemberState
from zhtj.timers.workdays import CHINA_TZ

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Regular.ttf"
FONT = "NotoSansSC"
WALLET = (85.6, 54.0)  # ISO/IEC 7810 ID-1, mm
MARGIN = 15.0
RED = (196, 30, 36)
GREY = (90, 90, 90)
STATE_NAMES: dict[str, str] = {MemberState.NORMAL: "正常"}  # other states show as stored
# Relative column widths of the sections that need them (the rest share the page evenly).
WIDTHS = {"transfers": (18, 40, 40, 14), "awards": (18, 12, 40, 30), "volunteer": (18, 50, 14)}
CELL_PADDING = 0.6
# What `wrap` leaves between a line and its cell's edge: fpdf2 breaks a line again wherever it
# measures it wider than the cell, and its sums of glyph widths round differently from ours.
WRAP_SLACK = 0.05

# One unbreakable unit of a line: a run of digits and Latin letters, with the marks that join
# them inside a number or a code (10243, 2021, 01JB-ENCH, 3.5, 2024-03-01), a run of spaces,
# or any other single character (a Han character may end a line anywhere).
_ALNUM = "0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
_UNIT = re.compile(rf"[{_ALNUM}](?:[{_ALNUM}./:_-]*[{_ALNUM}])?| +|.", re.DOTALL)
# Chinese line-breaking rules (禁则): these never begin a line, those never end one.
NO_LINE_START = frozenset("，。、；：？！）》」』】〉〕”’…—·%,.;:?!)]}")
NO_LINE_END = frozenset("（《「『【〈〔“‘([{")


class Issue(msgspec.Struct, frozen=True):
    """What the renderer is given besides the content: the signed token's URL and when it was issued."""

    verify_url: str
    issued_at: datetime
    photo: bytes | None = None


class _CardPdf(FPDF):
    def __init__(self, content: CardContent, issue: Issue) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.content = content
        self.issue = issue
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=18)
        add_card_font(self)
        self.set_title(f"团员证 {content.card_number}")
        self.set_author("智慧团建")
        self.set_creator("zhtj")
        self.set_lang("zh-CN")
        self.alias_nb_pages()
        self.wallet = False
        # The one code of the card, drawn twice (the A4 page, the wallet page): made once.
        self.qr = qr_matrix(issue.verify_url)

    def footer(self) -> None:
        """fpdf2 calls this as each page closes: the wallet page's own small line, every A4
        page's centred one. `wallet` is set once the wallet page is open, so the A4 page
        before it still closes with the A4 footer."""
        page = f"第 {self.page_no()} 页 / 共 {{nb}} 页"
        version = f"内容版本 {self.content.content_version}"
        self.set_text_color(*GREY)
        if self.wallet:
            self.set_xy(3, WALLET[1] - 5)
            self.set_font(FONT, size=5)
            self.cell(WALLET[0] - 6, 3, f"{version} · 扫码核验是否为现行有效证件 · {page}", align="L")
        else:
            self.set_y(-13)
            self.set_font(FONT, size=7.5)
            issued = self.issue.issued_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
            self.cell(
                0,
                4,
                f"团员证号 {self.content.card_number} · {version} · 签发 {issued} · {page}",
                align="C",
            )
        self.set_text_color(0, 0, 0)

    def text_cell(self, w: float, h: float, text: str) -> None:
        """A multi_cell (0: to the right margin) with the lines broken by `wrap`; the next
        line starts at the left margin."""
        inner = (w or self.w - self.r_margin - self.x) - 2 * self.c_margin
        self.multi_cell(w, h, wrap(text, inner - WRAP_SLACK, self.get_string_width), new_x="LMARGIN", new_y="NEXT")


def units(text: str) -> list[str]:
    """`text` cut where a line may break, each piece kept whole on a line."""
    pieces: list[str] = []
    glue = False
    for match in _UNIT.finditer(text):
        piece = match.group()
        if pieces and not piece.isspace() and (glue or piece[0] in NO_LINE_START):
            pieces[-1] += piece
        else:
            pieces.append(piece)
        glue = piece[-1] in NO_LINE_END
    return pieces


def wrap(text: str, width: float, measure: Callable[[str], float]) -> str:
    """`text` with a newline wherever a line must break to fit `width` (as `measure` sizes
    text): between Han characters or at a space, never inside a run of digits and Latin
    letters nor before a closing mark. A piece wider than a whole line (a long number in a
    narrow cell) is the one thing broken by character, as nothing else would fit."""
    if "\n" not in text and measure(text) <= width:
        return text
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, line_width = "", 0.0
        for piece in units(paragraph):
            piece_width = measure(piece)
            if line and line_width + piece_width > width:
                lines.append(line.rstrip())
                line, line_width = "", 0.0
                if piece.isspace():
                    continue
            line, line_width = line + piece, line_width + piece_width
            while line_width > width and len(line) > 1:
                cut = next((n for n in range(len(line) - 1, 1, -1) if measure(line[:n]) <= width), 1)
                lines.append(line[:cut])
                line = line[cut:]
                line_width = measure(line)
        lines.append(line.rstrip())
    return "\n".join(lines)


# The font parsed once per process: fpdf2's add_font reads the 6.8 MB file's character map and
# the widths of its ~30,000 glyphs on every document (about 200 ms, most of a card's render).
_parsed: TTFFont | None = None
_parsed_glyph_order: list[str] = []
_font_bytes = b""
_parsing = threading.Lock()


def _parsed_font() -> TTFFont:
    global _parsed, _parsed_glyph_order, _font_bytes
    with _parsing:
        if _parsed is None:
            font = TTFFont(FPDF(), FONT_PATH, FONT.lower(), "")
            _parsed_glyph_order = list(font.ttfont.getGlyphOrder())
            _font_bytes = FONT_PATH.read_bytes()
            _parsed = font
            # What the process holds now (the modules, the parsed font) stays for its life:
            # out of the garbage collector's walks (they took about half of a warm render).
            heap.keep_loaded("card font")
        return _parsed


def add_card_font(pdf: FPDF) -> None:
    """What `pdf.add_font(FONT, "", FONT_PATH)` does, with the font parsed once per process:
    the document gets the parsed maps and metrics (read-only here) and its own state: its font
    number, the glyphs it uses (its subset) and a font to subset (read from the file's bytes,
    kept in memory), which fpdf2 cuts down in place when it writes the document (the glyph
    order given, so that it is not rebuilt from the character map)."""
    font = copy.copy(_parsed_font())
    font.i = len(pdf.fonts) + 1
    font.biggest_size_pt = 0
    font.missing_glyphs = []
    font.ttfont = ttLib.TTFont(BytesIO(_font_bytes), recalcTimestamp=False, lazy=True)
    font.ttfont.setGlyphOrder(list(_parsed_glyph_order))
    font.subset = SubsetMap(font)
    pdf.fonts[font.fontkey] = font


def qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def draw_qr(pdf: FPDF, matrix: tuple[tuple[bool, ...], ...], x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles, one per horizontal run of dark modules, with a quiet
    zone of white around it (the scanner needs it even on a coloured page)."""
    modules = len(matrix)
    cell = size / (modules + 8)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    origin_x, origin_y = x + 4 * cell, y + 4 * cell
    for row_index, row in enumerate(matrix):
        column = 0
        while column < modules:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < modules and row[column]:
                column += 1
            pdf.rect(origin_x + start * cell, origin_y + row_index * cell, (column - start) * cell, cell, style="F")


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > pdf.h - 45:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, size=11.5)
    pdf.set_text_color(*RED)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*RED)
    pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(1.5)


def _section(pdf: _CardPdf, section: Section) -> None:
    _heading(pdf, section.title)
    pdf.set_font(FONT, size=9)
    if section.summary:
        pdf.text_cell(0, 5.5, section.summary)
    if not section.rows:
        return
    columns, rows = section.columns, list(section.rows)
    if section.key == "dues":
        # Three months to a line: ten years of dues fit on about one page.
        per_line = 3
        columns = columns * per_line
        padded = rows + [("",) * len(section.columns)] * (-len(rows) % per_line)
        rows = [
            tuple(value for part in padded[i : i + per_line] for value in part) for i in range(0, len(padded), per_line)
        ]
    _table(pdf, columns, rows, WIDTHS.get(section.key) or (1,) * len(columns))


LINE_HEIGHT = 4.6
HEADING_FILL = (246, 240, 240)


def _table(pdf: _CardPdf, columns: tuple[str, ...], rows: list[tuple[str, ...]], weights: tuple[int, ...]) -> None:
    """A section's table, set line by line: its text is broken into lines here (`wrap`), so
    each row is as tall as its tallest cell and each line one centred cell (fpdf2's table
    measured every cell twice, most of a long card's render). The shaded heading row starts
    the table and every page it runs onto, with a line under it."""
    widths = [pdf.epw * weight / sum(weights) for weight in weights]
    # The text width of each column: the cell less its padding (and the slack `wrap` leaves).
    text_widths = [width - 2 * CELL_PADDING - WRAP_SLACK for width in widths]

    def lines(values: tuple[str, ...]) -> list[list[str]]:
        wrapped = zip(values, text_widths, strict=True)
        return [wrap(value, width, pdf.get_string_width).split("\n") for value, width in wrapped]

    def height(cells: list[list[str]]) -> float:
        return max(len(cell) for cell in cells) * LINE_HEIGHT + 2 * CELL_PADDING

    def draw(cells: list[list[str]], heading: bool) -> None:
        top, tall = pdf.get_y(), height(cells)
        if heading:
            pdf.set_fill_color(*HEADING_FILL)
            pdf.rect(pdf.l_margin, top, pdf.epw, tall, style="F")
            pdf.set_text_color(*GREY)
        x = pdf.l_margin
        for cell, width in zip(cells, widths, strict=True):
            for n, line in enumerate(cell):
                pdf.set_xy(x, top + CELL_PADDING + n * LINE_HEIGHT)
                pdf.cell(width, LINE_HEIGHT, line, align="C")
            x += width
        if heading:
            pdf.set_text_color(0, 0, 0)
            pdf.line(pdf.l_margin, top + tall, pdf.l_margin + pdf.epw, top + tall)
        pdf.set_xy(pdf.l_margin, top + tall)

    heading = lines(columns)
    draw(heading, heading=True)
    for values in rows:
        cells = lines(values)
        if pdf.get_y() + height(cells) > pdf.page_break_trigger:
            pdf.add_page()
            draw(heading, heading=True)
        draw(cells, heading=False)


def _identity_page(pdf: _CardPdf) -> None:
    content = pdf.content
    pdf.add_page()
    pdf.set_font(FONT, size=10)
    pdf.set_text_color(*RED)
    pdf.cell(0, 6, "中国共产主义青年团", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=20)
    pdf.cell(0, 11, "团 员 证", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, size=9)
    pdf.cell(0, 5, f"团员证号：{content.card_number}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    top = pdf.get_y()
    qr_size = 38.0
    photo_w, photo_h = 26.0, 35.0
    right = pdf.w - MARGIN
    draw_qr(pdf, pdf.qr, right - qr_size, top, qr_size)
    pdf.set_xy(right - qr_size, top + qr_size + 0.5)
    pdf.set_font(FONT, size=7)
    pdf.cell(qr_size, 4, "扫码核验真伪", align="C")
    if pdf.issue.photo is not None:
        pdf.image(BytesIO(pdf.issue.photo), x=right - qr_size - photo_w - 6, y=top, w=photo_w, h=photo_h)
    rows: list[tuple[str, str]] = [
        ("姓名", content.name),
        ("公民身份号码", content.id_masked),
        *content.identity,
        ("入团年月", content.join_month or ""),
        ("团员编号", content.development_number or ""),
        ("所在团组织", content.branch_name),
        ("团籍状态", STATE_NAMES.get(content.state, content.state)),
    ]
    beside = qr_size + 6 + (photo_w + 6 if pdf.issue.photo is not None else 0)
    label_w = 28.0
    value_w = pdf.w - 2 * MARGIN - beside - label_w
    pdf.set_y(top)
    for label, value in rows:
        pdf.set_x(MARGIN)
        pdf.set_font(FONT, size=9)
        pdf.set_text_color(*GREY)
        pdf.cell(label_w, 6.5, label)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, size=10.5)
        pdf.text_cell(value_w, 6.5, value or "—")  # a blank reads as an omission
    pdf.set_y(max(pdf.get_y(), top + qr_size + 6))


def _wallet_page(pdf: _CardPdf) -> None:
    """The cut-out card: name, card number, branch, admission, and the same QR code."""
    content = pdf.content
    width, height = WALLET
    pdf.set_auto_page_break(False)
    pdf.add_page(format=(height, width), orientation="L")  # fpdf2 takes the portrait size, then turns it
    pdf.wallet = True
    pdf.set_fill_color(*RED)
    pdf.rect(0, 0, width, 9, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(FONT, size=9)
    pdf.set_xy(3, 1.5)
    pdf.cell(width - 6, 6, "中国共产主义青年团 团员证", align="L")
    pdf.set_text_color(0, 0, 0)
    qr = 30.0
    draw_qr(pdf, pdf.qr, width - qr - 2.5, 12, qr)
    pdf.set_xy(3, 12)
    pdf.set_font(FONT, size=12)
    pdf.cell(48, 7, content.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=6.5)
    for line in (
        f"团员证号 {content.card_number}",
        f"入团年月 {content.join_month or ''}",
        f"团员编号 {content.development_number or ''}",
    ):
        pdf.set_x(3)
        pdf.cell(48, 4, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(3)
    pdf.text_cell(48, 3.4, content.branch_name)


def render(content: CardContent, issue: Issue) -> bytes:
    """The card's PDF bytes."""
    pdf = _CardPdf(content, issue)
    _identity_page(pdf)
    for section in content.sections:
        _section(pdf, section)
    _wallet_page(pdf)
    return bytes(pdf.output())


def minimal(text: str = "团员证") -> bytes:
    """The floor the benchmark compares with: one A4 page, one line, the same font."""
    pdf = FPDF(unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONT_PATH))
    pdf.add_page()
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())
