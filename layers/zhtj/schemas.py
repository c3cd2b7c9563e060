"""Request and response bodies of the HTTP API (pydantic). The OpenAPI document is built
from these, so they are the one statement of the API's shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from zhtj.domain.org_rules import Level, OrgType, Sector

T = TypeVar("T")


class Body(BaseModel):
    """A request body: unknown fields are refused, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorOut(BaseModel):
    code: str
    message: str
    field: str | None


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class OrgCreate(Body):
    org_type: OrgType
    level: Level | None = None
    sector: Sector
    short_name: str = Field(min_length=1, max_length=50)
    full_name: str = Field(min_length=1, max_length=100)
    alias: str = Field(min_length=1, max_length=16)
    region_name: str | None = Field(default=None, max_length=20)
    class_branch: bool = False
    entry_year: int | None = Field(default=None, ge=1949, le=2100)


class OrgOut(Out):
    org_id: str
    parent_id: str | None
    path: str
    depth: int
    org_type: OrgType
    level: Level | None
    sector: Sector
    short_name: str
    full_name: str
    alias: str
    region_name: str | None
    entry_year: int | None
    status: str
    system: bool
    member_count: int
    child_count: int
    moving_job_id: str | None
    version: int


class OrgSearchHit(BaseModel):
    org_id: str
    short_name: str
    org_type: OrgType
    path: str


class OrgMove(Body):
    new_parent_id: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1, max_length=200)


class OrgDissolve(Body):
    reason: str = Field(min_length=1, max_length=200)


class OrgMerge(Body):
    into_org_id: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1, max_length=200)


class MergeOut(BaseModel):
    moved_members: int
    dissolved: OrgOut


class TreeJobOut(Out):
    job_id: str
    org_id: str
    old_path: str
    new_path: str
    status: str
    rewritten: int
    created_at: datetime
    finished_at: datetime | None


class Finding(BaseModel):
    org_id: str
    code: str
    message: str


class AccountCreate(Body):
    """A cadre's or member's account, with its membership in a branch (a cadre is a member
    of exactly one branch; a non-member who becomes a cadre gets membership by default)."""

    name: str = Field(min_length=1, max_length=30)


class AdminAccountCreate(Body):
    name: str = Field(min_length=1, max_length=30)


class AccountOut(Out):
    account_id: str
    name: str
    member_id: str | None


class GrantCreate(Body):
    account_id: str = Field(min_length=1, max_length=40)
    role: str = Field(min_length=1, max_length=10)


class GrantOut(Out):
    account_id: str
    org_id: str
    role: str
    granted_at: datetime


class MemberOut(Out):
    member_id: str
    name: str
    branch_id: str
    state: str
    account_id: str | None


class MeOut(BaseModel):
    account: AccountOut
    acting_org_id: str | None
    grants: list[GrantOut]


class DevTokenRequest(Body):
    account_id: str = Field(min_length=1, max_length=40)
    org_id: str | None = Field(default=None, max_length=40)


class ActFor(Body):
    org_id: str | None = Field(default=None, max_length=40)


class TokenOut(BaseModel):
    token: str
    token_type: Literal["Bearer"] = "Bearer"
    acting_org_id: str | None


class AuditOut(Out):
    action: str
    subject_kind: str
    subject_id: str
    org_id: str
    actor_account_id: str
    actor_org_id: str | None
    at: datetime
    before: dict[str, object] | None = None
    after: dict[str, object] | None = None
