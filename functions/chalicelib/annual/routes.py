"""Routes of the annual records the card shows: a branch's annual registration (年度注册), its
education evaluation (教育评议: proposed by the branch, certified above), and volunteer hours.
Thin: parse, call logic, shape."""

from __future__ import annotations

import json
from datetime import date, datetime

from chalice.app import Blueprint
from msgspec.structs import asdict
from pydantic import BaseModel, Field

from chalicelib.awards.routes import TAG, TEXT, ReasonIn
from chalicelib.http import PageQuery, api
from chalicelib.schemas import Body, Out, Page
from zhtj.annual import records as annual_records
from zhtj.annual import service as annual
from zhtj.annual.models import EvaluationProposal, VolunteerRecord
from zhtj.annual.rules import AnnualResult, Grade
from zhtj.core.errors import ValidationError
from zhtj.orgs.reads import org_names
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)


class AnnualIn(Body):
    # Members whose result is not 已注册; everyone else on the roll is registered.
    exceptions: dict[str, AnnualResult] = Field(default_factory=dict, max_length=500)


class AnnualOut(BaseModel):
    branch_id: str
    year: int
    registered_now: int
    already_registered: int
    results: dict[str, str]


class RollEntryOut(BaseModel):
    member_id: str
    name: str
    on_roll: bool = Field(description="仍在本支部名册中（否：当年在本支部注册后已转出或离团）")
    evaluated: bool = Field(description="参加教育评议（保留团籍的党员只注册、不评议）")
    result: str | None = Field(default=None, description="已注册、暂缓注册、不予注册；未注册为空")
    registered_on: str | None = None


class AnnualRollOut(BaseModel):
    branch_id: str
    year: int
    members: list[RollEntryOut]


class AnnualRegistrationOut(Out):
    year: int
    result: str
    registered_on: str
    org_name: str


class EvaluationOut(Out):
    year: int
    grade: str
    org_name: str
    certified_on: str


class MemberAnnualOut(BaseModel):
    registrations: list[AnnualRegistrationOut]
    evaluations: list[EvaluationOut]


class EvaluationIn(Body):
    grades: dict[str, Grade] = Field(max_length=2000)


class EvaluationProposalOut(Out):
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
    branch_name: str | None = None


class VolunteerIn(Body):
    activity: str = TEXT
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


def _proposal(p: EvaluationProposal, branch_name: str | None = None) -> EvaluationProposalOut:
    return EvaluationProposalOut(
        branch_name=branch_name,
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


def _year(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise ValidationError("YEAR_FORMAT", "年度应为四位数字", "year")
    return int(text)


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
    return AnnualOut(**asdict(summary))


@api(
    bp,
    "/orgs/{org_id}/annual-registrations/{year}",
    "GET",
    summary="支部的年度团籍注册情况（全体团员，含未注册）",
    response=AnnualRollOut,
    tag=TAG,
)
def roll(org_id: str, year: str, principal: Principal) -> BaseModel:
    entries = annual_records.roll(principal, org_id, _year(year))
    return AnnualRollOut(branch_id=org_id, year=int(year), members=[RollEntryOut(**asdict(entry)) for entry in entries])


@api(
    bp,
    "/members/{member_id}/annual-records",
    "GET",
    summary="团员的年度注册与教育评议",
    response=MemberAnnualOut,
    tag=TAG,
)
def member_annual(member_id: str, principal: Principal) -> BaseModel:
    found = annual_records.member_annual(principal, member_id)
    return MemberAnnualOut(
        registrations=[AnnualRegistrationOut.model_validate(r) for r in found.registrations],
        evaluations=[EvaluationOut.model_validate(e) for e in found.evaluations],
    )


@api(
    bp,
    "/orgs/{org_id}/evaluations/{year}",
    "POST",
    summary="支部提出教育评议（全体团员）",
    body=EvaluationIn,
    response=EvaluationProposalOut,
    status=201,
    tag=TAG,
)
def propose(org_id: str, year: str, principal: Principal, body: EvaluationIn) -> BaseModel:
    return _proposal(annual.propose(principal, org_id, _year(year), dict(body.grades)))


@api(bp, "/orgs/{org_id}/evaluations/{year}", "GET", summary="支部的教育评议", response=EvaluationProposalOut, tag=TAG)
def read_proposal(org_id: str, year: str, principal: Principal) -> BaseModel:
    return _proposal(annual.read_proposal(principal, org_id, _year(year)))


@api(
    bp,
    "/orgs/{org_id}/evaluations/{year}/certify",
    "POST",
    summary="上级认定支部的教育评议",
    response=EvaluationProposalOut,
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
    response=EvaluationProposalOut,
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
    response=Page[EvaluationProposalOut],
    tag=TAG,
)
def proposals(org_id: str, year: str, principal: Principal, query: PageQuery) -> BaseModel:
    items, cursor = annual.proposals_under(principal, org_id, _year(year), query.cursor, query.limit)
    names = org_names([p.branch_id for p in items])
    return Page[EvaluationProposalOut](items=[_proposal(p, names.get(p.branch_id)) for p in items], next_cursor=cursor)


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
