"""Request and response bodies of the HTTP API (pydantic). The OpenAPI document is built
from these, so they are the one statement of the API's shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from zhtj.domain.org_rules import Level, OrgType, Sector
from zhtj.domain.registration_rules import IdentityProof, IncomeBand

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


class RegistrationSubmit(Body):
    """REG-1: what a member fills in to register (报到) to a branch."""

    name: str = Field(min_length=1, max_length=30)
    id_number: str = Field(min_length=15, max_length=40)
    ethnicity: str = Field(min_length=1, max_length=10)
    political_status: str = Field(min_length=1, max_length=10)
    join_month: str = Field(min_length=7, max_length=7, description="入团年月 YYYY-MM")
    branch_id: str = Field(min_length=1, max_length=40)
    is_cadre: bool
    development_number: str | None = Field(default=None, max_length=30)
    identity_proof: IdentityProof | None = None
    education: str | None = Field(default=None, max_length=20)
    occupation: str | None = Field(default=None, max_length=30)
    income_band: IncomeBand | None = None
    phone: str | None = Field(default=None, max_length=20)
    previous_ticket: str | None = Field(default=None, max_length=40, description="重新提交时填写原报到凭证")


class RegistrationOut(Out):
    registration_id: str
    branch_id: str
    state: str
    real_name_state: str
    name: str
    id_masked: str | None
    birth_date: str | None
    sex: str | None
    ethnicity: str | None
    political_status: str | None
    join_month: str | None
    development_number: str | None
    is_cadre: bool
    submitted_at: datetime
    review_due: datetime | None
    return_reason: str | None
    refusal_code: str | None
    refusal_message: str | None
    escalated_to: str | None
    member_id: str | None


class Reason(Body):
    reason: str = Field(min_length=1, max_length=200)


class OfflinePass(Body):
    note: str = Field(min_length=1, max_length=500)
    photo_key: str = Field(min_length=1, max_length=300)


class UploadOut(BaseModel):
    key: str
    url: str


class WavesIn(Body):
    opens: dict[str, datetime]


class WaveOut(Out):
    group: str
    opens_at: datetime
    opened: bool


class TicketOut(BaseModel):
    ticket: str
    status: str
    registration: RegistrationOut | None = None
