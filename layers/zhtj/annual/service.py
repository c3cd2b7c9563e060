"""The annual records the member card shows (CARD-1): annual registration (年度团籍注册),
education evaluation (教育评议) and volunteer hours (志愿服务).

- Registration: the branch registers all its members for a year at once (a result per member:
  registered, deferred, refused); members it registered already that year are left alone, so
  a member who arrives later is registered by calling again. Party members who keep league
  membership register like everyone.
- Evaluation: the branch proposes a grade for every member to be evaluated (party members who
  keep membership are not), 优秀 at most 30 %; an organisation above the branch certifies it
  (or returns it) and only then do the grades reach the members' records and cards.
- Volunteer hours: entered per activity by an organisation at or above the member's branch;
  the card sums them (cumulative).

Each member's record is written with the card's mark-due (card_due.changed) and an audit record,
a chunk of members per transaction; re-running a registration or certification completes one
interrupted midway (written records are skipped or rewritten with the same content).
"""

from __future__ import annotations

import json
from datetime import date

import msgspec
from pynamodb.expressions.update import Action

from zhtj.accounts import reads as accounts
from zhtj.annual import rules as annual_rules
from zhtj.annual.models import AnnualRegistration, Evaluation, EvaluationProposal, VolunteerRecord
from zhtj.annual.rules import AnnualResult, Grade, ProposalState
from zhtj.cards import due as card_due
from zhtj.core import clock
from zhtj.core.errors import ConflictError, NotFoundError, ValidationError
from zhtj.members.models import Member
from zhtj.members.rules import FINAL_STATES
from zhtj.members.service import get_member, member_and_branch
from zhtj.orgs.authz import Acting, authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import OrgType
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.unit_of_work import UnitOfWork

# Members per transaction: the member's record, the card's mark-due, an audit record.
CHUNK = 30

NOT_A_BRANCH = ValidationError("NOT_A_BRANCH", "年度注册和教育评议由团支部为全体团员一并办理", "org_id")
PROPOSAL_NOT_FOUND = NotFoundError("EVAL_PROPOSAL_NOT_FOUND", "该支部本年度尚未提出教育评议", "year")
PROPOSAL_CHANGED = ConflictError("EVAL_PROPOSAL_CHANGED", "该评议已被提交或处理，请刷新后查看", None)


class RegistrationSummary(msgspec.Struct, frozen=True):
    branch_id: str
    year: int
    registered_now: int
    already_registered: int
    results: dict[str, str]  # member id -> result written now


def _branch(principal: Principal, action: str, branch_id: str) -> tuple[Acting, Org]:
    branch = get_org(branch_id)
    operator = authorize(principal, action, branch)
    if branch.org_type != OrgType.BRANCH:
        raise NOT_A_BRANCH
    return operator, branch


def branch_members(branch_id: str) -> list[Member]:
    """The members on the branch's roll (pending exits included: they are still members)."""
    return [
        m
        for m in Member.by_gsi1.query(keys.branch_members_pk(branch_id))
        if isinstance(m, Member) and m.state not in FINAL_STATES
    ]


def register(
    principal: Principal, branch_id: str, year: int, exceptions: dict[str, AnnualResult]
) -> RegistrationSummary:
    """年度团籍注册 of all the branch's members for `year`: each gets 已注册 unless `exceptions`
    names another result. Raises ValidationError, ForbiddenError."""
    operator, branch = _branch(principal, "annual.register", branch_id)
    today = clock.today_in_china()
    annual_rules.check_year(year, today)
    members = branch_members(branch_id)
    on_roll = {m.member_id for m in members}
    strangers = set(exceptions) - on_roll
    if strangers:
        raise ValidationError("ANNUAL_NOT_IN_BRANCH", f"{len(strangers)} 名人员不在本支部团员名册中", "results")
    done = {
        r.member_id
        for r in AnnualRegistration.batch_get([(keys.member_pk(m), keys.annual_sk(year)) for m in on_roll])
        if isinstance(r, AnnualRegistration)
    }
    todo = [m for m in members if m.member_id not in done]
    results: dict[str, str] = {}
    for start in range(0, len(todo), CHUNK):
        uow = UnitOfWork(operator.actor)
        for member in todo[start : start + CHUNK]:
            result = exceptions.get(member.member_id, AnnualResult.REGISTERED).value
            record = AnnualRegistration(
                keys.member_pk(member.member_id),
                keys.annual_sk(year),
                gsi1pk=keys.branch_annual_pk(branch_id, year),
                gsi1sk=member.member_id,
                member_id=member.member_id,
                year=year,
                result=result,
                registered_on=today.isoformat(),
                org_id=branch_id,
                org_name=branch.full_name,
                registered_by=operator.account_id,
            )
            uow.put(
                record,
                condition=AnnualRegistration.pk.does_not_exist(),
                on_fail=ConflictError("ANNUAL_RACE", "本年度注册正由他人同时办理，请刷新后重试", None),
            )
            card_due.changed(uow, member.member_id)
            uow.audit("annual.register", "MEMBER", member.member_id, branch_id, after={"year": year, "result": result})
            results[member.member_id] = result
        uow.commit()
    return RegistrationSummary(branch_id, year, len(todo), len(done), results)


def registrations(principal: Principal, branch_id: str, year: int) -> list[AnnualRegistration]:
    """A branch's registrations of a year (gsi1 ANNUALREG#<branch>#<year>)."""
    authorize(principal, "evaluation.read", get_org(branch_id))
    return [
        r
        for r in AnnualRegistration.by_gsi1.query(keys.branch_annual_pk(branch_id, year))
        if isinstance(r, AnnualRegistration)
    ]


# --- Education evaluation ---------------------------------------------------------------------------


def propose(principal: Principal, branch_id: str, year: int, grades: dict[str, Grade]) -> EvaluationProposal:
    """教育评议: the branch proposes a grade for each member to be evaluated, all at once. A returned
    proposal may be proposed again; a pending or certified one may not. Raises ValidationError,
    RuleViolation (30 % cap, party members), ConflictError."""
    operator, branch = _branch(principal, "evaluation.propose", branch_id)
    annual_rules.check_year(year, clock.today_in_china())
    members = branch_members(branch_id)
    party = {m.member_id for m in members if not annual_rules.evaluated(m.political_status)}
    expected = {m.member_id for m in members} - party
    annual_rules.check_evaluation(grades, expected, party)
    at = clock.now()
    excellent = sum(1 for g in grades.values() if g == Grade.EXCELLENT)
    proposal = EvaluationProposal(
        keys.org_pk(branch_id),
        keys.evaluation_proposal_sk(year),
        gsi1pk=keys.evaluation_proposals_pk(branch.parent_id or branch_id, year),
        gsi1sk=f"{ProposalState.PROPOSED}#{branch_id}",
        branch_id=branch_id,
        year=year,
        state=ProposalState.PROPOSED,
        grades_json=json.dumps({k: v.value for k, v in sorted(grades.items())}, ensure_ascii=False),
        evaluated=len(expected),
        excellent=excellent,
        party_members=len(party),
        proposed_by=operator.account_id,
        proposed_at=at,
    )
    uow = UnitOfWork(operator.actor)
    uow.put(
        proposal,
        condition=EvaluationProposal.pk.does_not_exist() | (EvaluationProposal.state == ProposalState.RETURNED),
        on_fail=ConflictError("EVAL_ALREADY_PROPOSED", "本年度的教育评议已提出，待上级认定或已认定", "year"),
    )
    uow.audit(
        "evaluation.propose",
        "ORG",
        branch_id,
        branch_id,
        after={"year": year, "evaluated": len(expected), "excellent": excellent, "party_members": len(party)},
    )
    uow.commit()
    return proposal


def get_proposal(branch_id: str, year: int) -> EvaluationProposal:
    try:
        return EvaluationProposal.get(keys.org_pk(branch_id), keys.evaluation_proposal_sk(year), consistent_read=True)
    except EvaluationProposal.DoesNotExist as error:
        raise PROPOSAL_NOT_FOUND from error


def read_proposal(principal: Principal, branch_id: str, year: int) -> EvaluationProposal:
    authorize(principal, "evaluation.read", get_org(branch_id))
    return get_proposal(branch_id, year)


def proposals_under(
    principal: Principal, org_id: str, year: int, cursor: str | None, limit: int
) -> tuple[list[EvaluationProposal], str | None]:
    """The proposals of an organisation's direct child branches for a year, waiting ones first."""
    authorize(principal, "evaluation.read", get_org(org_id))
    return paging.query_page(
        EvaluationProposal.by_gsi1.query, keys.evaluation_proposals_pk(org_id, year), limit=limit, cursor=cursor
    )


def _decide(proposal: EvaluationProposal, state: str, operator: Acting) -> list[Action]:
    return [
        EvaluationProposal.state.set(state),
        EvaluationProposal.gsi1sk.set(f"{state}#{proposal.branch_id}"),
        EvaluationProposal.decided_by_org_id.set(operator.org.org_id),
        EvaluationProposal.decided_at.set(clock.now()),
    ]


def certify(principal: Principal, branch_id: str, year: int) -> EvaluationProposal:
    """An organisation above the branch (never the branch itself) certifies its proposal: each
    member's grade is written to their record and card, CHUNK members a transaction, the
    proposal turning CERTIFIED with the last chunk. Raises ForbiddenError, NotFoundError,
    ConflictError."""
    branch = get_org(branch_id)
    operator = authorize(principal, "evaluation.certify", branch)
    proposal = get_proposal(branch_id, year)
    if proposal.state != ProposalState.PROPOSED:
        raise PROPOSAL_CHANGED
    grades: dict[str, str] = json.loads(proposal.grades_json)
    today = clock.today_in_china().isoformat()
    ordered = sorted(grades.items())
    chunks = [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)] or [[]]
    for index, chunk in enumerate(chunks):
        uow = UnitOfWork(operator.actor)
        for member_id, grade in chunk:
            uow.put(
                Evaluation(
                    keys.member_pk(member_id),
                    keys.evaluation_sk(year),
                    member_id=member_id,
                    year=year,
                    grade=grade,
                    org_id=branch_id,
                    org_name=branch.full_name,
                    certified_by_org_id=operator.org.org_id,
                    certified_on=today,
                )
            )
            card_due.changed(uow, member_id)
            uow.audit("evaluation.certify", "MEMBER", member_id, branch_id, after={"year": year, "grade": grade})
        if index == len(chunks) - 1:
            uow.update(
                proposal,
                _decide(proposal, ProposalState.CERTIFIED, operator),
                condition=EvaluationProposal.state == ProposalState.PROPOSED,
                on_fail=PROPOSAL_CHANGED,
            )
            uow.audit(
                "evaluation.certify",
                "ORG",
                branch_id,
                branch_id,
                after={"year": year, "state": ProposalState.CERTIFIED},
            )
        uow.commit()
    proposal.state, proposal.decided_by_org_id, proposal.decided_at = (
        ProposalState.CERTIFIED,
        operator.org.org_id,
        clock.now(),
    )
    return proposal


def return_proposal(principal: Principal, branch_id: str, year: int, reason: str) -> EvaluationProposal:
    """An organisation above the branch returns its proposal; the branch proposes again."""
    branch = get_org(branch_id)
    operator = authorize(principal, "evaluation.certify", branch)
    proposal = get_proposal(branch_id, year)
    if proposal.state != ProposalState.PROPOSED:
        raise PROPOSAL_CHANGED
    uow = UnitOfWork(operator.actor)
    uow.update(
        proposal,
        [*_decide(proposal, ProposalState.RETURNED, operator), EvaluationProposal.return_reason.set(reason)],
        condition=EvaluationProposal.state == ProposalState.PROPOSED,
        on_fail=PROPOSAL_CHANGED,
    )
    uow.audit("evaluation.return", "ORG", branch_id, branch_id, after={"year": year, "reason": reason})
    uow.commit()
    proposal.state, proposal.return_reason, proposal.decided_by_org_id = (
        ProposalState.RETURNED,
        reason,
        operator.org.org_id,
    )
    return proposal


# --- Volunteer hours ----------------------------------------------------------------------------------


def record_volunteer(
    principal: Principal, member_id: str, activity: str, served_on: date, tenths_of_hours: int
) -> VolunteerRecord:
    """One activity's volunteer hours (in tenths), entered by an organisation at or above the
    member's branch. Raises ValidationError, ForbiddenError."""
    member, branch = member_and_branch(member_id)
    operator = authorize(principal, "volunteer.record", branch)
    if served_on > clock.today_in_china():
        raise ValidationError("SERVED_ON_FUTURE", "服务日期不能晚于今天", "served_on")
    annual_rules.check_tenths(tenths_of_hours)
    if member.state in FINAL_STATES:
        raise ConflictError("MEMBER_NOT_ON_RECORD", "该人员已不在团员名册中", "member_id")
    record_id, at = clock.new_id("v"), clock.now()
    record = VolunteerRecord(
        keys.member_pk(member_id),
        keys.volunteer_sk(served_on.isoformat(), record_id),
        record_id=record_id,
        member_id=member_id,
        activity=activity,
        served_on=served_on.isoformat(),
        tenths_of_hours=tenths_of_hours,
        entered_by_org_id=operator.org.org_id,
        entered_by=operator.account_id,
        entered_at=at,
    )
    uow = UnitOfWork(operator.actor)
    uow.put(record, condition=VolunteerRecord.pk.does_not_exist())
    card_due.changed(uow, member_id)
    uow.audit(
        "volunteer.record",
        "MEMBER",
        member_id,
        branch.org_id,
        after={"record_id": record_id, "activity": activity, "served_on": record.served_on, "tenths": tenths_of_hours},
    )
    uow.commit()
    return record


def volunteer_of(principal: Principal, member_id: str) -> list[VolunteerRecord]:
    """A member's volunteer records, oldest first: the member themself or an operator above them."""
    member = get_member(member_id)
    if principal.acting_org_id is not None or accounts.get_account(principal.account_id).member_id != member_id:
        authorize(principal, "member.read", get_org(member.branch_id))
    return [
        r
        for r in VolunteerRecord.query(
            keys.member_pk(member_id), VolunteerRecord.sk.startswith(keys.VOLUNTEER_SK_PREFIX)
        )
        if isinstance(r, VolunteerRecord)
    ]
