"""Bulk entry (批量录入 = import) of members and cadres from a spreadsheet, IMPORT-1..2: the
operations the routes and the import worker call, gathered from the modules that do each job.

The flow: `create` makes an Import (UPLOADING) and a presigned PUT for the xlsx; `start` pins
the uploaded file (its ETag) and queues the first chunk (jobs.py); the import worker reads one
bounded chunk of rows per message (worker.py), checks each row exactly as a registration is
checked and writes each good one through the registration worker's write (rows.py), records
the chunk's outcomes together with the progress, and queues the next chunk; after the last
one it writes the xlsx report (reports.py). The spreadsheets are template.py, upload.py and
report_sheet.py; the states and limits are rules.py.
"""

from __future__ import annotations

from zhtj.imports.jobs import (
    ALREADY_STARTED,
    BUCKET,
    DOWNLOAD_SECONDS,
    IMPORT_NOT_FOUND,
    REPORT_NOT_READY,
    create,
    list_for_org,
    read,
    report,
    start,
    template,
)
from zhtj.imports.rules import ImportState, registration_id_for
from zhtj.imports.worker import FILE_CHANGED, chunk_rows, continue_import

__all__ = [
    "ALREADY_STARTED",
    "BUCKET",
    "DOWNLOAD_SECONDS",
    "FILE_CHANGED",
    "IMPORT_NOT_FOUND",
    "REPORT_NOT_READY",
    "ImportState",
    "chunk_rows",
    "continue_import",
    "create",
    "list_for_org",
    "read",
    "registration_id_for",
    "report",
    "start",
    "template",
]
