"""Request and response models of the accounts routes (pydantic): the OpenAPI document is built from them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from chalicelib.schemas import BirthMonth, Body, MaskedId, Out


class AdminAccountCreate(Body):
    """ACCT-6: the child's administrator, handed over by the parent: their name and mobile."""

    name: str = Field(min_length=1, max_length=30)
    phone: str = Field(min_length=5, max_length=20)


class AccountOut(Out):
    account_id: str
    name: str
    phone: str | None
    member_id: str | None
    registration_id: str | None
    must_change_password: bool


class AdminAccountOut(BaseModel):
    """The administrator's account and its initial password, shown this once (None when the
    person already had an account: they sign in with their own password)."""

    account: AccountOut
    initial_password: str | None


class GrantCreate(Body):
    account_id: str = Field(min_length=1, max_length=40)
    role: str = Field(min_length=1, max_length=10)


class GrantOut(Out):
    account_id: str
    org_id: str
    role: str
    granted_at: datetime
    name: str | None = Field(default=None, description="账号姓名（组织的团干部与管理员列表）")


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


class ActFor(Body):
    org_id: str | None = Field(default=None, max_length=40)


class AccessOut(BaseModel):
    """A new access token for the same session (after switching organisation or changing the password)."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    acting_org_id: str | None


class SmsCodeRequest(Body):
    phone: str = Field(min_length=5, max_length=20)
    purpose: Literal["sign_up", "sign_in", "reset", "confirm", "transfer"]


class SmsCodeSent(BaseModel):
    """The code is on its way (the same answer whether or not the phone has an account)."""

    sent: bool
    resend_after_seconds: int


class SignUp(Body):
    phone: str = Field(min_length=5, max_length=20)
    code: str = Field(min_length=4, max_length=8)
    password: str = Field(min_length=1, max_length=64)


class SignIn(Body):
    """Either `login` (phone or ID number) with `password`, or `phone` with an SMS `code`."""

    login: str | None = Field(default=None, min_length=1, max_length=30)
    password: str | None = Field(default=None, min_length=1, max_length=64)
    phone: str | None = Field(default=None, min_length=5, max_length=20)
    code: str | None = Field(default=None, min_length=4, max_length=8)


class RefreshIn(Body):
    refresh_token: str = Field(min_length=10, max_length=100)


class SessionOut(BaseModel):
    """A signed-in session: a short-lived access token and the refresh token that renews it."""

    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    account: AccountOut


class PasswordReset(Body):
    """Either `phone` with an SMS `code`, or `id_number` with the branch's `reset_code`."""

    phone: str | None = Field(default=None, min_length=5, max_length=20)
    code: str | None = Field(default=None, min_length=4, max_length=8)
    id_number: str | None = Field(default=None, min_length=15, max_length=20)
    reset_code: str | None = Field(default=None, min_length=4, max_length=12)
    new_password: str = Field(min_length=1, max_length=64)


class PasswordChange(Body):
    old_password: str = Field(min_length=1, max_length=64)
    new_password: str = Field(min_length=1, max_length=64)


class ResetCodeOut(BaseModel):
    """ACCT-4: the one-time code to hand to the member, shown this once: it resets the password
    of the member's account, or, for a member without one, binds the account they sign up with."""

    reset_code: str
    valid_days: int


class MemberBinding(Body):
    """ACCT-4: a member without an account (an imported one) binds the signed-in account with
    the ID number and the one-time code their branch issued."""

    id_number: str = Field(min_length=15, max_length=20)
    reset_code: str = Field(min_length=4, max_length=12)


class InvitationCreate(Body):
    name: str = Field(min_length=1, max_length=30)
    phone: str = Field(min_length=5, max_length=20)
    position: str = Field(min_length=1, max_length=10)


class InvitationOut(Out):
    org_id: str
    name: str
    phone: str
    position: str
    invited_at: datetime
    expires_at: datetime | None


class InvitationAccept(Body):
    """A person new to the system sets a password; someone with an account accepts signed in."""

    password: str | None = Field(default=None, min_length=1, max_length=64)


class InvitationAccepted(BaseModel):
    org_id: str
    position: str
    account: AccountOut
    session: SessionOut | None


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
