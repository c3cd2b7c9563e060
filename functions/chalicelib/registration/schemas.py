"""Request and response models of the registration routes (pydantic): the OpenAPI document is built from them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from chalicelib.schemas import BirthMonth, Body, MaskedId, Out
from zhtj.registration.rules import IdentityProof, IncomeBand, Submission


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
    previous_id: str | None = Field(default=None, max_length=40, description="更正后重新提交时填写原报到编号")
    admitted_on: date | None = Field(default=None, description="新发展团员：接收入团的支部大会日期（REG-7）")

    def submission(self) -> Submission:
        """The person's part (REG-1), as the registration rules check it."""
        return Submission(**self.model_dump(exclude={"branch_id", "previous_id", "admitted_on"}))


class RegistrationOut(Out):
    registration_id: str
    branch_id: str
    state: str
    real_name_state: str
    name: str
    id_masked: MaskedId
    birth_month: BirthMonth
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
    late_registration: bool | None = None


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


class ApplicationOut(BaseModel):
    """The applicant's registration as they follow it: QUEUED while it waits to be written, NONE
    when the account has none, else the registration's state."""

    registration_id: str | None
    status: str
    registration: RegistrationOut | None = None
