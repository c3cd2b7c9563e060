"""Request and response models of the accounts routes (pydantic): the OpenAPI document is built from them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from chalicelib.schemas import BirthMonth, Body, MaskedId, Out


class AccountCreate(Body):
    """A cadre's or staff member's account, entered by their organisation (ACCT-5). It carries
    no membership: a member record comes only from an approved registration or an import."""

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


class MemberDetailOut(Out):
    """A member's record as the member and their organisations see it: every field of the record
    but the ID number's sealed form and blind index (the ID number only masked, by the one
    masking rule: logic/member_changes.member_view builds it)."""

    # The docstring is this schema's description in /openapi.json, kept byte-for-byte; the
    # masking rule is this model's own MaskedId and BirthMonth fields, validated from the item.

    member_id: str
    name: str
    branch_id: str
    state: str
    account_id: str | None
    registration_id: str | None
    created_at: datetime
    id_masked: MaskedId
    birth_month: BirthMonth
    sex: str | None
    ethnicity: str | None
    political_status: str | None
    join_month: str | None
    development_number: str | None
    identity_proof: str | None
    is_cadre: bool
    education: str | None
    occupation: str | None
    income_band: str | None
    phone: str | None
    edit_state: str | None
    open_edit_id: str | None
    open_deletion_id: str | None
    open_exit_id: str | None
    open_transfer_id: str | None
    delayed_graduation: bool | None
    left_on: str | None
    party_recommended_on: str | None = Field(default=None, description="推优入党：上级团委同意推荐的日期（PARTY-1）")
