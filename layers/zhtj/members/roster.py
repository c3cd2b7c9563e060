"""The roster as a spreadsheet (花名册导出, WEB-2): the members of a branch, of an
organisation's direct child branches, or of its whole subtree, narrowed by state and by the
branches' sector; written to the documents bucket, answered as a 5-minute download link, and
audited (AUDIT-1: who exported which organisation's members, how many, with what filters).

ID numbers are always de-identified in the file (the last two characters, as every answer
shows them): a file leaves the system's control, and the one reader entitled to a full
number, the member's own branch, reveals it one member at a time, audited
(members/id_number.py). Phone numbers are masked the same way others see them.

Reads: the branches (the organisation itself, one Query of its children, or the subtree's
pages of the tree index), then one Query per branch's member list (a page per 1 MB), READERS
at a time, never a scan. The size is known before any member is read (the branches'
member_count), and a roster over MAX_ROWS is refused with a hint to narrow it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import msgspec
from openpyxl import Workbook  # type: ignore[import-untyped]

from zhtj.core import clock
from zhtj.core.errors import ValidationError
from zhtj.core.identity import birth_month, remask
from zhtj.core.phones import masked
from zhtj.members.models import Member
from zhtj.members.rules import FINAL_STATES, STATE_NAMES
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.reads import branches_beneath
from zhtj.orgs.rules import OrgStatus, OrgType
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging, storage
from zhtj.table.unit_of_work import UnitOfWork

# What one request exports at most: the spreadsheet costs about 0.5 ms of CPU a row (bench/
# roster_bench.py) on top of reading, and the API answers within 29 seconds.
MAX_ROWS = 20_000
# Branch lists read at once (each a Query waiting on the table; clients are thread-safe).
READERS = 8
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = (
    "姓名",
    "身份证号（脱敏）",
    "性别",
    "出生年月",
    "民族",
    "政治面貌",
    "入团年月",
    "团员编号",
    "学历",
    "职业",
    "手机号（脱敏）",
    "状态",
    "所在团支部",
)


class _TooLarge(ValidationError):
    def __init__(self) -> None:
        super().__init__("EXPORT_TOO_LARGE", f"导出人数超过{MAX_ROWS}人，请按下级组织、行业或状态分别导出", "subtree")


TOO_LARGE = _TooLarge()


class RosterFilter(msgspec.Struct, frozen=True):
    """subtree: every branch beneath the organisation (otherwise the organisation itself if a
    branch, else its direct child branches); state: one membership state (a final one reads
    the former members' list); sector: the branches' sector."""

    subtree: bool = False
    state: str | None = None
    sector: str | None = None


class Export(msgspec.Struct, frozen=True):
    url: str
    file_name: str
    rows: int
    branches: int


def export(principal: Principal, org_id: str, narrowed: RosterFilter) -> Export:
    org = get_org(org_id)
    operator = authorize(principal, "member.export", org)
    branches = [b for b in _branches(org, narrowed.subtree) if narrowed.sector in (None, b.sector)]
    if narrowed.state not in FINAL_STATES and sum(b.member_count or 0 for b in branches) > MAX_ROWS:
        raise TOO_LARGE
    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append([f"{org.short_name} 团员花名册（导出于 {clock.today_in_china().isoformat()}）"])
    sheet.append(list(COLUMNS))
    rows = 0
    with ThreadPoolExecutor(READERS) as pool:
        lists = pool.map(lambda branch: _members(branch, narrowed.state), branches)
        for branch, members in zip(branches, lists, strict=True):
            rows += len(members)
            if rows > MAX_ROWS:
                raise TOO_LARGE
            for member in members:
                sheet.append(_row(member, branch))
    out = BytesIO()
    book.save(out)
    key = f"rosters/{org.org_id}/{clock.today_in_china().isoformat()}-{clock.new_id('r')}.xlsx"
    storage.put_bytes("documents", key, out.getvalue(), XLSX)
    uow = UnitOfWork(operator.actor)
    uow.audit(
        "member.export",
        "ORG",
        org.org_id,
        org.org_id,
        after={
            "rows": rows,
            "branches": len(branches),
            "subtree": narrowed.subtree,
            "state": narrowed.state,
            "sector": narrowed.sector,
            "object": key,
        },
    )
    uow.commit()
    name = f"{org.short_name}团员花名册{clock.today_in_china().isoformat()}.xlsx"
    return Export(storage.download_url("documents", key, name), name, rows, len(branches))


def page(
    principal: Principal, org_id: str, narrowed: RosterFilter, cursor: str | None, limit: int
) -> tuple[list[Member], str | None]:
    """The roster on screen, a page at a time, narrowed as the export is (state, the branches'
    sector): a branch's members, or an organisation's direct child branches' members, branch
    by branch. Reads one Query of the children partition (CHILDREN#<org>, branches only) for a
    committee, then the branches' member lists (BRANCH#<id>, or FORMER#<id> for a final state)
    from the cursor's position, each a Query filtered by state that reads until the page is
    full: never a scan, never another branch's partition. Raises ForbiddenError, BAD_CURSOR."""
    org = get_org(org_id)
    authorize(principal, "member.read", org)
    if narrowed.subtree:
        raise ValidationError("ROSTER_SUBTREE", "名单按团支部或直属团支部查看；全部下级请导出花名册", "subtree")
    branches = [b for b in _branches(org, False) if narrowed.sector in (None, b.sector)]
    scope = ("roster", org.org_id, narrowed.state, narrowed.sector)
    position = paging.open_cursor(cursor, *scope) or {"b": 0, "k": None}
    found: list[Member] = []
    index, start = int(position["b"]), position["k"]
    while index < len(branches) and len(found) < limit:
        branch = branches[index]
        pk = (
            keys.former_members_pk(branch.org_id)
            if narrowed.state in FINAL_STATES
            else keys.branch_members_pk(branch.org_id)
        )
        condition = Member.state == narrowed.state if narrowed.state else None
        results = Member.by_gsi1.query(
            pk, filter_condition=condition, limit=limit - len(found), last_evaluated_key=start
        )
        found.extend(m for m in results if isinstance(m, Member))
        start = results.last_evaluated_key
        if start is None:
            index += 1
    more = index < len(branches)
    return found, paging.seal({"b": index, "k": start}, *scope) if more else None


def _branches(org: Org, subtree: bool) -> list[Org]:
    if org.org_type == OrgType.BRANCH:
        return [org]
    if subtree:
        return branches_beneath(org)
    return [
        o
        for o in Org.by_gsi1.query(keys.children_pk(org.org_id), filter_condition=Org.org_type == OrgType.BRANCH)
        if isinstance(o, Org) and o.status == OrgStatus.ACTIVE
    ]


def _members(branch: Org, state: str | None) -> list[Member]:
    pk = keys.former_members_pk(branch.org_id) if state in FINAL_STATES else keys.branch_members_pk(branch.org_id)
    condition = Member.state == state if state else None
    return [m for m in Member.by_gsi1.query(pk, filter_condition=condition) if isinstance(m, Member)]


def _row(member: Member, branch: Org) -> list[str | None]:
    return [
        member.name,
        remask(member.id_masked) if member.id_masked else None,
        member.sex,
        birth_month(member.birth_date),
        member.ethnicity,
        member.political_status,
        member.join_month,
        member.development_number,
        member.education,
        member.occupation,
        masked(member.phone) if member.phone else None,
        STATE_NAMES.get(member.state, member.state),
        branch.short_name,
    ]
