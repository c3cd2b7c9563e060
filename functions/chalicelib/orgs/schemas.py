"""Request and response models of the orgs routes (pydantic): the OpenAPI document is built from them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from chalicelib.schemas import Body, FieldErrorOut, Out
from zhtj.orgs.rules import Level, OrgType, Sector


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


class NameCheckIn(Body):
    """ORG-5 as you type: the new child's type (and level, region, class) and its names as far
    as they are typed; a name left out is not checked yet."""

    org_type: OrgType
    level: Level | None = None
    short_name: str | None = Field(default=None, max_length=100)
    full_name: str | None = Field(default=None, max_length=200)
    alias: str | None = Field(default=None, max_length=50)
    region_name: str | None = Field(default=None, max_length=20)
    class_branch: bool = False
    entry_year: int | None = Field(default=None, ge=1949, le=2100)


class OrgEdit(Body):
    """An organisation's details as edited (a field left out stays as it is; never its type,
    level or parent). `version`: the organisation's version as the editor read it (a change
    since is refused with STALE_WRITE). region_name "" removes the region; entry_year makes a
    branch a school class's."""

    version: int = Field(ge=0)
    short_name: str | None = Field(default=None, min_length=1, max_length=50)
    full_name: str | None = Field(default=None, min_length=1, max_length=100)
    alias: str | None = Field(default=None, min_length=1, max_length=16)
    sector: Sector | None = None
    region_name: str | None = Field(default=None, max_length=20)
    entry_year: int | None = Field(default=None, ge=1949, le=2100)


class OrgNameCheckIn(Body):
    """ORG-5 as the edit form is typed: the organisation's names as far as they are typed (a
    name left out is not checked); its own names are no conflict."""

    short_name: str | None = Field(default=None, max_length=100)
    full_name: str | None = Field(default=None, max_length=200)
    alias: str | None = Field(default=None, max_length=50)
    region_name: str | None = Field(default=None, max_length=20)
    entry_year: int | None = Field(default=None, ge=1949, le=2100)


class NameCheckOut(BaseModel):
    """ok: creating the child with these names would pass ORG-5 (and ORG-1/2/7). Otherwise the
    first refusal as code, message and field (as POST /orgs/{org_id}/children answers it) and
    every refusal in `errors`, one per field, to show beside each."""

    ok: bool
    code: str | None
    message: str | None
    field: str | None
    errors: list[FieldErrorOut]


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
