"""Routes of the compliance sweep and statistics recount (SWEEP-1..3, STAT-1): a run started
by the province and its progress, and the findings' daily counts the runs leave. Thin: parse,
call logic, shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib.http import api
from chalicelib.schemas import Body
from zhtj.signin.tokens import Principal
from zhtj.sweeps import service as sweeps
from zhtj.sweeps.models import SweepRun

bp = Blueprint(__name__)
TAG = "统计与核查"  # documented with the statistics the sweep recounts


class HistoryQuery(BaseModel):
    days: int = Field(default=30, ge=1, le=366)


class HistoryOut(BaseModel):
    day: str
    counts: dict[str, int]
    run_id: str


@api(
    bp,
    "/orgs/{org_id}/findings/history",
    "GET",
    summary="核查问题每日数量（最近的在前）",
    query=HistoryQuery,
    response=list[HistoryOut],
    tag=TAG,
)
def finding_history(org_id: str, principal: Principal, query: HistoryQuery) -> list[BaseModel]:
    return [
        HistoryOut(day=h.day, counts=_numbers(h.counts.as_dict() if h.counts else {}), run_id=h.run_id)
        for h in sweeps.history(principal, org_id, query.days)
    ]


def _numbers(values: dict[str, Any]) -> dict[str, int]:
    return {k: int(v) for k, v in values.items()}


class SweepIn(Body):
    segments: int = Field(default=sweeps.DEFAULT_SEGMENTS, ge=1, le=sweeps.MAX_SEGMENTS)


class SweepOut(BaseModel):
    run_id: str
    state: str
    day: str
    segments: int
    segments_done: int
    started_at: datetime
    finished_at: datetime | None
    findings: dict[str, int] | None
    drift_count: int | None
    items_scanned: int | None

    @classmethod
    def of(cls, run: SweepRun) -> SweepOut:
        found = run.findings.as_dict() if run.findings else None
        return cls(
            run_id=run.run_id,
            state=run.state,
            day=run.day,
            segments=int(run.segments),
            segments_done=len(run.segments_done or ()),
            started_at=run.started_at,
            finished_at=run.finished_at,
            findings=_numbers(found) if found is not None else None,
            drift_count=int(run.drift_count) if run.drift_count is not None else None,
            items_scanned=int(run.items_scanned) if run.items_scanned is not None else None,
        )


@api(bp, "/sweeps", "POST", summary="发起全省核查与统计复核", body=SweepIn, response=SweepOut, status=202, tag=TAG)
def start_sweep(principal: Principal, body: SweepIn) -> BaseModel:
    return SweepOut.of(sweeps.start(principal, body.segments))


@api(bp, "/sweeps/{run_id}", "GET", summary="核查任务进度与结果", response=SweepOut, tag=TAG)
def read_sweep(run_id: str, principal: Principal) -> BaseModel:
    return SweepOut.of(sweeps.read_run(principal, run_id))
