"""Routes of recommending outstanding members to the Party (推优入党, PARTY-1): what may be cited,
the branch's proposal, the decision of the committee above. Thin: parse, call logic, shape."""

from __future__ import annotations

from datetime import datetime

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib.http import PageQuery, api
from chalicelib.life.routes import MeetingOut, meeting_out
from chalicelib.schemas import Body, Page
from zhtj.party import service as party
from zhtj.party.models import PartyRecommendation
from zhtj.party.rules import RecommendationState
from zhtj.signin.tokens import Principal

bp = Blueprint(__name__)
TAG = "组织生活与推优入党"


class RecommendationIn(Body):
    meeting_id: str = Field(min_length=1, max_length=40, description="讨论推荐的支部大会（组织生活记录）")
    grounds: str = Field(min_length=1, max_length=2000, description="推荐理由")
    award_ids: list[str] = Field(default_factory=list, max_length=party.MAX_CITED, description="所引用的奖励")
    evaluation_years: list[int] = Field(
        default_factory=list, max_length=party.MAX_CITED, description="所引用的教育评议年度"
    )
    previous_id: str | None = Field(default=None, max_length=40, description="被退回后重新推荐时，原推荐编号")


class ReasonIn(Body):
    reason: str = Field(min_length=1, max_length=500)


class RecommendationOut(BaseModel):
    recommendation_id: str
    member_id: str
    member_name: str
    branch_id: str
    reviewing_org_id: str
    reviewing_org_name: str
    state: str
    proposed_on: str
    meeting_id: str
    meeting_held_on: str
    grounds: str
    award_ids: list[str]
    evaluation_years: list[int]
    previous_id: str | None
    proposed_at: datetime
    decided_at: datetime | None
    decided_on: str | None
    return_reason: str | None


class CitedAwardOut(BaseModel):
    award_id: str
    title: str
    granted_on: str
    granted_by_name: str


class CitedEvaluationOut(BaseModel):
    year: int
    grade: str
    org_name: str


class GroundsOut(BaseModel):
    awards: list[CitedAwardOut]
    evaluations: list[CitedEvaluationOut]
    meetings: list[MeetingOut] = Field(description="本团支部最近的支部大会")


class QueueQuery(PageQuery):
    state: RecommendationState = RecommendationState.PROPOSED


def _out(r: PartyRecommendation) -> RecommendationOut:
    return RecommendationOut(
        recommendation_id=r.recommendation_id,
        member_id=r.member_id,
        member_name=r.member_name,
        branch_id=r.branch_id,
        reviewing_org_id=r.reviewing_org_id,
        reviewing_org_name=r.reviewing_org_name,
        state=r.state,
        proposed_on=r.proposed_on,
        meeting_id=r.meeting_id,
        meeting_held_on=r.meeting_held_on,
        grounds=r.grounds,
        award_ids=list(r.award_ids or []),
        evaluation_years=[int(str(y)) for y in r.evaluation_years or []],
        previous_id=r.previous_id,
        proposed_at=r.proposed_at,
        decided_at=r.decided_at,
        decided_on=r.decided_on,
        return_reason=r.return_reason,
    )


@api(
    bp,
    "/members/{member_id}/party-grounds",
    "GET",
    summary="推优入党可引用的奖励、评议与支部大会",
    response=GroundsOut,
    tag=TAG,
)
def grounds(member_id: str, principal: Principal) -> BaseModel:
    found = party.grounds(principal, member_id)
    return GroundsOut(
        awards=[
            CitedAwardOut(
                award_id=a.award_id, title=a.title, granted_on=a.granted_on, granted_by_name=a.granted_by_name
            )
            for a in found.awards
        ],
        evaluations=[
            CitedEvaluationOut(year=int(e.year), grade=e.grade, org_name=e.org_name) for e in found.evaluations
        ],
        meetings=[meeting_out(m) for m in found.meetings],
    )


@api(
    bp,
    "/members/{member_id}/party-recommendations",
    "POST",
    summary="推优入党：团支部提出推荐",
    body=RecommendationIn,
    response=RecommendationOut,
    status=201,
    tag=TAG,
)
def propose(member_id: str, principal: Principal, body: RecommendationIn) -> BaseModel:
    proposal = party.Proposal(
        meeting_id=body.meeting_id,
        grounds=body.grounds,
        award_ids=list(body.award_ids),
        evaluation_years=list(body.evaluation_years),
        previous_id=body.previous_id,
    )
    return _out(party.propose(principal, member_id, proposal))


@api(
    bp,
    "/members/{member_id}/party-recommendations",
    "GET",
    summary="团员的推优入党记录",
    response=list[RecommendationOut],
    tag=TAG,
)
def member_recommendations(member_id: str, principal: Principal) -> list[BaseModel]:
    return [_out(r) for r in party.member_recommendations(principal, member_id)]


@api(
    bp,
    "/members/{member_id}/party-recommendations/{recommendation_id}/approve",
    "POST",
    summary="推优入党：上级团委同意推荐",
    response=RecommendationOut,
    tag=TAG,
)
def approve(member_id: str, recommendation_id: str, principal: Principal) -> BaseModel:
    return _out(party.approve(principal, member_id, recommendation_id))


@api(
    bp,
    "/members/{member_id}/party-recommendations/{recommendation_id}/return",
    "POST",
    summary="推优入党：上级团委退回（须说明原因）",
    body=ReasonIn,
    response=RecommendationOut,
    tag=TAG,
)
def return_recommendation(member_id: str, recommendation_id: str, principal: Principal, body: ReasonIn) -> BaseModel:
    return _out(party.return_recommendation(principal, member_id, recommendation_id, body.reason))


@api(
    bp,
    "/orgs/{org_id}/party-recommendations",
    "GET",
    summary="上级团委待审批（或已审批）的推优入党",
    query=QueueQuery,
    response=Page[RecommendationOut],
    tag=TAG,
)
def queue(org_id: str, principal: Principal, query: QueueQuery) -> BaseModel:
    items, cursor = party.queue(principal, org_id, query.state, query.cursor, query.limit)
    return Page[RecommendationOut](items=[_out(r) for r in items], next_cursor=cursor)
