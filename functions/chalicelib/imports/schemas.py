"""Request and response models of the imports routes (pydantic): the OpenAPI document is built from them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from chalicelib.schemas import Body, Out


class ImportCreate(Body):
    file_name: str | None = Field(default=None, max_length=100, description="上传的文件名（用于结果报告）")


class ImportOut(Out):
    import_id: str
    org_id: str
    file_name: str | None
    state: str = Field(description="UPLOADING 等待上传 / QUEUED 排队中 / RUNNING 处理中 / DONE 完成 / FAILED 失败")
    rows_total: int | None
    rows_done: int
    rows_good: int
    rows_bad: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error_code: str | None
    error_message: str | None


class ImportCreatedOut(BaseModel):
    job: ImportOut
    upload_url: str = Field(description="PUT the xlsx here, with the Content-Type below")
    upload_key: str
    content_type: str


class ImportDownloadOut(BaseModel):
    key: str
    url: str
    expires_in: int
