"""The bulk-entry (批量录入 = import) template: IMPORT-1. Pure: bytes out, no I/O.

The columns are the member fields of the Henan import template (seed 002 annex §4.3, REG-1):
姓名, 身份证号码, 民族, 政治面貌, 入团年月, 是否团干部 and 所在团支部 required, the rest
optional. `build_template` writes the xlsx handed to organisations; imports/upload.py reads an
uploaded one and imports/report_sheet.py writes the per-row result.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from zhtj.members.codes import ETHNICITIES, POLITICAL_STATUSES
from zhtj.registration.rules import IdentityProof, IncomeBand

DATA_SHEET = "团员信息"
GUIDE_SHEET = "填写说明"
LISTS_SHEET = "代码表"
HEADER_ROW = 1
FIRST_DATA_ROW = 2
# Rows a template's validation lists cover, and the most data rows one file may carry.
MAX_ROWS = 50_000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Bumped whenever the template's layout or notes change (it names the stored template object).
TEMPLATE_VERSION = "2"

YES, NO = "是", "否"

IDENTITY_PROOF_LABELS: Final = {
    IdentityProof.APPLICATION_FORM: "入团志愿书",
    IdentityProof.CARD_2017_2018: "团员证（2017或2018年度注册）",
    IdentityProof.TRANSFER_LETTER: "组织关系介绍信（盖章）",
}
INCOME_BAND_LABELS: Final = {
    IncomeBand.STUDENT: "学生",
    IncomeBand.UNEMPLOYED: "无业",
    IncomeBand.RELIEF: "享受救济或最低生活保障",
    IncomeBand.FARMER: "农民",
    IncomeBand.BELOW_2000: "月收入2000元以下",
    IncomeBand.FROM_2000: "月收入2000元及以上",
}


@dataclass(frozen=True)
class Column:
    """One column of the template: the registration field it fills (REG-1) and how to fill it."""

    field: str  # the registration form's field (registration.form.FORM_ORDER)
    header: str
    required: bool
    note: str
    example: str
    width: int = 14
    choices: tuple[str, ...] = ()
    # The branch column: required only when a parent imports for its branches.
    strict_choices: bool = True


BRANCH_FIELD = "branch_id"
BRANCH_HEADER = "所在团支部"

COLUMNS: Final[tuple[Column, ...]] = (
    Column(
        "name",
        "姓名",
        True,
        "与身份证件一致，2至30个字：汉字，多段姓名用间隔号“·”分隔；港澳台居民居住证持有人可填拉丁字母（单词间一个空格）",
        "李晓明",
        10,
    ),
    Column(
        "id_number",
        "身份证号码",
        True,
        "18位居民身份证号码，按文本填写；出生日期和性别由号码得出",
        "440106200503011236",
        22,
    ),
    Column("ethnicity", "民族", True, "从下拉列表选择（56个民族）", "汉族", 10, tuple(ETHNICITIES.values())),
    Column("political_status", "政治面貌", True, "从下拉列表选择", "共青团员", 12, tuple(POLITICAL_STATUSES.values())),
    Column("join_month", "入团年月", True, "格式YYYY-MM，如2021-05；不能晚于当前月份", "2021-05", 10),
    Column("is_cadre", "是否团干部", True, "填“是”或“否”", NO, 10, (YES, NO)),
    Column(
        "development_number",
        "发展团员编号",
        False,
        "2017年1月1日以后入团的必须填写：团中央发展团员编号，12位，前四位为入团年份",
        "202144010001",
        16,
    ),
    Column(
        "identity_proof",
        "身份证明材料",
        False,
        "2017年以前入团的必须选择：入团志愿书、2017或2018年度注册的团员证、盖章的组织关系介绍信三者之一",
        IDENTITY_PROOF_LABELS[IdentityProof.APPLICATION_FORM],
        24,
        tuple(IDENTITY_PROOF_LABELS.values()),
    ),
    Column("education", "学历", False, "选填，不超过20个字", "本科", 10),
    Column("occupation", "职业", False, "选填，不超过30个字", "学生", 12),
    Column("income_band", "收入类别", False, "选填，团费按此计算", "学生", 18, tuple(INCOME_BAND_LABELS.values())),
    Column("phone", "手机号码", False, "选填，11位手机号码", "13800138000", 14),
    Column(
        BRANCH_FIELD,
        BRANCH_HEADER,
        True,
        "团支部导入本支部团员时可不填；上级组织导入下属团支部团员时填写直属团支部的代称或ID；"
        "团干部可填写本组织下级任一团支部的ID",
        "华景社区团支部",
        22,
        strict_choices=False,
    ),
)
COLUMN_BY_FIELD: Final = {c.field: c for c in COLUMNS}
# Column text is stored as typed: these are never numbers or dates in the sheet.
_TEXT_FIELDS = frozenset({"id_number", "join_month", "development_number", "phone", BRANCH_FIELD})
_ID_LIKE = re.compile(r"[0-9Xx]{8,}")


def header_of(field: str) -> str:
    """The Chinese column header of a field (what an importer sees), or the field itself."""
    column = COLUMN_BY_FIELD.get(field)
    return column.header if column else field


def normalize_header(value: Any) -> str:
    text = "" if value is None else str(value)
    text = re.sub(r"[（(].*?[）)]", "", text)
    return text.replace("*", "").replace(" ", "").replace("\u3000", "").strip()


# --- The template -------------------------------------------------------------------------------


def build_template(branch_choices: Sequence[str], for_branch: bool) -> bytes:
    """Take the aliases of the branches the importer enters members for and whether it is a
    branch itself; return the xlsx template (data sheet, guide sheet, hidden code lists)."""
    # Imported here, not at the top: for cold-start cost, not to dodge a cycle (openpyxl is a
    # library of ~60 ms that only writing the template needs; docs/architecture.md, "Cold starts").
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    lists = workbook.create_sheet(LISTS_SHEET)
    guide = workbook.create_sheet(GUIDE_SHEET)
    red, bold = Font(bold=True, color="C00000"), Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        required = column.required and not (column.field == BRANCH_FIELD and for_branch)
        cell = sheet.cell(row=HEADER_ROW, column=index, value=("*" if required else "") + column.header)
        cell.font, cell.fill = (red if required else bold), fill
        cell.alignment = Alignment(horizontal="center")
        sheet.column_dimensions[letter].width = column.width
        if column.field in _TEXT_FIELDS:
            # Text, so that Excel does not round an 18-digit ID number or turn 2021-05 into a date.
            sheet.column_dimensions[letter].number_format = "@"
        choices = branch_choices if column.field == BRANCH_FIELD else column.choices
        if choices:
            _add_list(sheet, lists, index, letter, column, choices)
    sheet.freeze_panes = "A2"
    lists.sheet_state = "hidden"
    guide.append(["列名", "是否必填", "填写要求", "示例"])
    for cell in guide[1]:
        cell.font = bold
    for column in COLUMNS:
        required = column.required and not (column.field == BRANCH_FIELD and for_branch)
        guide.append([column.header, YES if required else "选填", column.note, column.example])
    guide.append([])
    guide.append(["说明", "", "带*的列必须填写；每行一名团员；请勿修改第一行的列名。一个文件最多50000行。", ""])
    for letter, width in zip("ABCD", (16, 10, 80, 24), strict=True):
        guide.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _add_list(sheet: Any, lists: Any, index: int, letter: str, column: Column, choices: Sequence[str]) -> None:
    # The lists live on a hidden sheet: an inline list is limited to 255 characters.
    for row, choice in enumerate(choices, start=1):
        lists.cell(row=row, column=index, value=choice)
    source = f"'{LISTS_SHEET}'!${letter}$1:${letter}${len(choices)}"
    # Imported here for cold-start cost, as in build_template.
    from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

    validation = DataValidation(type="list", formula1=source, allow_blank=True)
    validation.error = f"请从下拉列表中选择{column.header}"
    validation.errorTitle = column.header
    # The branch column also takes an ID (a cadre's branch further below): warn, do not stop.
    validation.errorStyle = "stop" if column.strict_choices else "warning"
    validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{FIRST_DATA_ROW + MAX_ROWS - 1}")
    sheet.add_data_validation(validation)
