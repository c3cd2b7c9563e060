"""The compliance sweep ("命脉工程", SWEEP-1..3) and the nightly recount of the statistics (STAT-1).

Most findings are kept as the data changes (stats/stream.py: an organisation's Finding items
follow its own figures). What no single change can decide is left to this daily pass:
- time passing: members with 6 consecutive months unpaid, members past 28 without a post,
  branches with no organisation life in the last finished quarter (LIFE-1);
- the whole subtree: empty committees, general branches and committees outside their norms (ORG-3);
- the recount: every counter recomputed from the base items and compared (drift must be none).

It is a bounded parallel pass, never a scan on a request path: the `sweep` state machine puts
one message per table segment on the sweeps queue (a Map state); each sweep_worker call scans
one segment (a parallel Scan) and leaves its partial result in S3; the call that reports the
last segment queues the finish, which merges the partials, SETs the time- and subtree-
dependent counters (t_*) on the OwnStats that changed — the stream then moves the findings and
the roll-ups — and keeps the day's counts per organisation (FindingHistory).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import msgspec

from zhtj.core import clock
from zhtj.core.errors import ConflictError, NotFoundError, ValidationError
from zhtj.core.observability import logger, metrics
from zhtj.core.settings import get_settings
from zhtj.counters import raw as counters
from zhtj.counters.models import OwnStat
from zhtj.dues import owed as dues_owed
from zhtj.dues import rules as dues_rules
from zhtj.life import rules as life_rules
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.rules import POSITIONS, OrgStatus, OrgType, path_ids, size_findings
from zhtj.signin.tokens import Principal
from zhtj.stats import rules as stat_rules
from zhtj.sweeps.messages import SWEEPS, FinishSweep, ScanSegment
from zhtj.sweeps.models import FindingHistory, SweepRun
from zhtj.sweeps.rules import SweepState
from zhtj.table import executions, keys, storage
from zhtj.table.base import Item
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

SWEEP_MACHINE = "sweep"
DEFAULT_SEGMENTS = 8
MAX_SEGMENTS = 1000
AGE_OUT_YEARS = 28
LAPSE_MONTHS = 6
PARTIALS_ROLE = "documents"
DRIFT_SHOWN = 50  # differences kept on the run (the count is always complete)

# SWEEP-1's 空心团委: a committee with no branch holding members beneath it.
COMMITTEES = frozenset({OrgType.LEADING_ORGAN, OrgType.BASIC_COMMITTEE, OrgType.WORKING_COMMITTEE})

NO_RUN = NotFoundError("SWEEP_NOT_FOUND", "核查任务不存在", "run_id")


def _partial_key(run_id: str, segment: int) -> str:
    return f"sweeps/{run_id}/{segment:04d}.json"


# --- Starting ----------------------------------------------------------------------------------


def start(principal: Principal | None, segments: int = DEFAULT_SEGMENTS) -> SweepRun:
    """Start a sweep (the schedule: principal None; on demand: a province administrator)."""
    if principal is not None:
        authorize(principal, "sweep.start", None)
    if not 1 <= segments <= MAX_SEGMENTS:
        raise ValidationError("SWEEP_SEGMENTS", f"分段数应在1至{MAX_SEGMENTS}之间", "segments")
    started = clock.now()
    run = SweepRun(
        keys.sweep_pk(clock.new_id("sw")),
        keys.META,
        segments=segments,
        state=SweepState.SCANNING,
        started_at=started,
        started_by=principal.account_id if principal else "schedule",
        day=clock.today_in_china().isoformat(),
    )
    run.run_id = run.pk.removeprefix("SWEEP#")
    run.gsi1pk, run.gsi1sk = keys.sweeps_pk(), f"{started.isoformat()}#{run.run_id}"
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.put(run, condition=SweepRun.pk.does_not_exist())
    uow.commit()
    executions.start(
        SWEEP_MACHINE, {"run_id": run.run_id, "segments": list(range(segments)), "total": segments}, run.run_id
    )
    return run


def get_run(run_id: str) -> SweepRun:
    try:
        return SweepRun.get(keys.sweep_pk(run_id), keys.META, consistent_read=True)
    except SweepRun.DoesNotExist as error:
        raise NO_RUN from error


def read_run(principal: Principal, run_id: str) -> SweepRun:
    """A run covers the province: any operator may see how it went (counts, drift)."""
    run = get_run(run_id)
    authorize(principal, "sweep.read", get_org(principal.acting_org_id) if principal.acting_org_id else None)
    return run


def handle(message: ScanSegment | FinishSweep) -> None:
    """A message of the sweeps queue: scan one segment, or finish a run. A message about a run
    that does not exist is finished already (nothing to do, nothing to retry)."""
    try:
        get_run(message.run_id)
    except NotFoundError:
        logger.warning("sweep message for an unknown run", extra={"run_id": message.run_id})
        return
    match message:
        case FinishSweep():
            finish(message.run_id)
        case ScanSegment():
            scan_segment(message.run_id, message.segment, message.total)


# --- One segment -------------------------------------------------------------------------------


class Partial(msgspec.Struct):
    """What one segment saw. Members and their dues records share a partition, so a member's
    unpaid run is decided within the segment; posts and members meet in the finish."""

    own: dict[str, Counter[str]] = msgspec.field(default_factory=lambda: defaultdict(Counter))
    stored_own: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)  # org -> {path, counters}
    stored_sub: dict[str, Counter[str]] = msgspec.field(default_factory=lambda: defaultdict(Counter))
    orgs: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)
    posts: set[str] = msgspec.field(default_factory=set)  # accounts holding a league post
    aged: list[tuple[str, str]] = msgspec.field(default_factory=list)  # (branch, account) of members past 28
    unpaid: Counter[str] = msgspec.field(default_factory=Counter)  # branch -> members with a lapse run
    items: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "own": self.own,
            "stored_own": self.stored_own,
            "stored_sub": self.stored_sub,
            "orgs": self.orgs,
            "posts": sorted(self.posts),
            "aged": self.aged,
            "unpaid": self.unpaid,
            "items": self.items,
        }

    def merge(self, data: Mapping[str, Any]) -> None:
        for org_id, values in data["own"].items():
            self.own[org_id].update(values)
        self.stored_own.update(data["stored_own"])
        for org_id, values in data["stored_sub"].items():
            self.stored_sub[org_id].update(values)
        self.orgs.update(data["orgs"])
        self.posts.update(data["posts"])
        self.aged.extend((b, a) for b, a in data["aged"])
        self.unpaid.update(data["unpaid"])
        self.items += int(data["items"])


def _age_cutoff(today: date) -> str:
    """Born on or before this day: 28 or older today."""
    try:
        return today.replace(year=today.year - AGE_OUT_YEARS).isoformat()
    except ValueError:  # 29 February
        return today.replace(year=today.year - AGE_OUT_YEARS, day=28).isoformat()


def _see(partial: Partial, item: dict[str, Any], today: date, dues: dict[str, dict[str, Any]]) -> None:
    kind = item.get("kind")
    partial.items += 1
    if kind in stat_rules.BASE_KINDS:
        for org_id, moves in stat_rules.own_counts(item).items():
            partial.own[org_id].update(moves)
    if kind == "Org":
        partial.orgs[item["org_id"]] = {
            "path": item["path"],
            "type": item.get("org_type"),
            "active": item.get("status", OrgStatus.ACTIVE) == OrgStatus.ACTIVE,
            "system": bool(item.get("system")),
            "created": stat_rules.china_day(item.get("created_at")),
        }
    elif kind == stat_rules.OWN_KIND:
        partial.stored_own[item["org_id"]] = {"path": item["path"], "counters": stat_rules.own_counters(item)}
    elif kind == "SubStat":
        partial.stored_sub[item["org_id"]].update(stat_rules.own_counters(item))
    elif kind == "Grant" and item.get("role") in POSITIONS:
        partial.posts.add(str(item["account_id"]))
    elif kind == "Member" and (item.get("state") or stat_rules.NORMAL) == stat_rules.NORMAL:
        entry = dues.setdefault(item["pk"], {})
        entry["member"] = item
        if item.get("birth_date") and item["birth_date"] <= _age_cutoff(today) and item.get("account_id"):
            partial.aged.append((item["branch_id"], item["account_id"]))
    elif kind == "DuesAccount" and item.get("paid_through"):
        entry = dues.setdefault(item["pk"], {})
        entry["paid"] = max(entry.get("paid") or "", item["paid_through"])
    elif kind == "PaidMonth":
        entry = dues.setdefault(item["pk"], {})
        entry["paid"] = max(entry.get("paid") or "", item["month"])


def _lapsed(entry: Mapping[str, Any], today: date, online_since: str = dues_rules.ONLINE_SINCE) -> bool:
    member = entry["member"]
    left_on = date.fromisoformat(member["left_on"]) if member.get("left_on") else None
    owed = dues_rules.owed_months(member.get("join_month"), entry.get("paid") or None, today, left_on, online_since)
    return dues_rules.longest_unpaid_run(owed) >= LAPSE_MONTHS


def scan_items(segment: int, total: int) -> Iterable[dict[str, Any]]:
    """One segment of a parallel Scan of the table (consistent), as plain items."""
    connection = Item._get_connection().connection
    table = get_settings().table_name
    start: Any = None
    while True:
        page = connection.scan(
            table, segment=segment, total_segments=total, exclusive_start_key=start, consistent_read=True
        )
        for raw in page.get("Items", []):
            yield counters.plain(raw)
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def scan_segment(run_id: str, segment: int, total: int) -> None:
    """Scan one segment, leave its partial in S3, report it on the run (a redelivery reports
    nothing new), and queue the finish if it was the last."""
    run = get_run(run_id)
    today = date.fromisoformat(run.day)
    partial, dues = Partial(), dict[str, dict[str, Any]]()
    for item in scan_items(segment, total):
        _see(partial, item, today, dues)
    since = dues_owed.online_start(today)  # DUES-5: the province's start month, read once
    for entry in dues.values():
        if "member" in entry and _lapsed(entry, today, since):
            partial.unpaid[entry["member"]["branch_id"]] += 1
    body = json.dumps(partial.to_json(), ensure_ascii=False).encode()
    storage.put_bytes(PARTIALS_ROLE, _partial_key(run_id, segment), body, "application/json")
    run.update(actions=[SweepRun.segments_done.add({str(segment)})])
    if len(run.segments_done or ()) >= run.segments:
        try:
            uow = UnitOfWork(SYSTEM_ACTOR)
            uow.update(
                run,
                [SweepRun.state.set(SweepState.FINISHING)],
                condition=SweepRun.state == SweepState.SCANNING,
                on_fail=ConflictError("SWEEP_FINISHING", "", None),
                versioned=False,
            )
            uow.commit()
        except ConflictError:
            return  # another segment's report queued the finish
        SWEEPS.send(FinishSweep(run_id=run_id))


# --- The finish ----------------------------------------------------------------------------------


def _no_life(merged: Partial, today: date) -> list[str]:
    """LIFE-1: the branches, in place for the whole of the last finished quarter, that recorded
    no meeting or lecture held in it."""
    quarter, first_day, _ = life_rules.last_finished_quarter(today)
    field_name = life_rules.quarter_field(quarter)
    return [
        org_id
        for org_id, org in merged.orgs.items()
        if org["active"]
        and not org["system"]
        and org["type"] == OrgType.BRANCH
        and org.get("created")
        and str(org["created"]) < first_day.isoformat()
        and not merged.own.get(org_id, Counter()).get(field_name)
    ]


def _sweep_values(merged: Partial, today: date) -> dict[str, dict[str, int]]:
    """The t_* counters every organisation should carry now (org id -> name -> value)."""
    values: dict[str, dict[str, int]] = defaultdict(dict)
    for branch_id in _no_life(merged, today):
        values[branch_id]["t_life_none"] = 1
    for branch_id, n in merged.unpaid.items():
        values[branch_id]["t_unpaid6"] = n
    for branch_id, account_id in merged.aged:
        if account_id not in merged.posts:
            values[branch_id]["t_age28"] = values[branch_id].get("t_age28", 0) + 1
    members, branches, generals, populated = Counter[str](), Counter[str](), Counter[str](), Counter[str]()
    for org_id, org in merged.orgs.items():
        if not org["active"]:
            continue
        own_members = merged.own.get(org_id, Counter()).get("members", 0)
        for ancestor in path_ids(org["path"])[:-1]:
            members[ancestor] += own_members
            branches[ancestor] += org["type"] == OrgType.BRANCH
            generals[ancestor] += org["type"] == OrgType.GENERAL_BRANCH
            populated[ancestor] += org["type"] == OrgType.BRANCH and own_members > 0
    for org_id, org in merged.orgs.items():
        if not org["active"] or org["system"] or org["type"] == OrgType.BRANCH:
            continue
        if org["type"] in COMMITTEES and not populated[org_id]:
            values[org_id]["t_norm_EMPTY_COMMITTEE"] = 1
        for norm in size_findings(org_id, OrgType(org["type"]), members[org_id], branches[org_id], generals[org_id]):
            if norm.code in stat_rules.SWEEP_NORMS:
                values[org_id][f"t_norm_{norm.code}"] = 1
    return values


def _drift(merged: Partial) -> list[dict[str, Any]]:
    """Where the stored counters differ from a recount of the base items (must be nowhere)."""
    found: list[dict[str, Any]] = []
    for org_id in sorted(set(merged.own) | set(merged.stored_own)):
        stored = Counter(merged.stored_own.get(org_id, {}).get("counters", {}))
        recounted = merged.own.get(org_id, Counter())
        own = {k: v for k, v in stored.items() if not k.startswith(stat_rules.SWEEP_PREFIX)}
        if diff := stat_rules.subtract(recounted, own):
            found.append({"org_id": org_id, "level": "own", "recount_minus_stored": diff})
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    for entry in merged.stored_own.values():
        contribution = stat_rules.rollup(Counter(entry["counters"]))
        for ancestor in path_ids(entry["path"]):
            expected[ancestor].update(contribution)
    for org_id in sorted(set(expected) | set(merged.stored_sub)):
        if diff := stat_rules.subtract(expected.get(org_id, Counter()), merged.stored_sub.get(org_id, Counter())):
            found.append({"org_id": org_id, "level": "subtree", "recount_minus_stored": diff})
    return found


def _history(merged: Partial, values: Mapping[str, Mapping[str, int]]) -> dict[str, Counter[str]]:
    """Each organisation's subtree finding counts (organisations concerned, by code) as of now."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for org_id, entry in merged.stored_own.items():
        own = Counter({k: v for k, v in entry["counters"].items() if not k.startswith(stat_rules.SWEEP_PREFIX)})
        own.update(values.get(org_id, {}))
        found = stat_rules.findings(own)
        for ancestor in path_ids(entry["path"]):
            counts[ancestor].update(dict.fromkeys(found, 1))
    return counts


def finish(run_id: str) -> SweepRun:
    """Merge the partials, record drift, set what changed, keep the day's counts. Idempotent: a
    redelivered finish recomputes the same values and writes them again."""
    run = get_run(run_id)
    merged = Partial()
    for segment in range(int(run.segments)):
        merged.merge(json.loads(storage.get_bytes(PARTIALS_ROLE, _partial_key(run_id, segment))))
    drift = _drift(merged)
    values = _sweep_values(merged, date.fromisoformat(run.day))
    changed = 0
    for org_id, entry in merged.stored_own.items():
        stored = {k: v for k, v in entry["counters"].items() if k.startswith(stat_rules.SWEEP_PREFIX)}
        wanted = dict(values.get(org_id, {}))
        if stored == wanted:
            continue
        actions: list[Any] = [counters.number(name).set(v) for name, v in sorted(wanted.items())]
        actions += [counters.number(name).remove() for name in sorted(set(stored) - set(wanted))]
        OwnStat(keys.org_pk(org_id), keys.OWN_STAT_SK).update(
            actions=actions, condition=OwnStat.pk.exists(), add_version_condition=False
        )
        changed += 1
    history = _history(merged, values)
    with FindingHistory.batch_write() as batch:
        for org_id, org in merged.orgs.items():
            if org["active"] and org["type"] != OrgType.BRANCH:
                batch.save(
                    FindingHistory(
                        keys.org_pk(org_id),
                        keys.finding_history_sk(run.day),
                        org_id=org_id,
                        day=run.day,
                        counts=dict(history.get(org_id, {})),
                        run_id=run_id,
                    )
                )
    roots = [o for o, org in merged.orgs.items() if len(path_ids(org["path"])) == 1]
    totals: Counter[str] = Counter()
    for root in roots:
        totals.update(history.get(root, {}))
    if drift:
        logger.error("statistics drift found by the recount", extra={"run_id": run_id, "differences": len(drift)})
    metrics.add_metric(name="StatsDrift", unit="Count", value=len(drift))
    run.update(
        actions=[
            SweepRun.state.set(SweepState.DONE),
            SweepRun.finished_at.set(clock.now()),
            SweepRun.findings.set(dict(totals)),
            SweepRun.drift.set(json.dumps(drift[:DRIFT_SHOWN], ensure_ascii=False)),
            SweepRun.drift_count.set(len(drift)),
            SweepRun.items_scanned.set(merged.items),
        ]
    )
    logger.info(
        "sweep finished",
        extra={"run_id": run_id, "items": merged.items, "changed": changed, "drift": len(drift), "found": dict(totals)},
    )
    return run


# --- Reading -----------------------------------------------------------------------------------


def history(principal: Principal, org_id: str, days: int) -> list[FindingHistory]:
    """The daily counts of the organisation's subtree, newest first (one Query)."""
    org = get_org(org_id)
    authorize(principal, "org.findings", org)
    if not 1 <= days <= 366:
        raise ValidationError("DAYS_RANGE", "天数应在1至366之间", "days")
    return [
        h
        for h in FindingHistory.query(
            keys.org_pk(org_id),
            FindingHistory.sk.startswith(keys.FINDING_HISTORY_SK_PREFIX),
            scan_index_forward=False,
            limit=days,
        )
        if isinstance(h, FindingHistory)
    ]
