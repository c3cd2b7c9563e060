"""An import's result report (IMPORT-2): every row's outcome, read back from the chunks in
order, written as an xlsx with a summary sheet. The report shows each row's ID number masked,
and is kept apart (`import-reports/`) so that it outlives the upload."""

from __future__ import annotations

import json
from collections.abc import Iterator

from zhtj.imports import template as sheet
from zhtj.imports.jobs import BUCKET
from zhtj.imports.models import Import, ImportChunk
from zhtj.imports.report_sheet import RowOutcome, build_report
from zhtj.table import keys, storage


def _outcomes(job: Import) -> Iterator[RowOutcome]:
    chunks = ImportChunk.query(
        keys.import_pk(job.import_id), ImportChunk.sk.startswith(keys.IMPORT_CHUNK_PREFIX), consistent_read=True
    )
    for chunk in chunks:
        if isinstance(chunk, ImportChunk):
            yield from (RowOutcome.from_list(values) for values in json.loads(chunk.outcomes))


def write_report(job: Import) -> str:
    """Write the report of the rows counted so far; returns its object key."""
    summary = {
        "导入编号": job.import_id,
        "文件名": job.file_name or "",
        "数据行数": job.rows_total or 0,
        "已处理": job.rows_done,
        "成功": job.rows_good,
        "失败": job.rows_bad,
        "状态": str(job.state),  # a plain string for the sheet, never an enum member
    }
    key = f"import-reports/{job.org_id}/{job.import_id}.xlsx"
    storage.put_bytes(BUCKET, key, build_report(_outcomes(job), summary), sheet.XLSX_CONTENT_TYPE)
    return key
