"""Demo data of the member records (AWARD-1, the card's annual sections), loaded after the demo
branch's life (infra/local/demo.py): last year's annual registration of the demo branch and its
education evaluation certified by the committee above, a reward the branch entered for the member
login and two of its volunteer activities, so that `./dev up` shows them on 团员档案 and on the
member's record. This year is left open for the cadres to register and evaluate. Everything goes
through the logic layer, as the API would have done it."""

from __future__ import annotations

from datetime import timedelta

from zhtj.annual import rules as annual_rules
from zhtj.annual import service as annual
from zhtj.annual.rules import AnnualResult, Grade
from zhtj.awards import service as awards
from zhtj.awards.rules import AwardKind
from zhtj.core import clock
from zhtj.core.errors import DomainError
from zhtj.signin.tokens import Principal


def load(branch_id: str, branch_admin: str, reviewer: Principal, member_id: str) -> dict[str, str]:
    """`branch_admin` operates the demo branch, `reviewer` acts for the committee above it.
    Returns the year the demo registered and evaluated."""
    operator = Principal(branch_admin, branch_id)
    today = clock.today_in_china()
    year = today.year - 1
    members = annual.branch_members(branch_id)
    evaluated = sorted(m.member_id for m in members if annual_rules.evaluated(m.political_status))
    deferred = {evaluated[-1]: AnnualResult.DEFERRED} if len(evaluated) > 1 else {}
    annual.register(operator, branch_id, year, deferred)
    excellent = len(evaluated) * annual_rules.EXCELLENT_PERCENT // 100
    grades = {m: Grade.EXCELLENT if i < excellent else Grade.QUALIFIED for i, m in enumerate(evaluated)}
    if grades:
        annual.propose(operator, branch_id, year, grades)
        annual.certify(reviewer, branch_id, year)
    try:
        entry = awards.AwardEntry(
            kind=AwardKind.REWARD,
            title="优秀共青团员",
            document_number=f"团支〔{today.year}〕1号",
            document_date=today - timedelta(days=3),
            level="支部级",
        )
        awards.enter(operator, member_id, entry)
        for days, activity, tenths in ((40, "社区关爱长者探访", 30), (12, "地铁站文明引导", 25)):
            annual.record_volunteer(operator, member_id, activity, today - timedelta(days=days), tenths)
    except DomainError:
        pass  # the member login is off the roll in this demo
    return {"records_year": str(year)}
