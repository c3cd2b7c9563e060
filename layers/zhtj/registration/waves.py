"""Enrolment waves (REG-8): registration opens by sector group, on dates kept as data;
a scheduled event opens each wave when its time comes."""

from __future__ import annotations

import time
from datetime import datetime

from zhtj.core.clock import now
from zhtj.core.errors import RuleViolation, ValidationError
from zhtj.orgs.authz import authorize
from zhtj.orgs.models import Org
from zhtj.orgs.rules import Sector
from zhtj.registration.models import Wave
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

GROUPS: dict[str, tuple[Sector, ...]] = {
    "UNIVERSITIES": (Sector.UNIVERSITY, Sector.VOCATIONAL),  # 高校和中职先行
    "MIDDLE_SCHOOLS": (Sector.MIDDLE_SCHOOL,),  # 中学一周后
    "OTHERS": tuple(s for s in Sector if s not in (Sector.UNIVERSITY, Sector.VOCATIONAL, Sector.MIDDLE_SCHOOL)),
}
GROUP_NAMES = {"UNIVERSITIES": "高校和中职", "MIDDLE_SCHOOLS": "中学", "OTHERS": "其他领域"}


def group_of(sector: str) -> str:
    return next(g for g, sectors in GROUPS.items() if Sector(sector) in sectors)


def waves() -> dict[str, Wave]:
    return {w.group: w for w in Wave.query(keys.WAVES_PK, consistent_read=True) if isinstance(w, Wave)}


_CACHE_SECONDS = 15.0
_cached: tuple[float, dict[str, Wave]] | None = None


def _waves_for_submissions() -> dict[str, Wave]:
    # Every submission of an enrolment peak asks; a wave opens on a schedule, so a few seconds
    # of staleness per process cost nothing and save a read per registration.
    global _cached
    if _cached is None or time.monotonic() - _cached[0] > _CACHE_SECONDS:
        _cached = (time.monotonic(), waves())
    return _cached[1]


def forget() -> None:
    """Drop the cached waves (after they change in this process)."""
    global _cached
    _cached = None


def check_open(branch: Org, moment: datetime) -> None:
    """REG-8: refuse a registration whose sector's wave has not opened. With no waves set,
    registration is open to all (the province has not staged it)."""
    configured = _waves_for_submissions()
    if not configured:
        return
    wave = configured.get(group_of(branch.sector))
    if wave is None or not wave.opened:
        when = f"，将于{wave.opens_at.astimezone().strftime('%Y-%m-%d')}开放" if wave else ""
        raise RuleViolation("REG-8", f"{GROUP_NAMES[group_of(branch.sector)]}的报到尚未开放{when}", "branch_id")


def set_waves(principal: Principal, opens: dict[str, datetime]) -> list[Wave]:
    """The province sets (or moves) the opening of each wave. Raises ValidationError."""
    operator = authorize(principal, "waves.set", None)
    if set(opens) - set(GROUPS):
        raise ValidationError("WAVE_GROUP_UNKNOWN", f"报到批次只能是：{'、'.join(GROUPS)}", "opens")
    uow = UnitOfWork(operator.actor)
    written = []
    for group, opens_at in opens.items():
        wave = Wave(keys.WAVES_PK, group, group=group, opens_at=opens_at, opened=opens_at <= now())
        uow.put(wave)
        written.append(wave)
    uow.audit(
        "waves.set", "ORG", operator.org.org_id, operator.org.org_id, after={g: o.isoformat() for g, o in opens.items()}
    )
    uow.commit()
    forget()
    return written


def open_due_waves() -> list[str]:
    """Scheduled: open every wave whose time has come. Returns the groups opened."""
    opened = []
    for wave in waves().values():
        if not wave.opened and wave.opens_at <= now():
            uow = UnitOfWork(SYSTEM_ACTOR)
            uow.update(wave, [Wave.opened.set(True)], condition=Wave.opened == False)  # noqa: E712
            uow.audit("waves.open", "WAVE", wave.group, "PROVINCE", after={"opened": True})
            uow.commit()
            opened.append(wave.group)
    forget()
    return opened
