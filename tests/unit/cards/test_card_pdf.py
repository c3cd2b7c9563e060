"""The member card's PDF (CARD-1, CARD-2: printed as proof of membership): every page says whose
card it is and which page of how many, and a name breaks across lines only where Chinese text
may break, never inside a number. Pure: the renderer and its font, no AWS."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime

import pypdfium2
import pytest

from zhtj.cards import pdf as card_pdf
from zhtj.cards.content import CardContent, Section

ISSUE = card_pdf.Issue("http://127.0.0.1:8000/cards/verify?token=t", datetime(2026, 1, 1, tzinfo=UTC))
NUMBERED = "中国共产主义青年团测试社区10243团支部委员会"


def content(branch_name: str = NUMBERED, sections: list[Section] | None = None) -> CardContent:
    return CardContent(
        member_id="m01jtest",
        card_number="01JT-EST0-0000-0001",
        content_version=7,
        name="欧阳晓明",
        id_masked="4401**********123X",
        branch_name=branch_name,
        join_month="2018-05",
        development_number="201844010001",
        state="NORMAL",
        identity=[("性别", "女")],
        photo_key=None,
        sections=sections or [],
    )


def pages(card: CardContent) -> list[str]:
    document = pypdfium2.PdfDocument(card_pdf.render(card, ISSUE))
    return [document[i].get_textpage().get_text_range().replace("\r\n", "\n") for i in range(len(document))]


def broken_numbers(lines: list[str]) -> list[tuple[str, str]]:
    """Successive lines where a line ends with a digit and the next begins with one."""
    return [(a, b) for a, b in itertools.pairwise(lines) if a[-1:].isdigit() and b[:1].isdigit()]


def one_per_character(text: str) -> float:
    """A measure where every character is one unit wide: a cell `n` wide holds n characters."""
    return float(len(text))


# --- Line breaking ------------------------------------------------------------------------------


def test_card_1_a_number_in_a_name_is_one_unbreakable_word() -> None:
    # Given a branch name with a number, in a cell six characters wide
    # When it is wrapped
    lines = card_pdf.wrap("测试社区10243团支部", 6, one_per_character).split("\n")
    # Then the line breaks before the number rather than inside it, and between Han characters
    assert lines == ["测试社区", "10243团", "支部"]


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("中山大学2021级3班团支部", 5, ["中山大学", "2021级", "3班团支部"]),
        ("团员编号 201844010001 已注册", 12, ["团员编号", "201844010001", "已注册"]),  # at spaces, the spaces dropped
        # No line opens with ）or ， nor ends with （
        ("累计志愿服务（3.5小时），合格", 8, ["累计志愿服务", "（3.5小时），", "合格"]),
        # Wider than a whole line: the one case cut by character
        ("编号12345678901234567890", 8, ["编号", "12345678", "90123456", "7890"]),
        ("短名称", 8, ["短名称"]),
    ],
)
def test_card_1_lines_break_between_han_characters_and_at_spaces_only(
    text: str, width: int, expected: list[str]
) -> None:
    # Given a text and a cell `width` characters wide; When it is wrapped; Then these lines
    assert card_pdf.wrap(text, width, one_per_character).split("\n") == expected


def test_card_1_a_long_branch_name_in_the_narrow_wallet_cell_keeps_every_number_whole() -> None:
    # Given long branch names with numbers, shifted one character at a time so that a line of
    # the wallet card's narrow cell (and of the A4 page's) ends at each place in the numbers
    for shift in range(12):
        name = "共青团" + "华" * shift + "测试社区10243团支部委员会第2021届1班直属团支部"
        # When the card is rendered
        text = "\n".join(pages(content(name)))
        # Then each number is read whole, and the name is all there once the line breaks are joined
        lines = text.split("\n")
        for number in ("10243", "2021", "1"):
            assert any(re.search(rf"(?<!\d){number}(?!\d)", line) for line in lines), (shift, number, lines)
        assert broken_numbers(lines) == [], shift
        assert name in text.replace("\n", ""), shift


def test_card_1_a_long_name_in_a_table_cell_keeps_its_number_whole() -> None:
    # Given a transfer between branches whose names are long and numbered
    source = "广东省广州市天河区华景街道华景社区第10243团支部委员会"
    target = "中山大学计算机学院2021级10243班团支部（数据科学与大数据技术）"
    columns = ("日期", "转出", "转入", "类型")
    transfers = Section("transfers", "组织关系转接", columns, [("2024-03-01", source, target, "省内转接")])
    # When the card is rendered
    lines = pages(content("华景社区团支部", [transfers]))[0].split("\n")
    # Then no line of the table ends inside a number, and each number is on one line
    assert broken_numbers(lines) == []
    assert sum("10243" in line for line in lines) == 2 and any("2021" in line for line in lines)


# --- The footer -----------------------------------------------------------------------------------


@pytest.mark.parametrize("months", [0, 120])
def test_card_2_every_page_names_the_card_and_its_page_of_all(months: int) -> None:
    # Given a card of one A4 page, and one of ten years of dues month by month (several pages)
    rows = [(f"{2016 + m // 12}-{m % 12 + 1:02d}", "0.20", "2024-03-01") for m in range(months)]
    dues = [Section("dues", "团费交纳", ("月份", "金额（元）", "交纳日期"), rows)] if rows else []
    # When it is rendered
    texts = pages(content(sections=dues))
    # Then every page, the last A4 page and the wallet card included, says whose card it is and
    # which page of how many it is
    total = len(texts)
    assert total >= (3 if months else 2)
    for number, text in enumerate(texts, start=1):
        assert f"第 {number} 页 / 共 {total} 页" in text, (number, text[-200:])
        assert "01JT-EST0-0000-0001" in text, number
