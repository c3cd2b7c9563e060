"""Reading an uploaded import workbook (IMPORT-1..2). Pure: bytes in, no I/O.

`scan` and `Chunks` read an uploaded file (python-calamine: the sheet read at once, a few MB
for the largest file allowed), `parse_row` maps a row's cells to the fields of the registration form
(what registration.form.read_form takes), and `shown_name`/`shown_id` give what the report
shows of a row (the ID number de-identified).
"""

from __future__ import annotations

import io
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from zhtj.core.errors import ValidationError
from zhtj.core.identity import MASK_KEEPS, mask_id_number, normalize_id_number
from zhtj.imports.template import (
    BRANCH_FIELD,
    COLUMNS,
    DATA_SHEET,
    FIRST_DATA_ROW,
    HEADER_ROW,
    IDENTITY_PROOF_LABELS,
    INCOME_BAND_LABELS,
    MAX_ROWS,
    NO,
    YES,
    header_of,
    normalize_header,
)

_TRUE = frozenset({YES, "Y", "YES", "TRUE", "1"})
_FALSE = frozenset({NO, "N", "NO", "FALSE", "0"})
_LOOSE_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")

FILE_FORMAT = ValidationError("IMPORT_FILE_FORMAT", "文件不是有效的xlsx工作簿，请使用导入模板", "file")
EMPTY = ValidationError("IMPORT_EMPTY", "文件中没有团员数据", "file")
TOO_MANY = ValidationError("IMPORT_TOO_MANY_ROWS", f"一个文件最多{MAX_ROWS}行团员数据，请分批导入", "file")


@dataclass(frozen=True)
class Scan:
    """What a first pass over an uploaded file found: where each field's column is, how many
    data rows it has and the last one's row number; and the non-blank rows themselves, with
    their numbers, for `Chunks` to hand out without parsing the sheet again."""

    columns: dict[str, int]
    rows: int
    last_row: int
    found: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list, repr=False)


def _sheet_rows(data: bytes) -> list[list[Any]]:
    """The data sheet's cells from A1 (the template's sheet, else the first), as calamine reads
    them (an empty cell ""): row n of the sheet at index n - 1. Raises FILE_FORMAT, TOO_MANY."""
    # Imported here, not at the top: for cold-start cost, not to dodge a cycle (only reading an
    # upload needs it; docs/architecture.md, "Cold starts").
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        sheet = workbook.get_sheet_by_name(DATA_SHEET if DATA_SHEET in names else names[0])
    except (CalamineError, IndexError, ValueError, OSError) as error:
        raise FILE_FORMAT from error
    # Blank rows count too: a sheet of a million empty formatted rows is not turned into cells.
    if sheet.end is not None and sheet.end[0] + 1 > 2 * MAX_ROWS:
        raise TOO_MANY
    cells: list[list[Any]] = sheet.to_python(skip_empty_area=False)
    return cells


def _columns(header: Sequence[Any]) -> dict[str, int]:
    """Raises ValidationError IMPORT_HEADER naming a missing required column."""
    found = {normalize_header(value): index for index, value in enumerate(header)}
    columns = {c.field: found[c.header] for c in COLUMNS if c.header in found}
    for column in COLUMNS:
        if column.field not in columns and (column.required and column.field != BRANCH_FIELD):
            raise ValidationError("IMPORT_HEADER", f"缺少“{column.header}”列，请使用导入模板", "file")
    return columns


def _blank(values: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def scan(data: bytes) -> Scan:
    """The whole file read: the header, the data rows' count and the non-blank rows. Raises
    ValidationError (IMPORT_FILE_FORMAT, IMPORT_HEADER, IMPORT_EMPTY, IMPORT_TOO_MANY_ROWS)."""
    cells = _sheet_rows(data)
    columns = _columns(cells[HEADER_ROW - 1] if len(cells) >= HEADER_ROW else ())
    found = [
        (number, tuple(values))
        for number, values in enumerate(cells[FIRST_DATA_ROW - 1 :], start=FIRST_DATA_ROW)
        if not _blank(values)
    ]
    if len(found) > MAX_ROWS:
        raise TOO_MANY
    if not found:
        raise EMPTY
    return Scan(columns=columns, rows=len(found), last_row=found[-1][0], found=found)


class Chunks:
    """Consecutive chunks of one file: its non-blank rows, read once (`scan`; the worker that
    scanned the file at the first chunk passes its scan), handed out by sheet row number. At
    most MAX_ROWS rows: tens of MB of a worker's memory. Raises ValidationError as `scan` does."""

    def __init__(self, data: bytes, scanned: Scan | None = None) -> None:
        self._scanned = scanned if scanned is not None else scan(data)
        self.columns = self._scanned.columns
        self._numbers = [number for number, _ in self._scanned.found]

    def read(self, first: int, last: int) -> list[tuple[int, tuple[Any, ...]]]:
        """The non-blank rows numbered first..last (sheet row numbers)."""
        found = self._scanned.found
        return found[bisect_left(self._numbers, first) : bisect_left(self._numbers, last + 1)]


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
        if text in (label, str(code)) or normalize_header(text) == normalize_header(label):
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
