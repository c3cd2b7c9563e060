"""The bulk-entry (批量录入 = import) spreadsheet: IMPORT-1..2. Pure: bytes in, bytes out, no I/O.

The columns are the member fields of the Henan import template (seed 002 annex §4.3, REG-1):
姓名, 身份证号码, 民族, 政治面貌, 入团年月, 是否团干部 and 所在团支部 required, the rest
optional. `build_template` writes the xlsx handed to organisations, `scan` and `read_chunk`
read an uploaded one (openpyxl read-only: a row at a time, never the whole sheet in memory),
`parse_row` maps a row's cells to the fields of the registration form (what
registration.rules.read_form takes), and `build_report` writes the per-row result.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, Final

from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

from zhtj.core.errors import ValidationError
from zhtj.core.identity import MASK_KEEPS, mask_id_number, normalize_id_number, remask
from zhtj.members.codes import ETHNICITIES, POLITICAL_STATUSES
from zhtj.registration.rules import IdentityProof, IncomeBand

DATA_SHEET = "团员信息"
GUIDE_SHEET = "填写说明"
LISTS_SHEET = "代码表"
REPORT_SHEET = "导入结果"
SUMMARY_SHEET = "汇总"
HEADER_ROW = 1
FIRST_DATA_ROW = 2
# Rows a template's validation lists cover, and the most data rows one file may carry.
MAX_ROWS = 50_000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Bumped whenever the template's layout or notes change (it names the stored template object).
TEMPLATE_VERSION = "2"

YES, NO = "是", "否"
_TRUE = frozenset({YES, "Y", "YES", "TRUE", "1"})
_FALSE = frozenset({NO, "N", "NO", "FALSE", "0"})

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

    field: str  # the registration form's field (registration.rules.FORM_ORDER)
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
_LOOSE_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")


def header_of(field: str) -> str:
    """The Chinese column header of a field (what an importer sees), or the field itself."""
    column = COLUMN_BY_FIELD.get(field)
    return column.header if column else field


def _normalize_header(value: Any) -> str:
    text = "" if value is None else str(value)
    text = re.sub(r"[（(].*?[）)]", "", text)
    return text.replace("*", "").replace(" ", "").replace("\u3000", "").strip()


# --- The template -------------------------------------------------------------------------------


def build_template(branch_choices: Sequence[str], for_branch: bool) -> bytes:
    """Take the aliases of the branches the importer enters members for and whether it is a
    branch itself; return the xlsx template (data sheet, guide sheet, hidden code lists)."""
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
    validation = DataValidation(type="list", formula1=source, allow_blank=True)
    validation.error = f"请从下拉列表中选择{column.header}"
    validation.errorTitle = column.header
    # The branch column also takes an ID (a cadre's branch further below): warn, do not stop.
    validation.errorStyle = "stop" if column.strict_choices else "warning"
    validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{FIRST_DATA_ROW + MAX_ROWS - 1}")
    sheet.add_data_validation(validation)


# --- Reading an uploaded file -------------------------------------------------------------------

FILE_FORMAT = ValidationError("IMPORT_FILE_FORMAT", "文件不是有效的xlsx工作簿，请使用导入模板", "file")
EMPTY = ValidationError("IMPORT_EMPTY", "文件中没有团员数据", "file")
TOO_MANY = ValidationError("IMPORT_TOO_MANY_ROWS", f"一个文件最多{MAX_ROWS}行团员数据，请分批导入", "file")


@dataclass(frozen=True)
class Scan:
    """What a first pass over an uploaded file found: where each field's column is, how many
    data rows it has and the last one's row number."""

    columns: dict[str, int]
    rows: int
    last_row: int


def _open(data: bytes) -> tuple[Any, Any]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise FILE_FORMAT from error
    sheet = workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]
    # Some writers record a wrong sheet size; read what is there.
    sheet.reset_dimensions()
    return workbook, sheet


def _columns(header: Sequence[Any]) -> dict[str, int]:
    """Raises ValidationError IMPORT_HEADER naming a missing required column."""
    found = {_normalize_header(value): index for index, value in enumerate(header)}
    columns = {c.field: found[c.header] for c in COLUMNS if c.header in found}
    for column in COLUMNS:
        if column.field not in columns and (column.required and column.field != BRANCH_FIELD):
            raise ValidationError("IMPORT_HEADER", f"缺少“{column.header}”列，请使用导入模板", "file")
    return columns


def _blank(values: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def scan(data: bytes) -> Scan:
    """A pass over the whole file: the header and the data rows' count. Raises ValidationError
    (IMPORT_FILE_FORMAT, IMPORT_HEADER, IMPORT_EMPTY, IMPORT_TOO_MANY_ROWS)."""
    workbook, sheet = _open(data)
    try:
        rows = sheet.iter_rows(min_row=HEADER_ROW, values_only=True)
        columns = _columns(next(rows, ()))
        count, last = 0, 0
        for number, values in enumerate(rows, start=FIRST_DATA_ROW):
            if not _blank(values):
                count, last = count + 1, number
            # Blank rows count too: a sheet of a million empty formatted rows is not read to the end.
            if count > MAX_ROWS or number > 2 * MAX_ROWS:
                raise TOO_MANY
    finally:
        workbook.close()
    if count == 0:
        raise EMPTY
    return Scan(columns=columns, rows=count, last_row=last)


def read_chunk(data: bytes, first: int, last: int) -> tuple[dict[str, int], list[tuple[int, tuple[Any, ...]]]]:
    """The header's columns and the non-blank rows numbered first..last (sheet row numbers).
    Raises ValidationError as `scan` does for the file and its header."""
    workbook, sheet = _open(data)
    try:
        rows = sheet.iter_rows(min_row=HEADER_ROW, max_row=last, values_only=True)
        columns = _columns(next(rows, ()))
        found = []
        for number, values in enumerate(rows, start=FIRST_DATA_ROW):
            if number >= first and not _blank(values):
                found.append((number, tuple(values)))
    finally:
        workbook.close()
    return columns, found


# --- A row -> the fields of a registration ----------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    """A row mapped to the registration form's fields (without branch_id),
    the branch it names (None: the importer's own), and what the report shows of it."""

    fields: dict[str, Any]
    branch_ref: str | None


def _text(value: Any) -> str:
    """A cell as text: whole numbers without ".0", dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _cell(values: Sequence[Any], columns: dict[str, int], field: str) -> Any:
    index = columns.get(field)
    return values[index] if index is not None and index < len(values) else None


def required_error(field: str) -> ValidationError:
    return ValidationError("REQUIRED", f"“{header_of(field)}”为必填项", field)


def _id_number(value: Any) -> str:
    if isinstance(value, float) and value >= 1e15:
        # An 18-digit number typed into a number cell has lost its last digits already.
        raise ValidationError(
            "ID_NUMBER_AS_NUMBER", "身份证号码被保存成了数字，末几位已丢失：请将该列设为文本后重新填写", "id_number"
        )
    return _text(value)


def _join_month(value: Any) -> str:
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    text = _text(value)
    # Common ways of writing a year and month (2021.5, 2021/05, 2021年5月) mean the same month.
    match = _LOOSE_MONTH.fullmatch(text)
    return f"{match.group(1)}-{int(match.group(2)):02d}" if match else text


def _is_cadre(value: Any) -> bool:
    text = _text(value).upper()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError("IS_CADRE_FORMAT", "“是否团干部”应填写“是”或“否”", "is_cadre")


def _label(value: Any, labels: dict[Any, str], field: str) -> str | None:
    text = _text(value)
    if not text:
        return None
    for code, label in labels.items():
        if text in (label, str(code)) or _normalize_header(text) == _normalize_header(label):
            return str(code)
    raise ValidationError(f"{field.upper()}_UNKNOWN", f"“{header_of(field)}”应从下拉列表中选择：{text}", field)


def parse_row(values: Sequence[Any], columns: dict[str, int]) -> ImportRow:
    """Map a row's cells to registration fields. Raises ValidationError for a required cell left
    empty or a cell that cannot mean anything (the registration's own checks come after)."""
    fields: dict[str, Any] = {}
    for column in COLUMNS:
        if column.field == BRANCH_FIELD:
            continue
        raw = _cell(values, columns, column.field)
        if column.field == "id_number":
            text = _id_number(raw)
        elif column.field == "join_month":
            text = _join_month(raw)
        else:
            text = _text(raw)
        if column.required and not text:
            raise required_error(column.field)
        if column.field == "is_cadre":
            fields["is_cadre"] = _is_cadre(raw)
        elif column.field == "identity_proof":
            fields["identity_proof"] = _label(raw, dict(IDENTITY_PROOF_LABELS), "identity_proof")
        elif column.field == "income_band":
            fields["income_band"] = _label(raw, dict(INCOME_BAND_LABELS), "income_band")
        else:
            fields[column.field] = text or None
    branch = _text(_cell(values, columns, BRANCH_FIELD))
    return ImportRow(fields=fields, branch_ref=branch or None)


def shown_name(values: Sequence[Any], columns: dict[str, int]) -> str:
    return _text(_cell(values, columns, "name"))[:30]


def shown_id(values: Sequence[Any], columns: dict[str, int]) -> str:
    """The row's ID number de-identified for the report, even when it is malformed: the report
    never carries an ID number in full."""
    raw = _text(_cell(values, columns, "id_number"))
    try:
        return mask_id_number(normalize_id_number(raw))
    except (ValidationError, ValueError):
        pass
    # A mistyped number is one typo away from the real one: it shows no more than a valid one.
    if len(raw) >= 8:
        return "*" * (len(raw) - MASK_KEEPS) + raw[-MASK_KEEPS:]
    return "*" * len(raw)


# --- The report ---------------------------------------------------------------------------------

OK, ERROR = "OK", "ERROR"
REPORT_HEADERS: Final = (
    "行号", "姓名", "身份证号码", "结果", "错误代码", "错误说明", "错误字段", "字段代码", "报到编号"
)  # fmt: skip


@dataclass(frozen=True)
class RowOutcome:
    """One row's result as the report shows it (the ID number masked)."""

    row: int
    name: str
    id_masked: str
    result: str  # OK | ERROR
    code: str | None = None
    message: str | None = None
    field: str | None = None
    registration_id: str | None = None

    def to_list(self) -> list[Any]:
        return [getattr(self, f.name) for f in fields(self)]

    @classmethod
    def from_list(cls, values: Sequence[Any]) -> RowOutcome:
        return cls(*values)


def build_report(outcomes: Iterable[RowOutcome], summary: dict[str, Any]) -> bytes:
    """The result report: one row per data row of the file, then a summary sheet."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(REPORT_SHEET)
    for letter, width in zip("ABCDEFGHI", (8, 12, 22, 8, 26, 60, 14, 20, 38), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.append(list(REPORT_HEADERS))
    for outcome in outcomes:
        shown_field = header_of(outcome.field) if outcome.field else None
        sheet.append(
            [
                outcome.row,
                outcome.name,
                remask(outcome.id_masked),  # chunks recorded under the earlier, wider mask
                outcome.result,
                outcome.code,
                outcome.message,
                shown_field,
                outcome.field,
                outcome.registration_id,
            ]
        )
    totals = workbook.create_sheet(SUMMARY_SHEET)
    for label, value in summary.items():
        totals.append([label, value])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
