"""Bulk entry (批量录入 = import) of members and cadres from a spreadsheet: IMPORT-1..2.

The flow: `create` makes an Import (UPLOADING) and a presigned PUT for the xlsx; `start`
pins the uploaded file (its ETag) and queues the first chunk; the import worker reads one
bounded chunk of rows per message, checks each row exactly as a registration is checked
(RegistrationSubmit, then `check_submission`), writes each good row through
`registration.apply_submission` (its own transaction, REG-4 claims included), records the
chunk's outcomes together with the progress in one transaction, and queues the next chunk;
after the last one it writes the xlsx report.

The uploaded file holds ID numbers in plain text: once the import is settled (DONE, or FAILED)
every version of it is deleted, by whichever delivery settles it and again by any later one
(a crash between the two is mended by the redelivery), and the uploads bucket's lifecycle
expires whatever a lost import leaves under `imports/` within a day. The bucket is encrypted
with the PII key (SSE-KMS). The report shows each row's ID number masked, and is kept apart
(`import-reports/`) so that it outlives the upload.

Why a queue and not Step Functions: the work is one step repeated, a chunk at a time, with
no branches or waits; a message carries the chunk's first row, the Import item holds the
progress, and the queue's redrive gives retries and a dead-letter queue. A state machine
would add a definition, invoke tasks and a per-transition charge for a plain loop. Why not
the registration queue: an import must not queue ahead of members registering at a peak,
and a chunk needs a longer timeout than one registration.

Why imported rows land as PENDING_REVIEW registrations, reviewed by the branch as usual,
rather than approved at once (although the seeds describe the organisation's own entry of
members it has already checked, seed 002 annex §4): approval makes the record permanent
(REV-3, DEL-1) and is the branch's check against the paper file (REV-1), while an import may
come from the parent on the branch's behalf; approval also waits for the real-name check
(REG-5), which imported rows pass through like any registration; and members, accounts and
claims are created on one path only (`registration.approve`). The cost, a click per member
for the branch, is what a bulk approval of passed rows would remove (not built here).

Rows are checked as REG-1..4 (IMPORT-2) and the branch as ORG-4/ORG-7, not against the
registration waves (REG-8): the waves pace members registering themselves, while entry by
the organisation is the campaign the seeds schedule by sector (seed 002 §1.3).

Idempotence: a row's registration id is derived from (import id, row number), so a chunk
processed twice (a crash, a redelivery) writes nobody twice; a chunk's outcomes and the
progress move together, guarded by `next_row`, so a chunk is counted once. A row whose ID
number (or development number) is already claimed by anyone else is reported as a REG-4
duplicate without being written, which is what a second upload of the same file gets.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from pynamodb.expressions.update import Action

from zhtj.core.clock import new_id, now
from zhtj.core.errors import ConflictError, DomainError, NotFoundError, RuleViolation, ValidationError
from zhtj.imports import template as sheet
from zhtj.imports.models import Import, ImportChunk
from zhtj.imports.template import ERROR, OK, RowOutcome
from zhtj.orgs.authz import authorize, get_org, within
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgType, check_members_allowed
from zhtj.registration import service as registration
from zhtj.registration.models import Claim
from zhtj.registration.rules import check_submission
from zhtj.schemas import RegistrationSubmit
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging, pii, queues, storage
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

IMPORT_QUEUE = "imports"
BUCKET = "uploads"
DOWNLOAD_SECONDS = storage.DOWNLOAD_SECONDS

UPLOADING = "UPLOADING"  # 等待上传
QUEUED = "QUEUED"  # 排队中
RUNNING = "RUNNING"  # 处理中
DONE = "DONE"  # 完成
FAILED = "FAILED"  # 失败

MAX_FILE_BYTES = 20 * 1024 * 1024
# Rows per message: a chunk must finish well inside the worker's timeout (about 60 ms a row
# in the cloud: seal, index, two transactions).
DEFAULT_CHUNK_ROWS = 200
CHUNK_ENV = "ZHTJ_IMPORT_CHUNK_ROWS"
# Chunk outcomes are read back once for the report; kept a while for a report re-run.
CHUNK_LIFETIME = timedelta(days=30)

IMPORT_NOT_FOUND = NotFoundError("IMPORT_NOT_FOUND", "导入任务不存在", "import_id")
ALREADY_STARTED = ConflictError("IMPORT_ALREADY_STARTED", "该导入已开始处理，请查看进度", None)
REPORT_NOT_READY = ConflictError("IMPORT_REPORT_NOT_READY", "导入尚未完成，结果报告还不能下载", None)
FILE_CHANGED = ValidationError("IMPORT_FILE_CHANGED", "上传的文件在导入过程中被删除或替换，请重新导入", "file")
_SETTLED = ConflictError("IMPORT_SETTLED", "", None)  # a concurrent delivery moved the import on


def chunk_rows() -> int:
    return max(1, min(1000, int(os.environ.get(CHUNK_ENV, str(DEFAULT_CHUNK_ROWS)))))


def registration_id_for(import_id: str, row: int) -> str:
    """The registration id of an import's row: the same for every run of that row. It reads
    like a ticket (registration._check_ticket) stamped with the import's time."""
    digest = hashlib.sha256(f"{import_id}#{row}".encode()).hexdigest()[:24]
    return f"r{import_id[1:11]}{digest}"


def _find(import_id: str) -> Import | None:
    try:
        return Import.get(keys.import_pk(import_id), keys.META, consistent_read=True)
    except Import.DoesNotExist:
        return None


def _check_importer(org: Org) -> None:
    if org.system or org.status != "ACTIVE":
        raise RuleViolation("ORG-7", "不能为系统组织或已撤销的组织导入团员", "org_id")


def _child_branches(org: Org) -> list[Org]:
    children = Org.by_gsi1.query(keys.children_pk(org.org_id))
    return [c for c in children if isinstance(c, Org) and c.org_type == OrgType.BRANCH and c.status == "ACTIVE"]


# --- HTTP: template, create, start, read --------------------------------------------------------


def template(principal: Principal, org_id: str) -> tuple[str, str]:
    """IMPORT-1: the template for an organisation: its own alias in the branch column's list
    if it is a branch, else its direct child branches'. Returns (object key, download URL)."""
    org = get_org(org_id)
    authorize(principal, "import.create", org)
    _check_importer(org)
    for_branch = org.org_type == OrgType.BRANCH
    choices = [org.alias] if for_branch else sorted(b.alias for b in _child_branches(org))
    digest = hashlib.sha256(json.dumps([sheet.TEMPLATE_VERSION, for_branch, choices]).encode()).hexdigest()[:20]
    key = f"templates/{org.org_id}/{digest}.xlsx"
    if storage.describe(BUCKET, key) is None:
        storage.put_bytes(BUCKET, key, sheet.build_template(choices, for_branch), sheet.XLSX_CONTENT_TYPE)
    return key, storage.download_url(BUCKET, key, f"团员批量导入模板-{org.alias}.xlsx")


def create(principal: Principal, org_id: str, file_name: str | None) -> tuple[Import, str]:
    """IMPORT-1: a new import by `org_id` (the branch, or the parent importing for its direct
    child branches). Returns the import and the presigned URL to PUT the xlsx to."""
    org = get_org(org_id)
    operator = authorize(principal, "import.create", org)
    _check_importer(org)
    import_id, created = new_id("i"), now()
    job = Import(
        keys.import_pk(import_id),
        keys.META,
        gsi1pk=keys.org_imports_pk(org.org_id),
        gsi1sk=f"{created.isoformat()}#{import_id}",
        import_id=import_id,
        org_id=org.org_id,
        file_name=file_name,
        upload_key=f"{storage.IMPORT_UPLOADS_PREFIX}{org.org_id}/{import_id}.xlsx",
        state=UPLOADING,
        created_by=operator.account_id,
        created_at=created,
    )
    uow = UnitOfWork(operator.actor)
    uow.put(job, condition=Import.pk.does_not_exist())
    uow.audit("import.create", "IMPORT", import_id, org.org_id, after={"state": UPLOADING, "file_name": file_name})
    uow.commit()
    return job, storage.upload_url(BUCKET, job.upload_key, sheet.XLSX_CONTENT_TYPE)


def read(principal: Principal, import_id: str) -> Import:
    job = _find(import_id)
    if job is None:
        raise IMPORT_NOT_FOUND
    authorize(principal, "import.read", get_org(job.org_id))
    return job


def list_for_org(principal: Principal, org_id: str, cursor: str | None, limit: int) -> tuple[list[Import], str | None]:
    """An organisation's imports, newest first."""
    authorize(principal, "import.read", get_org(org_id))
    return paging.query_page(
        Import.by_gsi1.query, keys.org_imports_pk(org_id), limit=limit, cursor=cursor, scan_index_forward=False
    )


def start(principal: Principal, import_id: str) -> Import:
    """Start processing an uploaded file. A repeated start of a queued import sends its first
    chunk again (the first send may have been lost; a duplicate chunk is harmless).
    Raises NotFoundError, ForbiddenError, ValidationError (no file, too large), ConflictError."""
    job = _find(import_id)
    if job is None:
        raise IMPORT_NOT_FOUND
    operator = authorize(principal, "import.create", get_org(job.org_id))
    if job.state == QUEUED:
        _send(job.import_id, int(job.next_row))
        return job
    if job.state != UPLOADING:
        raise ALREADY_STARTED
    described = storage.describe(BUCKET, job.upload_key)
    if described is None:
        raise ValidationError("IMPORT_FILE_MISSING", "尚未上传文件，请先上传后再开始导入", "file")
    size, etag = described
    if size > MAX_FILE_BYTES:
        raise ValidationError("IMPORT_FILE_TOO_LARGE", f"文件不能超过{MAX_FILE_BYTES // 1024 // 1024}MB", "file")
    started = now()
    uow = UnitOfWork(operator.actor)
    uow.update(
        job,
        [
            Import.state.set(QUEUED),
            Import.upload_etag.set(etag),
            Import.started_at.set(started),
            Import.updated_at.set(started),
        ],
        condition=Import.state == UPLOADING,
        on_fail=ALREADY_STARTED,
        versioned=False,
    )
    uow.audit("import.start", "IMPORT", job.import_id, job.org_id, before={"state": UPLOADING}, after={"state": QUEUED})
    uow.commit()
    _send(job.import_id, sheet.FIRST_DATA_ROW)
    found = _find(import_id)
    assert found is not None
    return found


def report(principal: Principal, import_id: str) -> tuple[str, str]:
    """IMPORT-2: the per-row result. Returns (object key, download URL); ConflictError before
    the import has finished."""
    job = read(principal, import_id)
    if not job.report_key:
        raise REPORT_NOT_READY
    stem = (job.file_name or "团员导入").removesuffix(".xlsx")
    return job.report_key, storage.download_url(BUCKET, job.report_key, f"{stem}-导入结果.xlsx")


def _send(import_id: str, row: int) -> None:
    queues.send(IMPORT_QUEUE, {"import_id": import_id, "row": row})


# --- The worker ---------------------------------------------------------------------------------


def continue_import(import_id: str, row: int, last_attempt: bool = False) -> None:
    """Process the chunk of an import starting at sheet row `row`, then queue the next one or
    write the report. An unknown or settled import, or a chunk already counted, is a no-op.
    On the queue's last attempt an unexpected error marks the import FAILED (and is raised)."""
    job = _find(import_id)
    if job is None:
        return
    if job.state in (DONE, FAILED):
        _forget_upload(job)
        return
    if job.state not in (QUEUED, RUNNING):
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
        _send(job.import_id, int(job.next_row))
        return
    if row > job.next_row:
        return
    try:
        data = _file(job)
        if job.state == QUEUED:
            job = _begin(job, sheet.scan(data))
    except ValidationError as error:
        _fail(job, error.code, error.message)
        return
    last_row = int(job.last_row or 0)
    if row > last_row:
        _finish(job)
        return
    end = min(row + chunk_rows() - 1, last_row)
    columns, rows = sheet.read_chunk(data, row, end)
    outcomes = _import_rows(job, columns, rows)
    if not _record(job, row, end + 1, outcomes):
        return
    if end + 1 > last_row:
        refreshed = _find(job.import_id)
        if refreshed is not None:
            _finish(refreshed)
    else:
        _send(job.import_id, end + 1)


# The last file read, by key and ETag: consecutive chunks of an import in one warm worker
# read it once.
_last_file: tuple[str, bytes] | None = None


def _file(job: Import) -> bytes:
    """The uploaded workbook as started. Raises ValidationError when it was removed or replaced."""
    global _last_file
    tag = f"{job.upload_key}#{job.upload_etag}"
    if _last_file is not None and _last_file[0] == tag:
        return _last_file[1]
    try:
        data = storage.get_bytes(BUCKET, job.upload_key, job.upload_etag)
    except KeyError as error:
        raise FILE_CHANGED from error
    _last_file = (tag, data)
    return data


def _begin(job: Import, found: sheet.Scan) -> Import:
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.update(
        job,
        [
            Import.state.set(RUNNING),
            Import.rows_total.set(found.rows),
            Import.last_row.set(found.last_row),
            Import.updated_at.set(now()),
        ],
        condition=Import.state == QUEUED,
        on_fail=_SETTLED,
        versioned=False,
    )
    try:
        uow.commit()
    except ConflictError as error:
        if error is not _SETTLED:
            raise
    refreshed = _find(job.import_id)
    assert refreshed is not None
    return refreshed


class _Branches:
    """IMPORT-1: which branch a row may name. A branch imports its own members; any other
    organisation imports for its direct child branches (by alias or ID), and its cadres
    (是否团干部 = 是) into any branch below it (by ID): committees enter their own cadres."""

    def __init__(self, importer: Org) -> None:
        self.importer = importer
        self._children: dict[str, Org | None] | None = None
        self._below: dict[str, Org | None] = {}

    def default(self) -> str | None:
        return self.importer.org_id if self.importer.org_type == OrgType.BRANCH else None

    def _direct(self) -> dict[str, Org | None]:
        if self._children is None:
            self._children = {}
            children = Org.by_gsi1.query(keys.children_pk(self.importer.org_id))
            for child in children:
                if not isinstance(child, Org):
                    continue
                self._children[child.org_id] = child
                # Two children with one alias: the alias names neither, the ID must be used.
                self._children[child.alias] = None if child.alias in self._children else child
        return self._children

    def _by_id(self, ref: str) -> Org | None:
        if ref not in self._below:
            try:
                self._below[ref] = get_org(ref)
            except NotFoundError:
                self._below[ref] = None
        return self._below[ref]

    def resolve(self, ref: str, is_cadre: bool) -> Org:
        """Raises RuleViolation (IMPORT-1, ORG-4, ORG-7) or ValidationError (BRANCH_UNKNOWN)."""
        importer = self.importer
        if importer.org_type == OrgType.BRANCH:
            if ref in (importer.org_id, importer.alias):
                return importer
            raise RuleViolation("IMPORT-1", "团支部只能导入本支部的团员和团干部", "branch_id")
        direct = self._direct()
        if ref in direct and direct[ref] is None:
            raise ValidationError("BRANCH_AMBIGUOUS", f"有多个直属组织的代称为“{ref}”，请填写团支部ID", "branch_id")
        target = direct.get(ref)
        if target is None:
            below = self._by_id(ref)
            if below is None:
                raise ValidationError("BRANCH_UNKNOWN", f"未找到团支部“{ref}”：请填写直属团支部的代称或ID", "branch_id")
            if not within(importer, below) or below.org_id == importer.org_id:
                raise RuleViolation("IMPORT-1", "只能导入本组织下属团支部的团员", "branch_id")
            if not is_cadre:
                raise RuleViolation(
                    "IMPORT-1", "上级组织只能导入直属团支部的团员（团干部可导入下级任一团支部）", "branch_id"
                )
            target = below
        check_members_allowed(OrgType(target.org_type))
        if target.system or target.status != "ACTIVE":
            raise RuleViolation("ORG-7", "不能导入到系统组织或已撤销的团支部", "branch_id")
        return target


def _invalid(error: PydanticValidationError) -> ValidationError:
    """A RegistrationSubmit refusal as the HTTP layer words it, naming the template's column."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else None
    header = sheet.header_of(field or "")
    limits = first.get("ctx") or {}
    if first["type"] == "string_too_long":
        message = f"“{header}”内容过长（最多{limits.get('max_length')}个字）"
    elif first["type"] == "string_too_short":
        message = f"“{header}”内容过短（至少{limits.get('min_length')}个字）"
    else:
        message = f"“{header}”取值无效"
    return ValidationError("INVALID_FIELD", message, field)


def _message(
    job: Import, branches: _Branches, values: tuple[Any, ...], columns: dict[str, int], number: int, today: date
) -> dict[str, Any]:
    """A row as the registration queue's message (as registration.submit builds it), checked
    field by field exactly as a registration. Raises DomainError naming the field."""
    parsed = sheet.parse_row(values, columns)
    ref = parsed.branch_ref or branches.default()
    if ref is None:
        raise sheet.required_error(sheet.BRANCH_FIELD)
    try:
        body = RegistrationSubmit.model_validate({**parsed.fields, "branch_id": ref})
    except PydanticValidationError as error:
        raise _invalid(error) from error
    facts = check_submission(body.submission(), today)
    branch = branches.resolve(ref, facts.is_cadre)
    registration_id = registration_id_for(job.import_id, number)
    submitted: datetime = job.started_at or job.created_at
    return {
        "registration_id": registration_id,
        "branch_id": branch.org_id,
        "previous_id": None,
        "submitted_at": submitted.isoformat(),
        "person": registration.person_fields(facts, registration_id, pii.blind_index(facts.identity.id_number)),
    }


def _claim_keys(message: dict[str, Any]) -> list[tuple[str, DomainError]]:
    person = message["person"]
    found: list[tuple[str, DomainError]] = [(keys.id_claim_pk(person["id_index"]), registration.DUPLICATE_ID)]
    if person.get("development_number"):
        pk = keys.development_number_claim_pk(person["development_number"])
        found.append((pk, registration.DUPLICATE_NUMBER))
    return found


def _owners(messages: list[dict[str, Any]]) -> dict[str, str]:
    """The current owners of the chunk's REG-4 claims, in one batch: claim pk -> owner id."""
    wanted = sorted({pk for m in messages for pk, _ in _claim_keys(m)})
    return {c.pk: c.owner_id for c in Claim.batch_get([(pk, keys.META) for pk in wanted], consistent_read=True)}


def _error(number: int, name: str, masked: str, error: DomainError) -> RowOutcome:
    return RowOutcome(number, name, masked, ERROR, error.code, error.message, error.field)


def _import_rows(job: Import, columns: dict[str, int], rows: list[tuple[int, tuple[Any, ...]]]) -> list[RowOutcome]:
    """Check each row and write the good ones, each in its own transaction."""
    branches = _Branches(get_org(job.org_id))
    today = registration.today_in_china()
    checked: list[tuple[int, str, str, dict[str, Any] | DomainError]] = []
    for number, values in rows:
        name, masked = sheet.shown_name(values, columns), sheet.shown_id(values, columns)
        try:
            checked.append((number, name, masked, _message(job, branches, values, columns, number, today)))
        except DomainError as error:
            checked.append((number, name, masked, error))
    owners = _owners([m for *_, m in checked if isinstance(m, dict)])
    outcomes: list[RowOutcome] = []
    for number, name, masked, message in checked:
        if isinstance(message, DomainError):
            outcomes.append(_error(number, name, masked, message))
            continue
        registration_id = message["registration_id"]
        # REG-4 before writing: a claim held by anyone but this row's own registration (an earlier
        # run of this chunk) is a duplicate; reporting it writes nothing.
        taken = next((e for pk, e in _claim_keys(message) if owners.get(pk, registration_id) != registration_id), None)
        if taken is not None:
            outcomes.append(_error(number, name, masked, taken))
            continue
        written = registration.apply_submission(message)
        if written.state == registration.REFUSED:
            field = "development_number" if written.refusal_message == registration.DUPLICATE_NUMBER.message else None
            code, text = written.refusal_code or "REG-4", written.refusal_message or registration.DUPLICATE_ID.message
            outcomes.append(RowOutcome(number, name, masked, ERROR, code, text, field or "id_number"))
            continue
        for pk, _ in _claim_keys(message):
            owners[pk] = registration_id  # a later row of the chunk with the same person is a duplicate
        outcomes.append(RowOutcome(number, name, masked, OK, registration_id=registration_id))
    return outcomes


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
        condition=(Import.state == RUNNING) & (Import.next_row == first),
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


def _outcomes(job: Import) -> Iterator[RowOutcome]:
    chunks = ImportChunk.query(
        keys.import_pk(job.import_id), ImportChunk.sk.startswith(keys.IMPORT_CHUNK_PREFIX), consistent_read=True
    )
    for chunk in chunks:
        if isinstance(chunk, ImportChunk):
            yield from (RowOutcome.from_list(values) for values in json.loads(chunk.outcomes))


def _write_report(job: Import) -> str:
    summary = {
        "导入编号": job.import_id,
        "文件名": job.file_name or "",
        "数据行数": job.rows_total or 0,
        "已处理": job.rows_done,
        "成功": job.rows_good,
        "失败": job.rows_bad,
        "状态": job.state,
    }
    key = f"import-reports/{job.org_id}/{job.import_id}.xlsx"
    storage.put_bytes(BUCKET, key, sheet.build_report(_outcomes(job), summary), sheet.XLSX_CONTENT_TYPE)
    return key


def _finish(job: Import) -> None:
    """The last chunk is counted: write the report, then DONE (once, whoever gets here)."""
    job.state = DONE
    key = _write_report(job)
    finished = now()
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.update(
        job,
        [
            Import.state.set(DONE),
            Import.report_key.set(key),
            Import.finished_at.set(finished),
            Import.updated_at.set(finished),
        ],
        condition=(Import.state == RUNNING) & (Import.next_row > Import.last_row),
        on_fail=_SETTLED,
        versioned=False,
    )
    uow.audit(
        "import.finish",
        "IMPORT",
        job.import_id,
        job.org_id,
        before={"state": RUNNING},
        after={"state": DONE, "rows": job.rows_done, "good": job.rows_good, "bad": job.rows_bad},
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
    job = _find(job.import_id) or job
    previous = job.state
    job.state = FAILED
    key = _write_report(job) if job.rows_done else None
    finished = now()
    actions: list[Action] = [
        Import.state.set(FAILED),
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
        condition=Import.state.is_in(QUEUED, RUNNING),
        on_fail=_SETTLED,
        versioned=False,
    )
    after = {"state": FAILED, "code": code}
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
    storage.delete_all_versions(BUCKET, job.upload_key)
