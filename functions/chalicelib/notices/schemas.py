"""HTTP models of notices (MSG-3)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from chalicelib.schemas import Body
from zhtj.notices import rules
from zhtj.notices.rules import Audience


class AttachmentUploadIn(Body):
    content_type: str = Field(min_length=1, max_length=120, description="PDF、docx、xlsx、JPG或PNG")


class UploadOut(BaseModel):
    key: str
    url: str


class AttachmentIn(Body):
    key: str = Field(min_length=1, max_length=200)
    file_name: str = Field(min_length=1, max_length=120, description="下载时保存的文件名")


class NoticeIn(Body):
    title: str = Field(min_length=1, max_length=100)
    body: str = Field(min_length=1, max_length=20_000)
    audience: Audience = Field(description="全部下级 SUBTREE，或所选直属下级 CHILDREN")
    child_ids: list[str] = Field(default_factory=list, max_length=rules.MAX_CHOSEN_CHILDREN)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=rules.MAX_ATTACHMENTS)


class AttachmentOut(BaseModel):
    file_name: str
    size: int
    url: str | None = Field(default=None, description="下载地址（限时有效）")
    expired: bool = Field(default=False, description="附件已过保存期限（三年），不再提供下载")


class NoticeOut(BaseModel):
    notice_id: str
    publisher_org_id: str
    title: str
    body: str
    audience: str
    child_ids: list[str]
    attachments: list[AttachmentOut]
    published_at: datetime


class NoticeListed(BaseModel):
    notice_id: str
    publisher_org_id: str
    title: str
    published_at: datetime
    read: bool | None = Field(default=None, description="本人是否已读（发布方列表不填）")


class ReadCountOut(BaseModel):
    org_id: str = Field(description="发布组织的直属下级组织（或发布组织本级）")
    name: str = Field(description="组织简称")
    reads: int = Field(description="阅读人数（团员及团干部，每人只计一次）")
    members: int = Field(description="团员数（下级组织含其全部下级；本级为本级团员）")
    rate: float | None = Field(description="阅读率：阅读人数 ÷ 团员数（无团员时为空；团干部也计入阅读人数，可能超过1）")


class ReadCountsOut(BaseModel):
    notice_id: str
    total: int = Field(description="阅读人数合计")
    members: int = Field(description="所发送范围的团员数合计")
    rate: float | None = Field(description="总体阅读率：阅读人数合计 ÷ 团员数合计")
    by_org: list[ReadCountOut]
