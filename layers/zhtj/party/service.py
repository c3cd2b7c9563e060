"""Recommending outstanding members to the Party (推优入党, PARTY-1).

A branch proposes a member aged 18 or over on the proposal date (the birth date of the member's
record), citing the branch meeting (支部大会, a LifeMeeting the branch recorded) that resolved
it and the grounds: a text, and the member's rewards and education evaluations, chosen from
those on the record (`grounds`). The committee directly above the branch approves, or returns
it with a reason; a returned member may be proposed again (the new recommendation names the
returned one). The member's record carries the open recommendation (`Member.open_party_id`:
one at a time, the pointer is the guard) and the approval date (`party_recommended_on`); an
approved recommendation is on the card (cards.content's PARTY# section) and in the
statistics (the stream counts PartyRecommendation items by state). Every step is one
transaction with its audit record."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from pynamodb.expressions.update import Action

from zhtj.annual.models import Evaluation
from zhtj.awards.models import Award
from zhtj.awards.rules import AwardKind
from zhtj.cards import due as card_due
from zhtj.core import clock
from zhtj.core.errors import ConflictError, ForbiddenError, NotFoundError, RuleViolation, ValidationError
from zhtj.life import service as life
from zhtj.life.models import LifeMeeting
from zhtj.life.rules import MeetingKind
from zhtj.members.models import Member
from zhtj.members.service import member_and_branch, read_member, require_normal
from zhtj.orgs.authz import Acting, authorize, get_org
from zhtj.orgs.models import Org
from zhtj.party import rules as party_rules
from zhtj.party.models import PartyRecommendation
from zhtj.party.rules import RecommendationState
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.unit_of_work import UnitOfWork

MAX_CITED = 50
RECOMMENDATION_NOT_FOUND = NotFoundError("PARTY_RECOMMENDATION_NOT_FOUND", "推优入党记录不存在", "recommendation_id")
ALREADY_DECIDED = ConflictError("PARTY_ALREADY_DECIDED", "该推荐已审批或已退回", None)
ALREADY_OPEN = ConflictError("PARTY_ALREADY_OPEN", "该团员已有待审批或已同意的推优入党", "member_id")
NOT_REVIEWING_ORG = ForbiddenError("NOT_REVIEWING_ORG", "推优入党由团支部的上级团委审批", None)


class Proposal(msgspec.Struct, frozen=True):
    meeting_id: str
    grounds: str
    award_ids: Sequence[str] = ()
    evaluation_years: Sequence[int] = ()
    previous_id: str | None = None


class Grounds(msgspec.Struct, frozen=True):
    """What a branch may cite for a member: their rewards and evaluations, and the branch's
    recorded 支部大会 (newest first)."""

    awards: list[Award]
    evaluations: list[Evaluation]
    meetings: list[LifeMeeting]


def _rewards(member_id: str) -> list[Award]:
    return [
        a
        for a in Award.query(keys.member_pk(member_id), Award.sk.startswith(keys.AWARD_SK_PREFIX))
        if isinstance(a, Award) and a.award_kind == AwardKind.REWARD
    ]


def _evaluations(member_id: str) -> list[Evaluation]:
    return [
        e
        for e in Evaluation.query(keys.member_pk(member_id), Evaluation.sk.startswith(keys.EVAL_SK_PREFIX))
        if isinstance(e, Evaluation)
    ]


def grounds(principal: Principal, member_id: str) -> Grounds:
    """The rewards and evaluations on the member's record and the branch's 支部大会, to choose from."""
    member, branch = member_and_branch(member_id)
    authorize(principal, "party.propose", branch)
    assemblies = [
        m
        for m in LifeMeeting.by_gsi1.query(keys.branch_life_pk(branch.org_id), scan_index_forward=False, limit=200)
        if isinstance(m, LifeMeeting) and m.meeting_kind == MeetingKind.BRANCH_ASSEMBLY
    ]
    return Grounds(_rewards(member.member_id), _evaluations(member.member_id), assemblies[:20])


def _check_cited(member: Member, proposal: Proposal) -> LifeMeeting:
    try:
        meeting = life.get_meeting(proposal.meeting_id)
    except NotFoundError as error:
        raise ValidationError("MEETING_NOT_FOUND", "所引用的支部大会记录不存在", "meeting_id") from error
    if meeting.branch_id != member.branch_id or meeting.meeting_kind != MeetingKind.BRANCH_ASSEMBLY:
        raise RuleViolation("PARTY-1", "推优入党须经本团支部的支部大会讨论", "meeting_id")
    if not proposal.grounds.strip():
        raise ValidationError("GROUNDS_REQUIRED", "请填写推荐理由", "grounds")
    if len(proposal.award_ids) > MAX_CITED or len(proposal.evaluation_years) > MAX_CITED:
        raise ValidationError("TOO_MANY_CITED", "引用的奖励或评议过多", "award_ids")
    rewards = {a.award_id for a in _rewards(member.member_id)}
    if any(a not in rewards for a in proposal.award_ids) or len(set(proposal.award_ids)) != len(proposal.award_ids):
        raise ValidationError("AWARD_NOT_ON_RECORD", "所引用的奖励不在该团员的档案中", "award_ids")
    years = {int(e.year) for e in _evaluations(member.member_id)}
    cited_years = list(proposal.evaluation_years)
    if any(y not in years for y in cited_years) or len(set(cited_years)) != len(cited_years):
        raise ValidationError("EVALUATION_NOT_ON_RECORD", "所引用的教育评议不在该团员的档案中", "evaluation_years")
    return meeting


def _queue_sk(state: str, recommendation: PartyRecommendation) -> str:
    return f"{state}#{recommendation.proposed_at.isoformat()}#{recommendation.recommendation_id}"


def propose(principal: Principal, member_id: str, proposal: Proposal) -> PartyRecommendation:
    """PARTY-1: the branch (or an organisation above it) proposes the member. Raises
    RuleViolation (under 18, no branch meeting), ValidationError, ConflictError (one open or
    approved already), ForbiddenError."""
    member, branch = member_and_branch(member_id)
    operator = authorize(principal, "party.propose", branch)
    require_normal(member)
    today = clock.today_in_china()
    party_rules.check_age(member.birth_date, today)
    meeting = _check_cited(member, proposal)
    if proposal.previous_id is not None:
        previous = get_recommendation(member_id, proposal.previous_id)
        if previous.state != RecommendationState.RETURNED:
            raise ValidationError("PREVIOUS_NOT_RETURNED", "只能针对已退回的推荐重新提出", "previous_id")
    if branch.parent_id is None:
        raise RuleViolation("PARTY-1", "该团支部没有上级团委", None)
    reviewing = get_org(branch.parent_id)
    at = clock.now()
    recommendation = PartyRecommendation(
        keys.member_pk(member_id),
        keys.party_sk(clock.new_id("pr")),
        member_name=member.name,
        member_id=member_id,
        branch_id=branch.org_id,
        reviewing_org_id=reviewing.org_id,
        reviewing_org_name=reviewing.full_name,
        state=RecommendationState.PROPOSED,
        proposed_on=today.isoformat(),
        meeting_id=meeting.meeting_id,
        meeting_held_on=meeting.held_on,
        grounds=proposal.grounds.strip(),
        award_ids=list(proposal.award_ids),
        evaluation_years=[str(y) for y in proposal.evaluation_years],
        previous_id=proposal.previous_id,
        proposed_by=operator.account_id,
        proposed_at=at,
    )
    recommendation.recommendation_id = recommendation.sk.removeprefix(keys.PARTY_SK_PREFIX)
    recommendation.gsi1pk = keys.party_queue_pk(reviewing.org_id)
    recommendation.gsi1sk = _queue_sk(RecommendationState.PROPOSED, recommendation)
    uow = UnitOfWork(operator.actor)
    uow.put(recommendation, condition=PartyRecommendation.pk.does_not_exist())
    uow.update(
        Member(keys.member_pk(member_id), keys.META),
        [Member.open_party_id.set(recommendation.recommendation_id)],
        condition=Member.open_party_id.does_not_exist() & Member.party_recommended_on.does_not_exist(),
        on_fail=ALREADY_OPEN,
        versioned=False,
    )
    uow.audit(
        "party.propose",
        "MEMBER",
        member_id,
        branch.org_id,
        after={
            "recommendation_id": recommendation.recommendation_id,
            "state": RecommendationState.PROPOSED,
            "meeting_id": meeting.meeting_id,
            "award_ids": list(proposal.award_ids),
            "evaluation_years": list(proposal.evaluation_years),
            "previous_id": proposal.previous_id,
        },
    )
    uow.commit()
    return recommendation


def get_recommendation(member_id: str, recommendation_id: str) -> PartyRecommendation:
    try:
        return PartyRecommendation.get(
            keys.member_pk(member_id), keys.party_sk(recommendation_id), consistent_read=True
        )
    except PartyRecommendation.DoesNotExist as error:
        raise RECOMMENDATION_NOT_FOUND from error


def _reviewer(principal: Principal, member_id: str) -> tuple[Acting, Org]:
    """The committee directly above the member's branch, acting for itself."""
    _, branch = member_and_branch(member_id)
    operator = authorize(principal, "party.review", branch)
    if operator.org.org_id != branch.parent_id:
        raise NOT_REVIEWING_ORG
    return operator, branch


def _decide(
    principal: Principal, member_id: str, recommendation_id: str, approve: bool, reason: str | None
) -> PartyRecommendation:
    operator, branch = _reviewer(principal, member_id)
    recommendation = get_recommendation(member_id, recommendation_id)
    if recommendation.state != RecommendationState.PROPOSED:
        raise ALREADY_DECIDED
    state = RecommendationState.APPROVED if approve else RecommendationState.RETURNED
    at, today = clock.now(), clock.today_in_china().isoformat()
    actions: list[Action] = [
        PartyRecommendation.state.set(state),
        PartyRecommendation.decided_by.set(operator.account_id),
        PartyRecommendation.decided_at.set(at),
        PartyRecommendation.decided_on.set(today),
        PartyRecommendation.gsi1sk.set(_queue_sk(state, recommendation)),
    ]
    if reason is not None:
        actions.append(PartyRecommendation.return_reason.set(reason))
    uow = UnitOfWork(operator.actor)
    uow.update(
        recommendation,
        actions,
        condition=PartyRecommendation.state == RecommendationState.PROPOSED,
        on_fail=ALREADY_DECIDED,
    )
    member_actions: list[Action] = [Member.open_party_id.remove()]
    if approve:
        member_actions.append(Member.party_recommended_on.set(today))
        card_due.changed(uow, member_id)
    uow.update(
        Member(keys.member_pk(member_id), keys.META),
        member_actions,
        condition=Member.open_party_id == recommendation_id,
        on_fail=ALREADY_DECIDED,
        versioned=False,
    )
    uow.audit(
        "party.approve" if approve else "party.return",
        "MEMBER",
        member_id,
        branch.org_id,
        before={"recommendation_id": recommendation_id, "state": RecommendationState.PROPOSED},
        after={"recommendation_id": recommendation_id, "state": state, "reason": reason},
    )
    uow.commit()
    return get_recommendation(member_id, recommendation_id)


def approve(principal: Principal, member_id: str, recommendation_id: str) -> PartyRecommendation:
    """The committee above approves: the record and the card show it, the statistics count it."""
    return _decide(principal, member_id, recommendation_id, True, None)


def return_recommendation(
    principal: Principal, member_id: str, recommendation_id: str, reason: str
) -> PartyRecommendation:
    """The committee above returns it with a reason; the branch may propose the member again."""
    if not reason.strip():
        raise ValidationError("REASON_REQUIRED", "请填写退回原因", "reason")
    return _decide(principal, member_id, recommendation_id, False, reason.strip())


def member_recommendations(principal: Principal, member_id: str) -> list[PartyRecommendation]:
    """The member's recommendations, oldest first: the member themself or an operator above them."""
    read_member(principal, member_id)
    return sorted(
        (
            r
            for r in PartyRecommendation.query(
                keys.member_pk(member_id), PartyRecommendation.sk.startswith(keys.PARTY_SK_PREFIX)
            )
            if isinstance(r, PartyRecommendation)
        ),
        key=lambda r: r.proposed_at,
    )


def queue(
    principal: Principal, org_id: str, state: RecommendationState, cursor: str | None, limit: int
) -> tuple[list[PartyRecommendation], str | None]:
    """The recommendations the committee decides (its branches'), in one state, oldest first."""
    authorize(principal, "party.read", get_org(org_id))
    items, next_cursor = paging.query_page(
        PartyRecommendation.by_gsi1.query,
        keys.party_queue_pk(org_id),
        PartyRecommendation.gsi1sk.startswith(f"{state}#"),
        limit=limit,
        cursor=cursor,
    )
    return [i for i in items if isinstance(i, PartyRecommendation)], next_cursor
