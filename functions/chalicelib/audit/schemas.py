"""Request and response models of the audit routes (pydantic): the OpenAPI document is built from them."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from chalicelib.schemas import DeidentifiedImage, Out


class AuditOut(Out):
    action: str
    subject_kind: str
    subject_id: str
    org_id: str
    actor_account_id: str
    actor_name: str | None = Field(description="操作人姓名（账号已不存在时为空；系统操作为“系统”）")
    actor_org_id: str | None
    actor_org_name: str | None = Field(description="操作人所代表的组织的简称")
    subject_name: str | None = Field(
        default=None, description="变更对象的名称（团员、组织、账号、报到的姓名或简称；其他类别为空）"
    )
    at: datetime
    before: DeidentifiedImage = None
    after: DeidentifiedImage = None
