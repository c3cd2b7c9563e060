"""Demo data of organisation life, recommendation to the Party and offline dues (LIFE-1,
PARTY-1, DUES-5), loaded after the demo province and its dues (infra/local/demo.py): the
province's online-collection start month, three meetings of the demo branch (a 支部大会 and a
支部委员会 this quarter, a 团课 last quarter), the member login recommended to the Party at that
支部大会 and approved by the committee above (on the record and the card), another member aged 18
or over left for the console's journey to propose (`party_candidate_*`), and the lapsing
member's first unpaid month recorded as paid offline with its receipt, so that `./dev up`
shows them. Everything goes through the logic layer, as the API would have done it."""

from __future__ import annotations

from datetime import date, timedelta

from zhtj.core import clock
from zhtj.core.errors import DomainError
from zhtj.dues import ledger as dues_ledger
from zhtj.dues import owed as dues_owed
from zhtj.life import rules as life_rules
from zhtj.life import service as life
from zhtj.life.rules import MeetingKind
from zhtj.members.models import Member
from zhtj.party import rules as party_rules
from zhtj.party import service as party
from zhtj.signin.tokens import Principal
from zhtj.table import keys, storage

# A one-pixel JPEG is enough for the receipt the demo points at.
RECEIPT = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


def load(
    branch_id: str,
    branch_admin: str,
    reviewer: Principal,
    member_id: str,
    lapsing_id: str | None,
    members: list[str],
    candidates: list[str],
) -> dict[str, str]:
    """`branch_admin` operates the demo branch, `reviewer` acts for the committee above it,
    `members` are the branch's members the demo wrote (the attendees; named by the caller, since
    a seeding tool's writes may not be in the indexes yet). Returns the ids the demo's logins
    may look at; `candidates` are members the demo may offer to be proposed (the first aged 18 or
    over is)."""
    dues_owed.seed_online_start()
    operator = Principal(branch_admin, branch_id)
    attendees = [life.Attendee(m, i % 7 != 6, None if i % 7 != 6 else "请假") for i, m in enumerate(members)]
    today = clock.today_in_china()
    _, first_day, _ = life_rules.last_finished_quarter(today)
    held = {
        MeetingKind.BRANCH_ASSEMBLY: (today, "推荐优秀团员作为党的发展对象", "全体团员表决，同意推荐。"),
        MeetingKind.BRANCH_COMMITTEE: (today, "研究本季度团课安排", "支委会研究确定团课主题与主讲人。"),
        MeetingKind.LECTURE: (first_day + timedelta(days=20), "学习团章", "书记讲授团章第一章，团员交流学习体会。"),
    }
    result: dict[str, str] = {}
    for kind, (day, topic, minutes) in held.items():
        entry = life.MeetingEntry(kind, day, topic, minutes, attendees, [])
        result[f"life_{kind.value.lower()}"] = life.record(operator, branch_id, entry).meeting_id
    # PARTY-1: the member login, if 18 or over, proposed at the 支部大会 and approved above.
    try:
        proposal = party.Proposal(result["life_branch_assembly"], "思想进步，学习工作表现突出，群众基础好。")
        made = party.propose(operator, member_id, proposal)
        party.approve(reviewer, member_id, made.recommendation_id)
        result["party_recommendation_id"] = made.recommendation_id
    except DomainError:
        pass  # a demo member under 18: no recommendation
    # PARTY-1: a member aged 18 or over, not yet proposed, for the console's proposal journey.
    for candidate in candidates:
        found = Member.get(keys.member_pk(candidate), keys.META, consistent_read=True)
        born = found.birth_date
        if (
            found.open_party_id is None
            and born
            and party_rules.age_on(date.fromisoformat(born), today) >= party_rules.MIN_AGE
        ):
            result["party_candidate_id"], result["party_candidate_name"] = candidate, found.name
            break
    # DUES-5: the lapsing member's first unpaid month, paid to the branch by hand.
    if lapsing_id is not None:
        owed = dues_owed.months_owed(lapsing_id, today)
        if owed:
            key = f"{dues_ledger.receipt_prefix(branch_id, lapsing_id)}demo.jpg"
            storage.put_bytes("uploads", key, RECEIPT, "image/jpeg")
            dues_ledger.record_offline(operator, lapsing_id, owed[0], owed[0], "交给团支部书记，现金", key)
            result["dues_offline_month"] = owed[0]
    return result
