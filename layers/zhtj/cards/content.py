"""What a member card (团员证) shows (CARD-1), built from the items of the member's partition.

The card worker reads the whole partition `MEMBER#<member>` with one Query and hands the
items here as plain dicts. A registry maps each sort-key prefix to a card section, so that a
new kind of history (awards, annual registrations, evaluations, volunteer hours, PARTY-1's
recommendation to the Party)
is one entry in SECTIONS and its items need no model class here: the fields each section
reads are its contract with the writers (docs/data-model.md, "CARD"). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from zhtj.core.identity import remask
from zhtj.members.codes import ETHNICITIES
from zhtj.members.rules import MemberState
from zhtj.timers.workdays import CHINA_TZ

RawItem = Mapping[str, Any]

# Fields the member may hide (REFERENCE: "the member chooses which optional fields to show").
# Name, masked ID number, admission date, development number, branch and card number always show.
OPTIONAL_FIELDS = ("sex", "ethnicity", "birth_date", "photo", "education")
SEX_NAMES = {"M": "男", "F": "女"}
AWARD_REWARD, AWARD_PUNISHMENT = "REWARD", "PUNISHMENT"


class Preferences(msgspec.Struct, frozen=True):
    """The member's choices: hidden optional fields, dues month by month or as a summary, and
    which rewards show (None: all). Punishments in force always show."""

    hidden_fields: frozenset[str] = frozenset()
    dues_by_month: bool = True
    shown_awards: frozenset[str] | None = None


class Section(msgspec.Struct, frozen=True):
    """One history on the card: a title, column heads, rows, and an optional summary line."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    summary: str | None = None


class CardContent(msgspec.Struct, frozen=True):
    member_id: str
    card_number: str
    content_version: int
    name: str
    id_masked: str
    branch_name: str
    join_month: str | None
    development_number: str | None
    state: str
    identity: list[tuple[str, str]]  # (label, value) of the fields shown, in card order
    photo_key: str | None
    sections: list[Section]
    paid_months: list[str] = msgspec.field(default_factory=list)


def china_date(value: Any) -> str:
    """A stored UTC datetime (ISO text) as its China date; plain dates pass through."""
    if value is None:
        return ""
    text = str(value)
    if "T" not in text:
        return text[:10]
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text[:10]
    return moment.astimezone(CHINA_TZ).date().isoformat()


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


# --- The registry: sort-key prefix -> section --------------------------------------------------


class SectionSpec(msgspec.Struct, frozen=True):
    prefix: str
    build: Callable[[list[RawItem], Preferences], Section | None]


def _transfers(items: list[RawItem], _: Preferences) -> Section | None:
    """XFER#: Transfer. Only completed transfers are history."""
    done = [i for i in items if i.get("state") == "COMPLETED"]
    done.sort(key=lambda i: str(i.get("completed_at") or i.get("requested_at") or ""))
    rows = [
        (
            china_date(i.get("completed_at") or i.get("requested_at")),
            str(i.get("from_branch_name") or ""),
            str(i.get("to_branch_name") or i.get("destination_name") or ("省外" if i.get("out_of_province") else "")),
            "转出省外" if i.get("out_of_province") else "省内转接",
        )
        for i in done
    ]
    return Section("transfers", "组织关系转接", ("日期", "转出", "转入", "类型"), rows) if rows else None


OFFLINE = "线下交纳"


def _dues_row(item: RawItem) -> tuple[str, str, str]:
    """A month paid: online (its amount and date; 帮TA交 names the branch mate who paid), or
    recorded by the branch as paid offline (DUES-5: no amount passed through the system)."""
    if item.get("offline"):
        return str(item["month"]), "—", OFFLINE
    paid_on = china_date(item.get("paid_at"))
    if item.get("paid_by_name"):
        paid_on = f"{paid_on}（{item['paid_by_name']}代交）"
    return str(item["month"]), yuan(int(item.get("amount_fen") or 0)), paid_on


def _dues(items: list[RawItem], preferences: Preferences) -> Section | None:
    """PAID#<YYYY-MM>: PaidMonth (DUES-1, DUES-5). By month, or one summary line, as the member chose."""
    paid = sorted(items, key=lambda i: str(i.get("month")))
    if not paid:
        return None
    total = sum(int(i.get("amount_fen") or 0) for i in paid)
    summary = f"已交团费 {len(paid)} 个月（{paid[0]['month']} 至 {paid[-1]['month']}），合计 {yuan(total)} 元"
    if offline := sum(1 for i in paid if i.get("offline")):
        summary += f"，其中{OFFLINE} {offline} 个月"
    if not preferences.dues_by_month:
        return Section("dues", "团费交纳", (), [], summary)
    rows = [_dues_row(i) for i in paid]
    return Section("dues", "团费交纳", ("月份", "金额（元）", "交纳日期"), rows, summary)


def _awards(items: list[RawItem], preferences: Preferences) -> Section | None:
    """AWARD#: rewards and punishments (AWARD-1/AWARD-2). Rewards show as the member chose; a
    punishment shows while in force, whatever the member chose."""
    rows = []
    for item in sorted(items, key=lambda i: str(i.get("granted_on") or "")):
        kind = item.get("award_kind")
        if kind == AWARD_PUNISHMENT:
            if item.get("in_force", True) is False:
                continue
        elif preferences.shown_awards is not None and str(item.get("award_id")) not in preferences.shown_awards:
            continue
        rows.append(
            (
                china_date(item.get("granted_on")),
                "处分" if kind == AWARD_PUNISHMENT else "奖励",
                str(item.get("title") or ""),
                str(item.get("granted_by_name") or ""),
            )
        )
    return Section("awards", "奖励与处分", ("日期", "类别", "名称", "授予/决定单位"), rows) if rows else None


def _evaluations(items: list[RawItem], _: Preferences) -> Section | None:
    """EVAL#<year>: education evaluations (教育评议)."""
    rows = [(str(i.get("year") or ""), str(i.get("grade") or ""), str(i.get("org_name") or "")) for i in items]
    rows.sort()
    return Section("evaluations", "教育评议", ("年度", "评议结果", "评议组织"), rows) if rows else None


def _annual(items: list[RawItem], _: Preferences) -> Section | None:
    """ANNUAL#<year>: annual registrations (年度注册)."""
    rows = [
        (str(i.get("year") or ""), str(i.get("result") or "已注册"), china_date(i.get("registered_on"))) for i in items
    ]
    rows.sort()
    return Section("annual", "年度注册", ("年度", "注册结果", "注册日期"), rows) if rows else None


def _volunteer(items: list[RawItem], _: Preferences) -> Section | None:
    """VOLUNTEER#: volunteer service (志愿服务), hours in tenths (`tenths_of_hours`)."""
    if not items:
        return None
    ordered = sorted(items, key=lambda i: str(i.get("served_on") or ""))
    tenths = [int(i.get("tenths_of_hours") or 0) for i in ordered]
    rows = [
        (china_date(i.get("served_on")), str(i.get("activity") or ""), f"{t / 10:.1f}")
        for i, t in zip(ordered, tenths, strict=True)
    ]
    total = f"累计志愿服务 {sum(tenths) / 10:.1f} 小时"
    return Section("volunteer", "志愿服务", ("日期", "活动", "时长（小时）"), rows, total)


def _party(items: list[RawItem], _: Preferences) -> Section | None:
    """PARTY#: recommendations to the Party (推优入党, PARTY-1); only an approved one shows."""
    rows = [
        (str(i.get("decided_on") or ""), "推荐入党", str(i.get("reviewing_org_name") or ""))
        for i in sorted(items, key=lambda i: str(i.get("decided_on") or ""))
        if i.get("state") == "APPROVED"
    ]
    return Section("party", "推优入党", ("日期", "事项", "同意推荐的团委"), rows) if rows else None


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("XFER#", _transfers),
    SectionSpec("PAID#", _dues),
    SectionSpec("AWARD#", _awards),
    SectionSpec("EVAL#", _evaluations),
    SectionSpec("ANNUAL#", _annual),
    SectionSpec("VOLUNTEER#", _volunteer),
    SectionSpec("PARTY#", _party),
)


def _split(value: Any) -> frozenset[str]:
    return frozenset(part for part in str(value or "").split(",") if part)


def preferences_of(card: RawItem | None) -> Preferences:
    if not card:
        return Preferences()
    shown = card.get("shown_awards")
    return Preferences(
        hidden_fields=_split(card.get("hidden_fields")),
        dues_by_month=bool(card.get("dues_by_month", True)),
        shown_awards=None if shown is None else _split(shown),
    )


def build(items: Sequence[RawItem], branch_name: str) -> CardContent:
    """The card of the member whose partition `items` is (META and CARD must be there).
    `branch_name` is the full name of the member's current branch (read from its Org)."""
    member = next(i for i in items if i.get("sk") == "META")
    card = next((i for i in items if i.get("sk") == "CARD"), None)
    if card is None:
        raise ValueError("no CardState in the partition")
    preferences = preferences_of(card)
    hidden = preferences.hidden_fields
    identity: list[tuple[str, str]] = []
    if "sex" not in hidden and member.get("sex"):
        identity.append(("性别", SEX_NAMES.get(str(member["sex"]), str(member["sex"]))))
    if "ethnicity" not in hidden and member.get("ethnicity"):
        identity.append(("民族", ETHNICITIES.get(str(member["ethnicity"]), str(member["ethnicity"]))))
    if "birth_date" not in hidden and member.get("birth_date"):
        identity.append(("出生日期", str(member["birth_date"])))
    if "education" not in hidden and member.get("education"):
        identity.append(("学历", str(member["education"])))
    sections = []
    for spec in SECTIONS:
        section = spec.build([i for i in items if str(i.get("sk", "")).startswith(spec.prefix)], preferences)
        if section is not None:
            sections.append(section)
    paid = sorted(str(i["month"]) for i in items if str(i.get("sk", "")).startswith("PAID#") and i.get("month"))
    return CardContent(
        member_id=str(member["member_id"]),
        card_number=str(card["card_number"]),
        content_version=int(card.get("content_version") or 0),
        name=str(member["name"]),
        id_masked=remask(str(member.get("id_masked") or "")),
        branch_name=branch_name,
        join_month=member.get("join_month"),
        development_number=member.get("development_number"),
        state=str(member.get("state") or MemberState.NORMAL),
        identity=identity,
        photo_key=None if "photo" in hidden else member.get("photo_key"),
        sections=sections,
        paid_months=paid,
    )


def mask_name(name: str) -> str:
    """What a stranger may see of a name (CARD-2): 张三丰 -> 张*丰, 张三 -> 张*, 欧阳娜娜 -> 欧**娜."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
