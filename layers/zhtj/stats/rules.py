"""What every stored item counts for (STAT-1) and what an organisation's figures say is wrong
(SWEEP-1..3), as pure functions of item images.

Counting works in two steps, both driven by the table's stream:
1. `own_counts(image)`: a base item (organisation, member, registration, post, award, transfer,
   LIFE-1's meeting, PARTY-1's recommendation) counts for the organisation it is attached to.
   The stream moves each organisation's OwnStat by new − old.
2. `rollup(own)`: an OwnStat's counters, plus what they imply (size bands, sector totals,
   finding flags), count for every organisation on its path. The stream moves those SubStats
   by new − old of each OwnStat record.
The nightly recount applies the same two functions to a scan of the table, so a drift can only
come from a record applied twice or never.

Field names are short because they are stored once per organisation and shard:
  orgs, type_<ORGTYPE>, sector_<SECTOR>, system           an active organisation
  members, sex_<code>, eth_han / eth_min, pol_<code>      members in the normal state
  m_<STATE>                                               members in any other state
  r_<STATE>, r_overdue                                    registrations (REV-2 overdue)
  d<YYYYMMDD>_reg, d<YYYYMMDD>_rev                        registrations submitted / reviewed that day
  cadres, secretaries                                     league posts held (EXIT-2, SWEEP-1)
  awards_late                                             AWARD-2 entries past 20 working days
  xfer_overdue                                            transfer steps past their 72 hours
  life_<YYYY>Q<n>, life_<YYYY>Q<n>_<KIND>                 LIFE-1 meetings held in that quarter
  party_<STATE>                                           PARTY-1 recommendations by state
  t_unpaid6, t_age28, t_norm_<CODE>, t_life_none         set by the daily sweep (time or subtree)
  band_<b>, sec_<SECTOR>, secr_<SECTOR>, f_<CODE>         derived in `rollup`
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import msgspec

from zhtj.counters.rules import own_counters as own_counters
from zhtj.life import rules as life_rules
from zhtj.orgs.rules import POSITIONS, SECRETARY, OrgStatus, OrgType
from zhtj.timers.workdays import CHINA_TZ

HAN = "01"
NORMAL = "NORMAL"
PENDING_REVIEW = "PENDING_REVIEW"
OPEN_TRANSFER = "OPEN"
REVIEWED = frozenset({"APPROVED", "RETURNED"})
# Item kinds the stream counts (the mapping's filter), and the one it rolls up.
BASE_KINDS = ("Org", "Member", "Registration", "Grant", "Award", "Transfer", "LifeMeeting", "PartyRecommendation")
OWN_KIND = "OwnStat"
STREAM_KINDS = (*BASE_KINDS, OWN_KIND)
# Counters the daily sweep sets (SET, not ADD): time-dependent or whole-subtree facts.
SWEEP_PREFIX = "t_"


def day_field(day: str, what: str) -> str:
    """A per-day counter: `day` is a China date "YYYY-MM-DD"."""
    return f"d{day.replace('-', '')}_{what}"


def china_day(stamp: Any) -> str | None:
    """The China date of a stored UTC datetime (PynamoDB's UTCDateTimeAttribute text)."""
    if not stamp:
        return None
    moment = stamp if isinstance(stamp, datetime) else datetime.strptime(str(stamp), "%Y-%m-%dT%H:%M:%S.%f%z")
    return moment.astimezone(CHINA_TZ).date().isoformat()


# --- Step 1: what a base item counts for its own organisation ---------------------------------


def own_counts(image: Mapping[str, Any] | None) -> dict[str, Counter[str]]:
    """Organisation id -> counter moves of one item image (empty for other kinds or None)."""
    out: dict[str, Counter[str]] = {}
    if not image:
        return out
    kind = image.get("kind")
    counts: Counter[str] = Counter()
    owner: str | None = None
    if kind == "Org":
        owner = image.get("org_id")
        if image.get("status", OrgStatus.ACTIVE) == OrgStatus.ACTIVE:
            counts["orgs"] += 1
            counts[f"type_{image.get('org_type')}"] += 1
            counts[f"sector_{image.get('sector')}"] += 1
            if image.get("system"):
                counts["system"] += 1
    elif kind == "Member":
        owner = image.get("branch_id")
        state = image.get("state") or NORMAL
        if state == NORMAL:
            counts["members"] += 1
            counts[f"sex_{image.get('sex') or 'U'}"] += 1
            ethnicity = image.get("ethnicity")
            counts["eth_han" if ethnicity == HAN else "eth_min" if ethnicity else "eth_u"] += 1
            counts[f"pol_{image.get('political_status') or 'U'}"] += 1
        else:
            counts[f"m_{state}"] += 1
    elif kind == "Registration":
        owner = image.get("branch_id")
        state = str(image.get("state"))
        counts[f"r_{state}"] += 1
        if state == PENDING_REVIEW and image.get("escalated_to"):
            counts["r_overdue"] += 1
        if submitted := china_day(image.get("submitted_at")):
            counts[day_field(submitted, "reg")] += 1
        if state in REVIEWED and (reviewed := china_day(image.get("reviewed_at"))):
            counts[day_field(reviewed, "rev")] += 1
    elif kind == "Grant":
        owner = image.get("org_id")
        if image.get("role") in POSITIONS:
            counts["cadres"] += 1
        if image.get("role") == SECRETARY:
            counts["secretaries"] += 1
    elif kind == "Award":
        owner = image.get("entered_by_org_id")
        if image.get("late"):
            counts["awards_late"] += 1
    elif kind == "Transfer":
        owner = image.get("step_org_id")
        if image.get("state") == OPEN_TRANSFER and image.get("step_overdue"):
            counts["xfer_overdue"] += 1
    elif kind == "LifeMeeting":
        owner = image.get("branch_id")
        held = life_rules.quarter_field(life_rules.quarter_of(date.fromisoformat(str(image.get("held_on")))))
        counts[held] += 1
        counts[f"{held}_{image.get('meeting_kind')}"] += 1
    elif kind == "PartyRecommendation":
        owner = image.get("branch_id")
        counts[f"party_{image.get('state')}"] += 1
    if owner and counts:
        out[str(owner)] = counts
    return out


def difference(old: Mapping[str, Counter[str]], new: Mapping[str, Counter[str]]) -> dict[str, dict[str, int]]:
    """new − old per organisation and field, without zeros."""
    moves: dict[str, dict[str, int]] = {}
    for org_id in set(old) | set(new):
        before, after = old.get(org_id, Counter()), new.get(org_id, Counter())
        delta = {f: after[f] - before[f] for f in set(before) | set(after) if after[f] != before[f]}
        if delta:
            moves[org_id] = delta
    return moves


# --- Step 2: what an organisation's own figures count for its whole path ----------------------


def size_band(members: int) -> str:
    """ORG-3's size bands of a branch."""
    if members == 0:
        return "0"
    if members < 3:
        return "1_2"
    if members <= 30:
        return "3_30"
    return "31p"


class FindingKind(msgspec.Struct, frozen=True):
    code: str
    message: str  # what is wrong (zh-CN)
    action: str  # what to do


FINDING_KINDS: dict[str, FindingKind] = {
    k.code: k
    for k in (
        FindingKind("EMPTY_COMMITTEE", "空心团委：下属没有有团员的团支部", "建立团支部或撤销该组织"),
        FindingKind("EMPTY_BRANCH", "空心团支部：没有团员", "录入团员或撤销该团支部"),
        FindingKind("NO_SECRETARY", "无团干团支部：没有团支部书记", "选举并录入团支部书记"),
        FindingKind("BRANCH_UNDER_3", "团支部不足3人", "撤销或与其他团支部合并"),
        FindingKind("BRANCH_OVER_30", "团支部超过30人", "宜分设团支部"),
        FindingKind("GENERAL_BRANCH_NO_BRANCH", "团总支下没有团支部", "建立团支部或调整组织类型"),
        FindingKind("GENERAL_BRANCH_SIZE", "团总支团员人数不在30至100人之间", "调整团总支设置"),
        FindingKind("COMMITTEE_NO_BRANCH", "基层团委下没有团总支或团支部", "建立团支部或撤销该团委"),
        FindingKind("COMMITTEE_UNDER_100", "基层团委团员一般应在100人以上", "核实是否应设为团总支"),
        FindingKind("MEMBERS_OFF_BRANCH", "团员挂在团支部以外的组织", "将团员转入团支部"),
        FindingKind("REVIEWS_OVERDUE", "报到审核超过5个工作日", "尽快审核待审报到"),
        FindingKind("TRANSFERS_OVERDUE", "组织关系转接超过72小时未处理", "尽快处理转接申请"),
        FindingKind("AWARDS_LATE", "奖惩信息录入超过20个工作日", "今后按时录入奖惩信息"),
        FindingKind("UNPAID_6_MONTHS", "团员连续6个月未交纳团费", "提醒交纳，按规定处置"),
        FindingKind("AGE_OUT_NO_POST", "团员年满28周岁且未担任团内职务", "办理离团手续"),
        FindingKind("NO_ORG_LIFE", "团支部上一季度未开展组织生活（三会两制一课）", "按规定开展并及时登记"),
    )
}
# Findings the daily sweep decides (t_norm_<code>): they need the whole subtree.
SWEEP_NORMS = (
    "EMPTY_COMMITTEE",
    "GENERAL_BRANCH_NO_BRANCH",
    "GENERAL_BRANCH_SIZE",
    "COMMITTEE_NO_BRANCH",
    "COMMITTEE_UNDER_100",
)


def findings(own: Mapping[str, int]) -> dict[str, int]:
    """Finding code -> how many items it concerns, for one organisation's own figures."""
    found: dict[str, int] = {}
    if not own.get("orgs") or own.get("system"):
        return found  # dissolved, not yet counted, or ORG-7's holding organisation: nothing to find
    members = own.get("members", 0)
    if own.get(f"type_{OrgType.BRANCH}"):
        if members == 0:
            found["EMPTY_BRANCH"] = 1
        elif members < 3:
            found["BRANCH_UNDER_3"] = 1
        elif members > 30:
            found["BRANCH_OVER_30"] = 1
        if not own.get("secretaries"):
            found["NO_SECRETARY"] = 1
    elif members:
        found["MEMBERS_OFF_BRANCH"] = members
    for code, field in (
        ("REVIEWS_OVERDUE", "r_overdue"),
        ("TRANSFERS_OVERDUE", "xfer_overdue"),
        ("AWARDS_LATE", "awards_late"),
        ("UNPAID_6_MONTHS", "t_unpaid6"),
        ("AGE_OUT_NO_POST", "t_age28"),
        ("NO_ORG_LIFE", "t_life_none"),
    ):
        if own.get(field, 0) > 0:
            found[code] = own[field]
    for code in SWEEP_NORMS:
        if own.get(f"t_norm_{code}"):
            found[code] = 1
    return found


def rollup(own: Mapping[str, int]) -> Counter[str]:
    """What one organisation's own figures add to every organisation on its path."""
    out = Counter({k: v for k, v in own.items() if v})
    if own.get("orgs") and own.get(f"type_{OrgType.BRANCH}") and not own.get("system"):
        out[f"band_{size_band(own.get('members', 0))}"] += 1
    for name in own:
        if name.startswith("sector_") and own[name] > 0:
            sector = name.removeprefix("sector_")
            if own.get("members"):
                out[f"sec_{sector}"] += own["members"]
            if own.get(f"r_{PENDING_REVIEW}"):
                out[f"secr_{sector}"] += own[f"r_{PENDING_REVIEW}"]
    for code in findings(own):
        out[f"f_{code}"] += 1
    return out


def subtract(new: Mapping[str, int], old: Mapping[str, int]) -> dict[str, int]:
    return {f: new.get(f, 0) - old.get(f, 0) for f in set(new) | set(old) if new.get(f, 0) != old.get(f, 0)}
