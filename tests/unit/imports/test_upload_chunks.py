"""Reading an uploaded workbook (imports/upload.py): the rows a worker hands out are the same
whether it reads the sheet or the scan it made of it at the first chunk (IMPORT-2)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]

from zhtj.core.errors import ValidationError
from zhtj.imports import template as sheet
from zhtj.imports import upload


def _workbook() -> bytes:
    book = Workbook()
    data = book.active
    data.title = sheet.DATA_SHEET
    data.append([c.header for c in sheet.COLUMNS])
    for n in range(1, 41):
        if n % 7 == 0:
            data.append([None] * len(sheet.COLUMNS))  # a blank row, skipped
        elif n % 11 == 0:
            data.append(["  "] + [None] * (len(sheet.COLUMNS) - 1))  # blank too
        else:
            data.append([f"姓名{n}", f"4401062000010{n:05d}"] + [n] * (len(sheet.COLUMNS) - 2))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_2_a_scanned_file_hands_out_the_rows_its_sheet_holds() -> None:
    # Given a sheet with blank rows among 40, scanned, and a reader of the sheet itself
    data = _workbook()
    scanned = upload.scan(data)
    from_sheet = upload.Chunks(data)
    from_scan = upload.Chunks(data, scanned)
    # When both hand out chunks, forwards, past the end, and back to the top
    ranges = [(2, 11), (12, 21), (22, 31), (32, 41), (42, 51), (2, 6), (9, 9), (10, 30)]
    read = [(from_sheet.read(a, b), from_scan.read(a, b)) for a, b in ranges]
    # Then they hand out the same rows, and the scan counted the non-blank ones
    for (a, b), (sheet_rows, scan_rows) in zip(ranges, read, strict=True):
        assert scan_rows == sheet_rows, (a, b)
    assert scanned.rows == 40 - 5 - 3 == sum(len(rows) for rows, _ in read[:4])
    assert scanned.last_row == 41
    assert scanned.columns == from_scan.columns
    assert [number for number, _ in read[0][1]] == [2, 3, 4, 5, 6, 7, 9, 10, 11]


def test_import_2_rows_keep_their_sheet_numbers_and_columns_wherever_the_sheet_starts() -> None:
    # Given a file whose first data row is left empty and whose columns start at A as the template's
    book = Workbook()
    data = book.active
    data.title = sheet.DATA_SHEET
    data.append([c.header for c in sheet.COLUMNS])
    data.append([])
    data.append(["李晓明", "440106200001011003"])
    buffer = io.BytesIO()
    book.save(buffer)
    # When it is scanned
    scanned = upload.scan(buffer.getvalue())
    # Then the one person is row 3, read under the header's columns
    assert [(number, values[scanned.columns["name"]]) for number, values in scanned.found] == [(3, "李晓明")]


def test_import_2_a_sheet_past_twice_the_row_limit_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a limit of 5 rows and a sheet whose last filled row is the 12th (blank rows count)
    monkeypatch.setattr(upload, "MAX_ROWS", 5)
    book = Workbook()
    data = book.active
    data.title = sheet.DATA_SHEET
    data.append([c.header for c in sheet.COLUMNS])
    data.cell(row=12, column=1, value="李晓明")
    buffer = io.BytesIO()
    book.save(buffer)
    # When / Then
    with pytest.raises(ValidationError) as refused:
        upload.scan(buffer.getvalue())
    assert refused.value.code == "IMPORT_TOO_MANY_ROWS"
