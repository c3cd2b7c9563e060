"""Sector progress (STAT-2): what an organisation expects to enter in each sector of its
subtree, and how far its members and pending registrations have got."""

from __future__ import annotations

import msgspec

from zhtj.core import clock
from zhtj.core.errors import ValidationError
from zhtj.counters.service import sub_totals
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.rules import Sector
from zhtj.signin.tokens import Principal
from zhtj.stats.models import SectorTarget
from zhtj.table import keys
from zhtj.table.unit_of_work import UnitOfWork


def set_sector_target(
    principal: Principal, org_id: str, sector: str, expected: int, target_percent: int
) -> SectorTarget:
    """What the organisation expects to enter in one sector of its subtree, and the share to reach."""
    org = get_org(org_id)
    operator = authorize(principal, "stats.targets_set", org)
    if sector not in {s.value for s in Sector}:
        raise ValidationError("SECTOR_UNKNOWN", "行业类别无效", "sector")
    if not 1 <= expected <= 100_000_000:
        raise ValidationError("EXPECTED_RANGE", "应录入人数应在1至1亿之间", "expected")
    if not 1 <= target_percent <= 100:
        raise ValidationError("TARGET_RANGE", "目标比例应在1至100之间", "target_percent")
    item = SectorTarget(
        keys.org_pk(org_id),
        keys.sector_target_sk(sector),
        org_id=org_id,
        sector=sector,
        expected=expected,
        target_percent=target_percent,
        set_by=operator.account_id,
        set_at=clock.now(),
    )
    uow = UnitOfWork(operator.actor)
    uow.put(item)
    uow.audit(
        "stats.sector_target_set",
        "ORG",
        org_id,
        org_id,
        after={"sector": sector, "expected": expected, "target_percent": target_percent},
    )
    uow.commit()
    return item


class SectorProgress(msgspec.Struct, frozen=True):
    sector: str
    expected: int | None
    target_percent: int | None
    members: int
    pending: int
    entered_percent: float | None  # (members + pending registrations) / expected
    reached: bool | None


def sector_progress(principal: Principal, org_id: str) -> list[SectorProgress]:
    """Entered against expected, per sector of the subtree (one BatchGetItem, one Query)."""
    org = get_org(org_id)
    authorize(principal, "stats.read", org)
    totals = sub_totals([org])[org.org_id]
    targets = {
        t.sector: t
        for t in SectorTarget.query(keys.org_pk(org_id), SectorTarget.sk.startswith(keys.SECTOR_TARGET_SK_PREFIX))
        if isinstance(t, SectorTarget)
    }
    out = []
    for sector in Sector:
        members, pending = totals.get(f"sec_{sector}", 0), totals.get(f"secr_{sector}", 0)
        target = targets.get(sector.value)
        if target is None and not members and not pending:
            continue
        expected = int(target.expected) if target else None
        share = round(100 * (members + pending) / expected, 2) if expected else None
        wanted = int(target.target_percent) if target else None
        out.append(
            SectorProgress(
                sector=sector.value,
                expected=expected,
                target_percent=wanted,
                members=members,
                pending=pending,
                entered_percent=share,
                reached=(share >= wanted) if share is not None and wanted is not None else None,
            )
        )
    return out
