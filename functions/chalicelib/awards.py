"""Routes of rewards and punishments (AWARD-1/AWARD-2) and of the annual records the card shows
(annual registration, education evaluation, volunteer hours). Thin: parse, call logic, shape."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from chalice import Blueprint
from pydantic import BaseModel, Field

from chalicelib.http import PageQuery, api
from zhtj.annual import service as annual
from zhtj.annual.models import EvaluationProposal, VolunteerRecord
from zhtj.annual.rules import AnnualResult, Grade
from zhtj.awards import service as awards
from zhtj.awards.models import Award, AwardDeclaration
from zhtj.awards.rules import MAX_BATCH, AwardKind
from zhtj.schemas import Body, Out, Page
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "奖惩与年度记录"
_ID = Field(min_length=1, max_length=40)
_TEXT = Field(min_length=1, max_length=100)


# --- Shapes ------------------------------------------------------------------------------------------


class AwardIn(Body):
    kind: AwardKind
    title: str = _TEXT
    level: str | None = Field(default=None, max_length=40)
    document_number: str = Field(min_length=1, max_length=60)
    document_date: date
    # Only for a body outside the league tree or a joint award: otherwise the entering
    # organisation is the granting one (AWARD-1).
    granted_by_name: str | None = Field(default=None, min_length=1, max_length=100)
    attachment_key: str | None = Field(default=None, max_length=300)
    starts_on: date | None = None
    released_on: date | None = None

    def entry(self) -> awards.AwardEntry:
        return awards.AwardEntry(**self.model_dump())


class AwardBatchIn(AwardIn):
    member_ids: list[str] = Field(min_length=1, max_length=MAX_BATCH)


class DeclarationIn(Body):
    title: str = _TEXT
    level: str | None = Field(default=None, max_length=40)
    document_number: str = Field(min_length=1, max_length=60)
    document_date: date
    granted_by_org_id: str | None = Field(default=None, min_length=1, max_length=40)
    granted_by_name: str | None = Field(default=None, min_length=1, max_length=100)
    attachment_key: str | None = Field(default=None, max_length=300)


class UploadIn(Body):
    content_type: str = Field(min_length=1, max_length=60)


class UploadOut(BaseModel):
    key: str
    url: str


class ReasonIn(Body):
    reason: str = Field(min_length=1, max_length=500)


class ReleaseIn(Body):
    released_on: date


class AwardOut(Out):
    award_id: str
    member_id: str
    award_kind: str
    title: str
    level: str | None = None
    document_number: str
    granted_on: str
    granted_by_org_id: str | None = None
    granted_by_name: str
    entered_by_org_id: str
    entered_at: datetime
    entry_deadline: str
    late: bool
    attachment_key: str | None = None
    starts_on: str | None = None
    released_on: str | None = None
    in_force: bool | None = None
    declaration_id: str | None = None
    batch_id: str | None = None


class DeclarationOut(Out):
    declaration_id: str
    member_id: str
    title: str
    document_number: str
    granted_on: str
    granted_by_org_id: str | None = None
    granted_by_name: str
    reviewing_org_id: str
    state: str
    declared_at: datetime
    return_reason: str | None = None
    award_id: str | None = None


class MemberAwardsOut(BaseModel):
    awards: list[AwardOut]
    declarations: list[DeclarationOut]


class BatchRowOut(BaseModel):
    member_id: str
    award_id: str | None = None
    code: str | None = None
    message: str | None = None


class BatchOut(BaseModel):
    entered: int
    refused: int
    rows: list[BatchRowOut]


class DeclarationQuery(PageQuery):
    state: Literal["PENDING", "APPROVED", "RETURNED"] = "PENDING"


class AnnualIn(Body):
    # Members whose result is not 已注册; everyone else on the roll is registered.
    exceptions: dict[str, AnnualResult] = Field(default_factory=dict, max_length=500)


class AnnualOut(BaseModel):
    branch_id: str
    year: int
    registered_now: int
    already_registered: int
    results: dict[str, str]


class EvaluationIn(Body):
    grades: dict[str, Grade] = Field(max_length=2000)


class ProposalOut(Out):
    branch_id: str
    year: int
    state: str
    grades: dict[str, str]
    evaluated: int
    excellent: int
    party_members: int
    proposed_at: datetime
    decided_by_org_id: str | None = None
    decided_at: datetime | None = None
    return_reason: str | None = None


class VolunteerIn(Body):
    activity: str = _TEXT
    served_on: date
    tenths_of_hours: int = Field(ge=1, le=240)


class VolunteerOut(Out):
    record_id: str
    activity: str
    served_on: str
    tenths_of_hours: int
    entered_by_org_id: str


class VolunteerListOut(BaseModel):
    records: list[VolunteerOut]
    total_tenths_of_hours: int


def _proposal(p: EvaluationProposal) -> ProposalOut:
    import json

    return ProposalOut(
        branch_id=p.branch_id,
        year=int(p.year),
        state=p.state,
        grades=json.loads(p.grades_json),
        evaluated=int(p.evaluated),
        excellent=int(p.excellent),
        party_members=int(p.party_members or 0),
        proposed_at=p.proposed_at,
        decided_by_org_id=p.decided_by_org_id,
        decided_at=p.decided_at,
        return_reason=p.return_reason,
    )


def _award(a: Award) -> AwardOut:
    return AwardOut.model_validate(a)


def _declaration(d: AwardDeclaration) -> DeclarationOut:
    return DeclarationOut.model_validate(d)


def _year(text: str) -> int:
    from zhtj.core.errors import ValidationError

    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise ValidationError("YEAR_FORMAT", "年度应为四位数字", "year")
    return int(text)


# --- Awards -------------------------------------------------------------------------------------------


@api(
    bp, "/members/{member_id}/awards", "POST", summary="登记奖惩", body=AwardIn, response=AwardOut, status=201, tag=TAG
)
def enter(member_id: str, principal: Principal, body: AwardIn) -> BaseModel:
    return _award(awards.enter(principal, member_id, body.entry()))


@api(bp, "/members/{member_id}/awards", "GET", summary="团员的奖惩与申报", response=MemberAwardsOut, tag=TAG)
def member_awards(member_id: str, principal: Principal) -> BaseModel:
    found, declarations = awards.member_awards(principal, member_id)
    return MemberAwardsOut(awards=[_award(a) for a in found], declarations=[_declaration(d) for d in declarations])


@api(
    bp,
    "/members/{member_id}/awards/{award_id}/release",
    "POST",
    summary="解除处分",
    body=ReleaseIn,
    response=AwardOut,
    tag=TAG,
)
def release(member_id: str, award_id: str, principal: Principal, body: ReleaseIn) -> BaseModel:
    return _award(awards.release(principal, member_id, award_id, body.released_on))


@api(bp, "/orgs/{org_id}/awards", "POST", summary="批量登记奖惩", body=AwardBatchIn, response=BatchOut, tag=TAG)
def enter_batch(org_id: str, principal: Principal, body: AwardBatchIn) -> BaseModel:
    entry = awards.AwardEntry(**body.model_dump(exclude={"member_ids"}))
    outcomes = awards.enter_batch(principal, org_id, list(body.member_ids), entry)
    rows = [BatchRowOut(member_id=o.member_id, award_id=o.award_id, code=o.code, message=o.message) for o in outcomes]
    entered = sum(1 for r in rows if r.award_id)
    return BatchOut(entered=entered, refused=len(rows) - entered, rows=rows)


@api(bp, "/orgs/{org_id}/awards", "GET", summary="本组织登记的奖惩", query=PageQuery, response=Page[AwardOut], tag=TAG)
def entered_by(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = awards.entered_by(principal, org_id, query.cursor, query.limit)
    return Page[AwardOut](items=[_award(a) for a in items], next_cursor=cursor)


@api(bp, "/orgs/{org_id}/award-upload", "POST", summary="奖惩文件上传地址", body=UploadIn, response=UploadOut, tag=TAG)
def org_upload(org_id: str, principal: Principal, body: UploadIn) -> BaseModel:
    key, url = awards.org_upload(principal, org_id, body.content_type)
    return UploadOut(key=key, url=url)


# --- Declarations -------------------------------------------------------------------------------------


@api(
    bp,
    "/members/{member_id}/award-declarations",
    "POST",
    summary="团员申报所获奖励",
    body=DeclarationIn,
    response=DeclarationOut,
    status=201,
    tag=TAG,
)
def declare(member_id: str, principal: Principal, body: DeclarationIn) -> BaseModel:
    entry = awards.AwardEntry(
        kind=AwardKind.REWARD,
        title=body.title,
        document_number=body.document_number,
        document_date=body.document_date,
        level=body.level,
        granted_by_name=body.granted_by_name,
        attachment_key=body.attachment_key,
    )
    return _declaration(awards.declare(principal, member_id, entry, body.granted_by_org_id))


@api(
    bp,
    "/members/{member_id}/award-declarations/upload",
    "POST",
    summary="奖励申报附件上传地址",
    body=UploadIn,
    response=UploadOut,
    tag=TAG,
)
def declaration_upload(member_id: str, principal: Principal, body: UploadIn) -> BaseModel:
    key, url = awards.declaration_upload(principal, member_id, body.content_type)
    return UploadOut(key=key, url=url)


_DECL = "/members/{member_id}/award-declarations/{declaration_id}"


@api(bp, f"{_DECL}/approve", "POST", summary="认定团员申报的奖励", response=AwardOut, tag=TAG)
def approve(member_id: str, declaration_id: str, principal: Principal) -> BaseModel:
    return _award(awards.approve(principal, member_id, declaration_id))


@api(bp, f"{_DECL}/return", "POST", summary="退回团员申报的奖励", body=ReasonIn, response=DeclarationOut, tag=TAG)
def return_declaration(member_id: str, declaration_id: str, principal: Principal, body: ReasonIn) -> BaseModel:
    return _declaration(awards.return_declaration(principal, member_id, declaration_id, body.reason))


@api(
    bp,
    "/orgs/{org_id}/award-declarations",
    "GET",
    summary="待本组织认定的奖励申报",
    query=DeclarationQuery,
    response=Page[DeclarationOut],
    tag=TAG,
)
def declarations(org_id: str, principal: Principal, query: DeclarationQuery) -> BaseModel:
    items, cursor = awards.declarations_for(principal, org_id, query.state, query.cursor, query.limit)
    return Page[DeclarationOut](items=[_declaration(d) for d in items], next_cursor=cursor)


# --- Annual registration and education evaluation ---------------------------------------------------


@api(
    bp,
    "/orgs/{org_id}/annual-registrations/{year}",
    "POST",
    summary="支部年度团籍注册（全体团员）",
    body=AnnualIn,
    response=AnnualOut,
    tag=TAG,
)
def register(org_id: str, year: str, principal: Principal, body: AnnualIn) -> BaseModel:
    summary = annual.register(principal, org_id, _year(year), dict(body.exceptions))
    return AnnualOut(**summary.__dict__)


@api(
    bp,
    "/orgs/{org_id}/evaluations/{year}",
    "POST",
    summary="支部提出教育评议（全体团员）",
    body=EvaluationIn,
    response=ProposalOut,
    status=201,
    tag=TAG,
)
def propose(org_id: str, year: str, principal: Principal, body: EvaluationIn) -> BaseModel:
    return _proposal(annual.propose(principal, org_id, _year(year), dict(body.grades)))


@api(bp, "/orgs/{org_id}/evaluations/{year}", "GET", summary="支部的教育评议", response=ProposalOut, tag=TAG)
def read_proposal(org_id: str, year: str, principal: Principal) -> BaseModel:
    return _proposal(annual.read_proposal(principal, org_id, _year(year)))


@api(
    bp,
    "/orgs/{org_id}/evaluations/{year}/certify",
    "POST",
    summary="上级认定支部的教育评议",
    response=ProposalOut,
    tag=TAG,
)
def certify(org_id: str, year: str, principal: Principal) -> BaseModel:
    return _proposal(annual.certify(principal, org_id, _year(year)))


@api(
    bp,
    "/orgs/{org_id}/evaluations/{year}/return",
    "POST",
    summary="上级退回支部的教育评议",
    body=ReasonIn,
    response=ProposalOut,
    tag=TAG,
)
def return_proposal(org_id: str, year: str, principal: Principal, body: ReasonIn) -> BaseModel:
    return _proposal(annual.return_proposal(principal, org_id, _year(year), body.reason))


@api(
    bp,
    "/orgs/{org_id}/evaluation-proposals/{year}",
    "GET",
    summary="下级支部的教育评议（待认定在前）",
    query=PageQuery,
    response=Page[ProposalOut],
    tag=TAG,
)
def proposals(org_id: str, year: str, principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = annual.proposals_under(principal, org_id, _year(year), query.cursor, query.limit)
    return Page[ProposalOut](items=[_proposal(p) for p in items], next_cursor=cursor)


# --- Volunteer hours ----------------------------------------------------------------------------------


@api(
    bp,
    "/members/{member_id}/volunteer-hours",
    "POST",
    summary="登记志愿服务时长",
    body=VolunteerIn,
    response=VolunteerOut,
    status=201,
    tag=TAG,
)
def record_volunteer(member_id: str, principal: Principal, body: VolunteerIn) -> BaseModel:
    record = annual.record_volunteer(principal, member_id, body.activity, body.served_on, body.tenths_of_hours)
    return VolunteerOut.model_validate(record)


@api(
    bp, "/members/{member_id}/volunteer-hours", "GET", summary="团员的志愿服务记录", response=VolunteerListOut, tag=TAG
)
def volunteer(member_id: str, principal: Principal) -> BaseModel:
    records: list[VolunteerRecord] = annual.volunteer_of(principal, member_id)
    return VolunteerListOut(
        records=[VolunteerOut.model_validate(r) for r in records],
        total_tenths_of_hours=sum(int(r.tenths_of_hours) for r in records),
    )
