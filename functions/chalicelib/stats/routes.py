"""Routes of statistics (STAT-1..2): an organisation's subtree figures, the daily bulletin,
sector targets, and the findings the counters hold. Thin: parse, call logic, shape. Sweep runs
and the findings' daily history are sweeps/routes.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalice.app import Blueprint
from msgspec.structs import asdict
from pydantic import BaseModel, Field

from chalicelib.http import PageQuery, api
from chalicelib.schemas import Body, Page
from zhtj.orgs.rules import OrgStatus, OrgType, Sector
from zhtj.signin.tokens import Principal
from zhtj.stats import rules as stat_rules
from zhtj.stats import service as stats
from zhtj.stats.models import Finding

bp = Blueprint(__name__)
TAG = "统计与核查"


class StatsOut(BaseModel):
    """STAT-1: an organisation's subtree, from precomputed counters."""

    org_id: str
    day: str
    organisations: dict[str, Any]
    organisations_by_sector: dict[str, int]
    branches_by_size: dict[str, int]
    members: dict[str, Any]
    cadres: int
    secretaries: int
    registrations: dict[str, Any]
    transfers: dict[str, Any]
    dues_this_month: dict[str, Any] = Field(
        description=(
            "本月（中国时区）到账的团费：交纳人数 members_paid 与金额 amount_fen（分），"
            "与团费统计当月的 collected_members、collected_fen 一致"
        )
    )
    organisation_life: dict[str, int] = Field(
        description="组织生活（LIFE-1）：按开展季度统计的次数（如 2026Q3），及按季度和类型（如 2026Q3_LECTURE）"
    )
    party_recommendations: dict[str, int] = Field(description="推优入党（PARTY-1）：按状态统计的推荐人次")
    findings: dict[str, int]


@api(bp, "/orgs/{org_id}/stats", "GET", summary="组织及下级的统计数据（STAT-1）", response=StatsOut, tag=TAG)
def org_stats(org_id: str, principal: Principal) -> BaseModel:
    return StatsOut.model_validate(stats.figures(principal, org_id))


class ChildLifeOut(BaseModel):
    """LIFE-1 per direct child: the child and the organisation life held in its subtree."""

    org_id: str
    short_name: str
    org_type: OrgType
    status: OrgStatus
    organisation_life: dict[str, int] = Field(
        description="组织生活（LIFE-1）：按开展季度统计的次数（如 2026Q3），及按季度和类型（如 2026Q3_LECTURE）"
    )


@api(
    bp,
    "/orgs/{org_id}/life-stats/children",
    "GET",
    summary="各直属下级的组织生活开展情况（LIFE-1，一页下级一次读取）",
    query=PageQuery,
    response=Page[ChildLifeOut],
    tag=TAG,
)
def children_life(org_id: str, principal: Principal, query: PageQuery) -> BaseModel:
    rows, cursor = stats.children_life(principal, org_id, query.cursor, query.limit)
    items = [
        ChildLifeOut(
            org_id=child.org_id,
            short_name=child.short_name,
            org_type=OrgType(child.org_type),
            status=OrgStatus(child.status),
            organisation_life=life,
        )
        for child, life in rows
    ]
    return Page[ChildLifeOut](items=items, next_cursor=cursor)


class DayQuery(BaseModel):
    day: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD（默认今天）")


class BulletinRowOut(BaseModel):
    org_id: str
    name: str
    members: int
    registrations_today: int
    reviews_today: int
    pending_reviews: int
    overdue: int
    transfer_responses: int
    transfer_within_72h_rate: float | None
    dues_paid_members: int
    dues_paid_fen: int
    dues_rate: float | None


class BulletinOut(BaseModel):
    org_id: str
    day: str
    rows: list[BulletinRowOut]


@api(
    bp,
    "/orgs/{org_id}/bulletin",
    "GET",
    summary="日通报：各直属下级（STAT-2）",
    query=DayQuery,
    response=BulletinOut,
    tag=TAG,
)
def bulletin(org_id: str, principal: Principal, query: DayQuery) -> BaseModel:
    org, day, rows = stats.bulletin(principal, org_id, query.day)
    return BulletinOut(org_id=org.org_id, day=day, rows=[BulletinRowOut.model_validate(asdict(r)) for r in rows])


class DownloadOut(BaseModel):
    url: str
    file_name: str


@api(
    bp,
    "/orgs/{org_id}/bulletin/xlsx",
    "POST",
    summary="导出日通报（xlsx，下载链接5分钟有效）",
    query=DayQuery,
    response=DownloadOut,
    tag=TAG,
)
def bulletin_xlsx(org_id: str, principal: Principal, query: DayQuery) -> BaseModel:
    url, name = stats.bulletin_xlsx(principal, org_id, query.day)
    return DownloadOut(url=url, file_name=name)


class SectorTargetIn(Body):
    sector: Sector
    expected: int = Field(ge=1, le=100_000_000)
    target_percent: int = Field(ge=1, le=100)


class SectorProgressOut(BaseModel):
    sector: str
    expected: int | None
    target_percent: int | None
    members: int
    pending: int
    entered_percent: float | None
    reached: bool | None


@api(
    bp,
    "/orgs/{org_id}/sector-targets",
    "PUT",
    summary="设置行业应录入人数与目标比例（STAT-2）",
    body=SectorTargetIn,
    response=list[SectorProgressOut],
    tag=TAG,
)
def set_sector_target(org_id: str, principal: Principal, body: SectorTargetIn) -> list[BaseModel]:
    stats.set_sector_target(principal, org_id, body.sector.value, body.expected, body.target_percent)
    return [SectorProgressOut.model_validate(asdict(p)) for p in stats.sector_progress(principal, org_id)]


@api(
    bp,
    "/orgs/{org_id}/sector-progress",
    "GET",
    summary="各行业录入进度（STAT-2）",
    response=list[SectorProgressOut],
    tag=TAG,
)
def sector_progress(org_id: str, principal: Principal) -> list[BaseModel]:
    return [SectorProgressOut.model_validate(asdict(p)) for p in stats.sector_progress(principal, org_id)]


class FindingQuery(PageQuery):
    code: str | None = Field(default=None, max_length=40)


class FindingOut(BaseModel):
    org_id: str
    code: str
    message: str
    action: str
    concerned: int
    path: str
    noted_at: datetime

    @classmethod
    def of(cls, item: Finding) -> FindingOut:
        kind = stat_rules.FINDING_KINDS[item.code]
        return cls(
            org_id=item.org_id,
            code=item.code,
            message=kind.message,
            action=kind.action,
            concerned=int(item.concerned),
            path=item.path,
            noted_at=item.noted_at,
        )


@api(
    bp,
    "/orgs/{org_id}/findings",
    "GET",
    summary="本组织及下级的核查问题（SWEEP-1..3、ORG-3）",
    query=FindingQuery,
    response=Page[FindingOut],
    tag=TAG,
)
def findings(org_id: str, principal: Principal, query: FindingQuery) -> BaseModel:
    items, cursor = stats.list_findings(principal, org_id, query.code, query.cursor, query.limit)
    return Page[FindingOut](items=[FindingOut.of(i) for i in items], next_cursor=cursor)


class ChildFindingsOut(BaseModel):
    org_id: str
    name: str
    counts: dict[str, int]


class FindingSummaryOut(BaseModel):
    org_id: str
    counts: dict[str, int]  # organisations concerned in the whole subtree, by code
    children: list[ChildFindingsOut]


@api(
    bp,
    "/orgs/{org_id}/findings/summary",
    "GET",
    summary="核查问题按直属下级汇总",
    response=FindingSummaryOut,
    tag=TAG,
)
def finding_summary(org_id: str, principal: Principal) -> BaseModel:
    own, children = stats.findings_by_child(principal, org_id)
    return FindingSummaryOut(
        org_id=org_id,
        counts=dict(own),
        children=[ChildFindingsOut(org_id=c.org_id, name=c.short_name, counts=dict(n)) for c, n in children],
    )
