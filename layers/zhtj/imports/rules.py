"""Rules of a bulk entry (批量录入 = import, IMPORT-1..2): the job's states, its limits, and the
registration id each row gets. Pure: no I/O."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from enum import StrEnum


class ImportState(StrEnum):
    """An import's states, in order; DONE and FAILED settle it."""

    UPLOADING = "UPLOADING"  # 等待上传
    QUEUED = "QUEUED"  # 排队中
    RUNNING = "RUNNING"  # 处理中
    DONE = "DONE"  # 完成
    FAILED = "FAILED"  # 失败


SETTLED = (ImportState.DONE, ImportState.FAILED)

MAX_FILE_BYTES = 20 * 1024 * 1024
# Rows per message (zhtj.core.settings.import_chunk_rows, 200 unless set), within these bounds:
# a chunk must finish well inside the worker's timeout (about 60 ms a row in the cloud: seal,
# index, two transactions).
MIN_CHUNK_ROWS, MAX_CHUNK_ROWS = 1, 1000
# Chunk outcomes are read back once for the report; kept a while for a report re-run.
CHUNK_LIFETIME = timedelta(days=30)


def bounded_chunk_rows(wanted: int) -> int:
    return max(MIN_CHUNK_ROWS, min(MAX_CHUNK_ROWS, wanted))


def registration_id_for(import_id: str, row: int) -> str:
    """The registration id of an import's row: the same for every run of that row. It reads
    like a registration id (registration.records.check_id) stamped with the import's time."""
    digest = hashlib.sha256(f"{import_id}#{row}".encode()).hexdigest()[:24]
    return f"r{import_id[1:11]}{digest}"
