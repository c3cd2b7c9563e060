"""The import worker (IMPORT-2): a message names an import and the sheet row its chunk starts
at; the worker reads one bounded chunk of rows, checks and writes them (imports/rows.py),
records the chunk's outcomes together with the progress in one transaction, and queues the
next chunk; after the last one it writes the report (imports/reports.py) and the import is DONE.

Why a queue and not Step Functions: the work is one step repeated, a chunk at a time, with
no branches or waits; a message carries the chunk's first row, the Import item holds the
progress, and the queue's redrive gives retries and a dead-letter queue. A state machine
would add a definition, invoke tasks and a per-transition charge for a plain loop. Why not
the registration queue: an import must not queue ahead of members registering at a peak,
and a chunk needs a longer timeout than one registration.

Idempotence: a chunk's outcomes and the progress move together, guarded by `next_row`, so a
chunk is counted once; its rows' registration ids are fixed (imports/rules.py), so a chunk
processed twice (a crash, a redelivery) writes nobody twice.

The uploaded file holds ID numbers in plain text: once the import is settled (DONE, or FAILED)
every version of it is deleted, by whichever delivery settles it and again by any later one
(a crash between the two is mended by the redelivery), and the uploads bucket's lifecycle
expires whatever a lost import leaves under `imports/` within a day. The bucket is encrypted
with the PII key (SSE-KMS).
"""

from __future__ import annotations

import json

from pynamodb.expressions.update import Action

from zhtj.core import heap, settings
from zhtj.core.clock import now
from zhtj.core.errors import ConflictError, ValidationError
from zhtj.imports import upload
from zhtj.imports.jobs import BUCKET, find, send
from zhtj.imports.models import Import, ImportChunk
from zhtj.imports.report_sheet import OK, RowOutcome
from zhtj.imports.reports import write_report
from zhtj.imports.rows import import_rows
from zhtj.imports.rules import CHUNK_LIFETIME, SETTLED, ImportState, bounded_chunk_rows
from zhtj.table import keys, storage
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

FILE_CHANGED = ValidationError("IMPORT_FILE_CHANGED", "上传的文件在导入过程中被删除或替换，请重新导入", "file")
_SETTLED = ConflictError("IMPORT_SETTLED", "", None)  # a concurrent delivery moved the import on


def chunk_rows() -> int:
    """Rows per chunk message, as set (zhtj.core.settings), within the rules' bounds."""
    return bounded_chunk_rows(settings.import_chunk_rows())


def continue_import(import_id: str, row: int, last_attempt: bool = False) -> None:
    """Process the chunk of an import starting at sheet row `row`, then queue the next one or
    write the report. An unknown or settled import, or a chunk already counted, is a no-op.
    On the queue's last attempt an unexpected error marks the import FAILED (and is raised)."""
    job = find(import_id)
    if job is None:
        return
    if job.state in SETTLED:
        _forget_upload(job)
        return
    if job.state not in (ImportState.QUEUED, ImportState.RUNNING):
        return
    try:
        _advance(job, row)
    except Exception:
        if last_attempt:
            _fail(job, "IMPORT_INTERRUPTED", "导入处理多次出错，已停止；已导入的行不受影响，可重新上传文件继续导入")
        raise


def _advance(job: Import, row: int) -> None:
    if row < job.next_row:
        # This chunk was counted already (a redelivery, or a crash before the next send):
        # make sure the chain goes on. A duplicate of the next message loses its commit and stops.
        send(job.import_id, int(job.next_row))
        return
    if row > job.next_row:
        return
    scanned = None
    try:
        data = _file(job)
        if job.state == ImportState.QUEUED:
            scanned = upload.scan(data)
            job = _begin(job, scanned)
    except ValidationError as error:
        _fail(job, error.code, error.message)
        return
    last_row = int(job.last_row or 0)
    if row > last_row:
        _finish(job)
        return
    end = min(row + chunk_rows() - 1, last_row)
    chunks = _chunks(job, data, scanned)
    with heap.batch():
        outcomes = import_rows(job, chunks.columns, chunks.read(row, end))
    if not _record(job, row, end + 1, outcomes):
        return
    # A warm worker keeps its clients (their service models) and the file's rows: frozen once,
    # after its first chunk, the collector's full passes over each later chunk's allocations no
    # longer walk them (rows frozen while still in use stay until the process ends: one file's,
    # once).
    heap.keep_loaded("import worker")
    if end + 1 > last_row:
        refreshed = find(job.import_id)
        if refreshed is not None:
            _finish(refreshed)
    else:
        send(job.import_id, end + 1)


# The last file read, by key and ETag, and its rows: consecutive chunks of an import in one warm
# worker fetch it and read its sheet once (the worker that scanned it at the first chunk keeps
# that scan).
_last_file: tuple[str, bytes] | None = None
_last_chunks: tuple[str, upload.Chunks] | None = None


def _tag(job: Import) -> str:
    return f"{job.upload_key}#{job.upload_etag}"


def _chunks(job: Import, data: bytes, scanned: upload.Scan | None = None) -> upload.Chunks:
    """The file's reader: from its scan when this delivery scanned it (the first chunk), else
    the one kept for this file, else a new one."""
    global _last_chunks
    tag = _tag(job)
    if scanned is not None or _last_chunks is None or _last_chunks[0] != tag:
        _forget_chunks()
        _last_chunks = (tag, upload.Chunks(data, scanned))
    return _last_chunks[1]


def _forget_chunks() -> None:
    global _last_chunks
    _last_chunks = None


def _file(job: Import) -> bytes:
    """The uploaded workbook as started. Raises ValidationError when it was removed or replaced."""
    global _last_file
    tag = _tag(job)
    if _last_file is not None and _last_file[0] == tag:
        return _last_file[1]
    try:
        data = storage.get_bytes(BUCKET, job.upload_key, job.upload_etag)
    except KeyError as error:
        raise FILE_CHANGED from error
    _last_file = (tag, data)
    return data


def _begin(job: Import, found: upload.Scan) -> Import:
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.update(
        job,
        [
            Import.state.set(ImportState.RUNNING),
            Import.rows_total.set(found.rows),
            Import.last_row.set(found.last_row),
            Import.updated_at.set(now()),
        ],
        condition=Import.state == ImportState.QUEUED,
        on_fail=_SETTLED,
        versioned=False,
    )
    try:
        uow.commit()
    except ConflictError as error:
        if error is not _SETTLED:
            raise
    refreshed = find(job.import_id)
    assert refreshed is not None
    return refreshed


def _record(job: Import, first: int, next_row: int, outcomes: list[RowOutcome]) -> bool:
    """Count a chunk: its outcomes and the progress in one transaction. False when another
    delivery counted it first."""
    good = sum(1 for o in outcomes if o.result == OK)
    chunk = ImportChunk(
        keys.import_pk(job.import_id),
        keys.import_chunk_sk(first),
        first_row=first,
        next_row=next_row,
        outcomes=json.dumps([o.to_list() for o in outcomes], ensure_ascii=False),
        expires_at=now() + CHUNK_LIFETIME,
    )
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.put(chunk, condition=ImportChunk.pk.does_not_exist(), on_fail=_SETTLED)
    uow.update(
        job,
        [
            Import.next_row.set(next_row),
            Import.rows_done.add(len(outcomes)),
            Import.rows_good.add(good),
            Import.rows_bad.add(len(outcomes) - good),
            Import.updated_at.set(now()),
        ],
        condition=(Import.state == ImportState.RUNNING) & (Import.next_row == first),
        on_fail=_SETTLED,
        versioned=False,
    )
    try:
        uow.commit()
    except ConflictError as error:
        if error is not _SETTLED:
            raise
        return False
    return True


def _finish(job: Import) -> None:
    """The last chunk is counted: write the report, then DONE (once, whoever gets here)."""
    job.state = ImportState.DONE
    key = write_report(job)
    finished = now()
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.update(
        job,
        [
            Import.state.set(ImportState.DONE),
            Import.report_key.set(key),
            Import.finished_at.set(finished),
            Import.updated_at.set(finished),
        ],
        condition=(Import.state == ImportState.RUNNING) & (Import.next_row > Import.last_row),
        on_fail=_SETTLED,
        versioned=False,
    )
    uow.audit(
        "import.finish",
        "IMPORT",
        job.import_id,
        job.org_id,
        before={"state": ImportState.RUNNING},
        after={"state": ImportState.DONE, "rows": job.rows_done, "good": job.rows_good, "bad": job.rows_bad},
    )
    try:
        uow.commit()
    except ConflictError as error:
        if error is not _SETTLED:
            raise
    _forget_upload(job)


def _fail(job: Import, code: str, message: str) -> None:
    """The file cannot be imported (or processing kept failing). Rows already imported stay,
    and are listed in a partial report."""
    job = find(job.import_id) or job
    previous = job.state
    job.state = ImportState.FAILED
    key = write_report(job) if job.rows_done else None
    finished = now()
    actions: list[Action] = [
        Import.state.set(ImportState.FAILED),
        Import.error_code.set(code),
        Import.error_message.set(message),
        Import.finished_at.set(finished),
        Import.updated_at.set(finished),
    ]
    if key:
        actions.append(Import.report_key.set(key))
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.update(
        job,
        actions,
        condition=Import.state.is_in(ImportState.QUEUED, ImportState.RUNNING),
        on_fail=_SETTLED,
        versioned=False,
    )
    after = {"state": ImportState.FAILED, "code": code}
    uow.audit("import.fail", "IMPORT", job.import_id, job.org_id, before={"state": previous}, after=after)
    try:
        uow.commit()
    except ConflictError as error:
        if error is not _SETTLED:
            raise
    _forget_upload(job)


def _forget_upload(job: Import) -> None:
    """The import is settled: its uploaded file (ID numbers in plain text) goes, every version."""
    global _last_file
    _last_file = None
    _forget_chunks()
    storage.delete_all_versions(BUCKET, job.upload_key)
