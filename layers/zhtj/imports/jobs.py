"""An import job (IMPORT-1): the template to fill in, creating an import with its presigned
upload, starting it, reading it and its report's download. The worker (imports/worker.py)
does the rest."""

from __future__ import annotations

import hashlib
import json

from zhtj.core.clock import new_id, now
from zhtj.core.errors import ConflictError, NotFoundError, RuleViolation, ValidationError
from zhtj.imports import template as sheet
from zhtj.imports.messages import IMPORTS, ImportChunk
from zhtj.imports.models import Import
from zhtj.imports.rules import MAX_FILE_BYTES, ImportState
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgStatus, OrgType
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging, storage
from zhtj.table.unit_of_work import UnitOfWork

BUCKET = "uploads"
DOWNLOAD_SECONDS = storage.DOWNLOAD_SECONDS

IMPORT_NOT_FOUND = NotFoundError("IMPORT_NOT_FOUND", "导入任务不存在", "import_id")
ALREADY_STARTED = ConflictError("IMPORT_ALREADY_STARTED", "该导入已开始处理，请查看进度", None)
REPORT_NOT_READY = ConflictError("IMPORT_REPORT_NOT_READY", "导入尚未完成，结果报告还不能下载", None)


def find(import_id: str) -> Import | None:
    """The import (a consistent read), or None."""
    try:
        return Import.get(keys.import_pk(import_id), keys.META, consistent_read=True)
    except Import.DoesNotExist:
        return None


def send(import_id: str, row: int) -> None:
    """Queue the chunk of an import starting at sheet row `row`."""
    IMPORTS.send(ImportChunk(import_id=import_id, row=row))


def _check_importer(org: Org) -> None:
    if org.system or org.status != OrgStatus.ACTIVE:
        raise RuleViolation("ORG-7", "不能为系统组织或已撤销的组织导入团员", "org_id")


def _child_branches(org: Org) -> list[Org]:
    children = Org.by_gsi1.query(keys.children_pk(org.org_id))
    return [c for c in children if isinstance(c, Org) and c.org_type == OrgType.BRANCH and c.status == OrgStatus.ACTIVE]


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
        state=ImportState.UPLOADING,
        created_by=operator.account_id,
        created_at=created,
    )
    uow = UnitOfWork(operator.actor)
    uow.put(job, condition=Import.pk.does_not_exist())
    uow.audit(
        "import.create", "IMPORT", import_id, org.org_id, after={"state": ImportState.UPLOADING, "file_name": file_name}
    )
    uow.commit()
    return job, storage.upload_url(BUCKET, job.upload_key, sheet.XLSX_CONTENT_TYPE)


def read(principal: Principal, import_id: str) -> Import:
    job = find(import_id)
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
    job = find(import_id)
    if job is None:
        raise IMPORT_NOT_FOUND
    operator = authorize(principal, "import.create", get_org(job.org_id))
    if job.state == ImportState.QUEUED:
        send(job.import_id, int(job.next_row))
        return job
    if job.state != ImportState.UPLOADING:
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
            Import.state.set(ImportState.QUEUED),
            Import.upload_etag.set(etag),
            Import.started_at.set(started),
            Import.updated_at.set(started),
        ],
        condition=Import.state == ImportState.UPLOADING,
        on_fail=ALREADY_STARTED,
        versioned=False,
    )
    uow.audit(
        "import.start",
        "IMPORT",
        job.import_id,
        job.org_id,
        before={"state": ImportState.UPLOADING},
        after={"state": ImportState.QUEUED},
    )
    uow.commit()
    send(job.import_id, sheet.FIRST_DATA_ROW)
    found = find(import_id)
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
