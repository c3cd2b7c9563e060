"""The import's result report workbook (IMPORT-2): one row per data row of the file, the ID
number masked, then a summary sheet. Pure: bytes out, no I/O (imports/reports.py stores it)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, Final

from zhtj.core.identity import remask
from zhtj.imports.template import header_of

REPORT_SHEET = "导入结果"
SUMMARY_SHEET = "汇总"
OK, ERROR = "OK", "ERROR"  # a row's result

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
    # Imported here, not at the top: for cold-start cost, not to dodge a cycle (openpyxl is a
    # library of ~60 ms that only writing an import's report needs; docs/architecture.md, "Cold starts").
    from openpyxl import Workbook  # type: ignore[import-untyped]

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
