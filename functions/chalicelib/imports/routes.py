"""Routes of bulk entry (批量录入 = import): IMPORT-1..2. Thin: parse, call logic.imports, shape."""

from __future__ import annotations

from chalice.app import Blueprint
from pydantic import BaseModel

from chalicelib.http import PageQuery, api
from chalicelib.imports.schemas import ImportCreate, ImportCreatedOut, ImportDownloadOut, ImportOut
from chalicelib.schemas import Page
from zhtj.imports import service as imports
from zhtj.imports.template import XLSX_CONTENT_TYPE
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "批量录入"


def _download(key: str, url: str) -> ImportDownloadOut:
    return ImportDownloadOut(key=key, url=url, expires_in=imports.DOWNLOAD_SECONDS)


@api(bp, "/orgs/{org_id}/import-template", "GET", summary="下载团员导入模板", response=ImportDownloadOut, tag=TAG)
def template(org_id: str, principal: Principal) -> BaseModel:
    return _download(*imports.template(principal, org_id))


@api(
    bp,
    "/orgs/{org_id}/imports",
    "POST",
    summary="新建导入（返回文件上传地址）",
    body=ImportCreate,
    response=ImportCreatedOut,
    status=201,
    tag=TAG,
)
def create(org_id: str, principal: Principal, body: ImportCreate) -> BaseModel:
    job, url = imports.create(principal, org_id, body.file_name)
    return ImportCreatedOut(
        job=ImportOut.model_validate(job), upload_url=url, upload_key=job.upload_key, content_type=XLSX_CONTENT_TYPE
    )


@api(
    bp, "/orgs/{org_id}/imports", "GET", summary="本组织的导入记录", query=PageQuery, response=Page[ImportOut], tag=TAG
)
def list_for_org(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = imports.list_for_org(principal, org_id, query.cursor, query.limit)
    return Page[ImportOut](items=[ImportOut.model_validate(i) for i in items], next_cursor=cursor)


@api(bp, "/imports/{import_id}", "GET", summary="查看导入进度", response=ImportOut, tag=TAG)
def read(import_id: str, principal: Principal) -> BaseModel:
    return ImportOut.model_validate(imports.read(principal, import_id))


@api(bp, "/imports/{import_id}/start", "POST", summary="开始导入", response=ImportOut, status=202, tag=TAG)
def start(import_id: str, principal: Principal) -> BaseModel:
    return ImportOut.model_validate(imports.start(principal, import_id))


@api(bp, "/imports/{import_id}/report", "GET", summary="下载导入结果报告", response=ImportDownloadOut, tag=TAG)
def report(import_id: str, principal: Principal) -> BaseModel:
    return _download(*imports.report(principal, import_id))
