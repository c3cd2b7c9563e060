"""Request and response models of the search routes (pydantic): the OpenAPI document is built from them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from chalicelib.schemas import Body, MaskedId


class SearchIn(Body):
    """A search travels in a body, never in the URL: an ID number must not reach access logs,
    proxies or browser history."""

    q: str = Field(
        min_length=1,
        max_length=50,
        description="姓名片段、组织名称片段或身份证号码（按身份证号码查找每人每日限次，超出返回429，每次均记入审计）",
    )
    kind: Literal["member", "branch"] = Field(default="member", description="member: 团员; branch: 团组织")
    org_id: str | None = Field(default=None, max_length=64, description="查找范围（默认：当前所代表的组织）")
    cursor: str | None = Field(default=None, max_length=2048)
    limit: int = Field(default=20, ge=1, le=100)


class SearchHitOut(BaseModel):
    kind: Literal["member", "branch"]
    id: str = Field(description="member id or organisation id")
    name: str
    exact: bool = Field(description="the whole name equals the query (ranked first)")
    id_masked: MaskedId = None
    branch_id: str | None = None
    branch_name: str | None = None
    org_type: str | None = None
    state: str | None = None
