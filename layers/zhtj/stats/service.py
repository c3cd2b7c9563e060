"""Statistics of any organisation's subtree, read in O(1) (STAT-1), kept by the table's stream.

The stats_stream function receives every change to a base item (organisation, member,
registration, post, award, transfer) and to an OwnStat, old and new image together:
- a base item moves its organisation's OwnStat by new − old (zhtj.domain.stat_rules.own_counts);
- an OwnStat moves the SubStat of every organisation on its path by new − old of its roll-up,
  and puts or deletes that organisation's Finding items when what it implies changed.
Each record is applied in one transaction with a StreamMark keyed by the record's event id, so a
record delivered twice (a retried batch) moves nothing twice. The root's SubStat is spread over
ROOT_SHARDS partitions: a registration peak never writes one item more than a few times a second.

Because an OwnStat carries its organisation's path, and a move rewrites that path in the same
transaction as the organisation's own, moving a subtree moves its figures exactly: the rewrite's
stream record takes the old roll-up off the old ancestors and adds it to the new ones.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from pynamodb.expressions.update import Action

from zhtj.core import clock
from zhtj.core.errors import ConflictError, NotFoundError, ValidationError
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.orgs.rules import Sector, path_ids
from zhtj.signin.tokens import Principal
from zhtj.stats import rules as stat_rules
from zhtj.stats.models import OwnStat, SectorTarget, StreamMark, SubStat
from zhtj.sweeps.models import Finding
from zhtj.table import counters, keys, paging, storage
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

# Shards of a SubStat by depth: the root and the cities are on every path.
ROOT_SHARDS = 8
CITY_SHARDS = 4
# How long a StreamMark is kept: longer than the stream's 24-hour retention.
MARK_LIFETIME = timedelta(days=3)

ALREADY_APPLIED = ConflictError("STREAM_RECORD_APPLIED", "该变更已计入统计", None)
NO_OWN_STAT = ConflictError("OWN_STAT_MISSING", "组织统计项不存在", "org_id")


def shards(depth: int) -> int:
    """How many SubStat shards the organisation at `depth` (root 0) has."""
    return ROOT_SHARDS if depth == 0 else CITY_SHARDS if depth == 1 else 1


def new_own_stat(org: Org) -> OwnStat:
    """The OwnStat created in the transaction that creates `org` (counters come from the stream)."""
    return OwnStat(keys.org_pk(org.org_id), keys.OWN_STAT_SK, org_id=org.org_id, path=org.path)


def rewrite_path(uow: UnitOfWork, org: Org, new_path: str) -> None:
    """Move an organisation's OwnStat with it (in the caller's move transaction)."""
    uow.update(
        OwnStat(keys.org_pk(org.org_id), keys.OWN_STAT_SK),
        [OwnStat.path.set(new_path), OwnStat.org_id.set(org.org_id), OwnStat.kind.set(OwnStat)],
        versioned=False,
    )


# --- The stream ------------------------------------------------------------------------------

_deserializer = TypeDeserializer()


def _image(raw: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not raw:
        return None
    out: dict[str, Any] = {}
    for name, value in raw.items():
        plain = _deserializer.deserialize(value)
        if isinstance(plain, Decimal):
            plain = int(plain) if plain == plain.to_integral_value() else float(plain)
        out[name] = plain
    return out


@dataclass(frozen=True)
class StreamRecord:
    event_id: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> StreamRecord:
        body = record["dynamodb"]
        return cls(str(record["eventID"]), _image(body.get("OldImage")), _image(body.get("NewImage")))

    @property
    def kind(self) -> str | None:
        image = self.new or self.old or {}
        return image.get("kind")


def apply(record: StreamRecord) -> str:
    """Apply one stream record; returns what it did (APPLIED, NOTHING, DUPLICATE, IGNORED)."""
    if record.kind in stat_rules.BASE_KINDS:
        uow = _own_moves(record)
    elif record.kind == stat_rules.OWN_KIND:
        uow = _rollup_moves(record)
    else:
        return "IGNORED"  # the cloud's filter never sends these
    if uow is None:
        return "NOTHING"
    uow.put(
        StreamMark(keys.stream_mark_pk(record.event_id), keys.META, expires_at=clock.now() + MARK_LIFETIME),
        condition=StreamMark.pk.does_not_exist(),
        on_fail=ALREADY_APPLIED,
    )
    try:
        uow.commit()
    except ConflictError as error:
        if error is ALREADY_APPLIED:
            return "DUPLICATE"
        raise
    return "APPLIED"


def _moves(fields: Mapping[str, int]) -> list[Action]:
    return [counters.number(name).add(value) for name, value in sorted(fields.items()) if value]


def _own_moves(record: StreamRecord) -> UnitOfWork | None:
    moves = stat_rules.difference(stat_rules.own_counts(record.old), stat_rules.own_counts(record.new))
    if not moves:
        return None
    uow = UnitOfWork(SYSTEM_ACTOR)
    for org_id, fields in sorted(moves.items()):
        # The OwnStat exists from the organisation's creation on: never create a pathless one.
        uow.update(
            OwnStat(keys.org_pk(org_id), keys.OWN_STAT_SK),
            _moves(fields),
            condition=OwnStat.pk.exists(),
            on_fail=NO_OWN_STAT,
            versioned=False,
        )
    return uow


def _rollup_moves(record: StreamRecord) -> UnitOfWork | None:
    old_own, new_own = stat_rules.own_counters(record.old), stat_rules.own_counters(record.new)
    old_path = (record.old or {}).get("path") or ""
    new_path = (record.new or {}).get("path") or ""
    per_org: dict[str, Counter[str]] = {}
    depth_of: dict[str, int] = {}
    for path, own, sign in ((old_path, old_own, -1), (new_path, new_own, 1)):
        contribution = stat_rules.rollup(own)
        for depth, org_id in enumerate(path_ids(path)):
            depth_of[org_id] = depth
            target = per_org.setdefault(org_id, Counter())
            for name, value in contribution.items():
                target[name] += sign * value
    uow = UnitOfWork(SYSTEM_ACTOR)
    shard_seed = zlib.crc32(record.event_id.encode())
    for org_id, fields in per_org.items():
        actions = _moves(fields)
        if actions:
            shard = shard_seed % shards(depth_of[org_id])
            actions += [SubStat.kind.set(SubStat), SubStat.org_id.set(org_id)]
            uow.update(SubStat(keys.sub_stat_pk(org_id, shard), keys.SUB_STAT_SK), actions, versioned=False)
    _finding_moves(uow, record, old_own, new_own, old_path, new_path)
    return uow if uow.operations else None


def _finding_moves(
    uow: UnitOfWork, record: StreamRecord, old_own: Counter[str], new_own: Counter[str], old_path: str, new_path: str
) -> None:
    """SWEEP as data changes: the organisation's Finding items follow its own figures."""
    image = record.new or record.old or {}
    org_id = str(image.get("org_id"))
    before = stat_rules.findings(old_own) if record.old else {}
    after = stat_rules.findings(new_own) if record.new else {}
    for code in before.keys() - after.keys():
        uow.delete(Finding(keys.org_pk(org_id), keys.finding_sk(code)))
    for code, count in after.items():
        if before.get(code) == count and old_path == new_path:
            continue
        root = path_ids(new_path)[0]
        uow.put(
            Finding(
                keys.org_pk(org_id),
                keys.finding_sk(code),
                gsi1pk=keys.findings_pk(root),
                gsi1sk=f"{new_path}#{code}",
                org_id=org_id,
                code=code,
                concerned=count,
                path=new_path,
                noted_at=clock.now(),
            )
        )


def handle_records(records: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """Apply records in order (tests and the bench; the function uses a BatchProcessor)."""
    outcomes: Counter[str] = Counter()
    for raw in records:
        outcomes[apply(StreamRecord.of(raw))] += 1
    return outcomes


# --- Reading ---------------------------------------------------------------------------------


def sub_totals(orgs: Iterable[Org]) -> dict[str, Counter[str]]:
    """Subtree counters of each organisation, summed over its shards: one BatchGetItem per
    100 shard keys, whatever the size of the subtrees."""
    wanted = [(o.org_id, n) for o in orgs for n in range(shards(int(o.depth)))]
    totals: dict[str, Counter[str]] = {org_id: Counter() for org_id, _ in wanted}
    found = counters.get_many([(keys.sub_stat_pk(org_id, n), keys.SUB_STAT_SK) for org_id, n in wanted])
    for item in found:
        totals[str(item["org_id"])].update(stat_rules.own_counters(item))
    return totals


def own_figures(org_id: str) -> Counter[str]:
    items = counters.get_many([(keys.org_pk(org_id), keys.OWN_STAT_SK)])
    if not items:
        raise NotFoundError("OWN_STAT_MISSING", "组织统计项不存在", "org_id")
    return stat_rules.own_counters(items[0])


def _by_prefix(totals: Mapping[str, int], prefix: str) -> dict[str, int]:
    return {k.removeprefix(prefix): v for k, v in sorted(totals.items()) if k.startswith(prefix) and v}


def describe(totals: Mapping[str, int], day: str) -> dict[str, Any]:
    """STAT-1's figures from a subtree's counters (the response body)."""
    return {
        "organisations": {"total": totals.get("orgs", 0), "by_type": _by_prefix(totals, "type_")},
        "organisations_by_sector": _by_prefix(totals, "sector_"),
        "branches_by_size": _by_prefix(totals, "band_"),
        "members": {
            "normal": totals.get("members", 0),
            "by_state": _by_prefix(totals, "m_"),
            "by_sex": _by_prefix(totals, "sex_"),
            "by_ethnicity": {"han": totals.get("eth_han", 0), "minority": totals.get("eth_min", 0)},
            "by_political_status": _by_prefix(totals, "pol_"),
            "by_sector": _by_prefix(totals, "sec_"),
        },
        "cadres": totals.get("cadres", 0),
        "secretaries": totals.get("secretaries", 0),
        "registrations": {
            "by_state": {k: v for k, v in _by_prefix(totals, "r_").items() if k != "overdue"},
            "pending": totals.get(f"r_{stat_rules.PENDING_REVIEW}", 0),
            "overdue": totals.get("r_overdue", 0),
            "submitted_today": totals.get(stat_rules.day_field(day, "reg"), 0),
            "reviewed_today": totals.get(stat_rules.day_field(day, "rev"), 0),
        },
        "findings": _by_prefix(totals, "f_"),
    }


def figures(principal: Principal, org_id: str) -> dict[str, Any]:
    """STAT-1 for an organisation's subtree: its SubStat shards (one BatchGetItem), the
    transfer figures (one Query) and this month's dues collection (one Query)."""
    from zhtj.dues import payments as dues_payments
    from zhtj.transfers import figures as transfers

    org = get_org(org_id)
    authorize(principal, "stats.read", org)
    day = clock.today_in_china()
    totals = sub_totals([org])[org.org_id]
    moved = transfers.figures(org.org_id)
    body = describe(totals, day.isoformat())
    body["org_id"] = org.org_id
    body["day"] = day.isoformat()
    body["transfers"] = {
        "out": moved.out_by_state,
        "in": moved.in_by_state,
        "overdue_now": moved.overdue_now,
        "within_deadline_rate": moved.within_deadline_rate,
    }
    month = dues_payments.year_stats(org.org_id, day.year)[day.month - 1]
    # What arrived this month, as /dues/statistics counts it: a bill never holds the current
    # month (its dues fall due when it ends), so dues *for* this month are always 0 until then.
    body["dues_this_month"] = {
        "month": month.month,
        "members_paid": month.collected_members,
        "amount_fen": month.collected_fen,
    }
    return body


def _children(principal: Principal, org_id: str) -> list[Org]:
    from zhtj.orgs import service as orgs

    found: list[Org] = []
    cursor: str | None = None
    while True:
        page, cursor = orgs.list_children(principal, org_id, cursor, 100)
        found.extend(o for o in page if o.status == stat_rules.ACTIVE)
        if cursor is None:
            return found


# --- The daily bulletin (日通报, STAT-2) ----------------------------------------------------------


@dataclass(frozen=True)
class BulletinRow:
    org_id: str
    name: str
    members: int
    registrations_today: int
    reviews_today: int
    pending_reviews: int
    overdue: int  # reviews past 5 working days + transfer steps past 72 hours
    transfer_responses: int
    transfer_within_72h_rate: float | None
    dues_paid_members: int  # members who paid this month (the month's collection, as dues_this_month)
    dues_paid_fen: int
    dues_rate: float | None


def bulletin(principal: Principal, org_id: str, day: str | None = None) -> tuple[Org, str, list[BulletinRow]]:
    """Per direct child: the day's registrations and reviews, what is overdue, the transfer
    72-hour rate, this month's dues. One BatchGetItem for every child's counters, plus one Query
    each for its transfer and dues figures."""
    from zhtj.dues import payments as dues_payments
    from zhtj.transfers import figures as transfers

    org = get_org(org_id)
    authorize(principal, "stats.read", org)
    the_day = _day(day)
    children = _children(principal, org_id)
    totals = sub_totals(children)
    rows = []
    for child in children:
        t = totals[child.org_id]
        moved = transfers.figures(child.org_id)
        month = dues_payments.year_stats(child.org_id, the_day.year)[the_day.month - 1]
        members = t.get("members", 0)
        rows.append(
            BulletinRow(
                org_id=child.org_id,
                name=child.short_name,
                members=members,
                registrations_today=t.get(stat_rules.day_field(the_day.isoformat(), "reg"), 0),
                reviews_today=t.get(stat_rules.day_field(the_day.isoformat(), "rev"), 0),
                pending_reviews=t.get(f"r_{stat_rules.PENDING_REVIEW}", 0),
                overdue=t.get("r_overdue", 0) + t.get("xfer_overdue", 0),
                transfer_responses=moved.responses,
                transfer_within_72h_rate=moved.within_deadline_rate,
                dues_paid_members=month.collected_members,
                dues_paid_fen=month.collected_fen,
                dues_rate=round(month.collected_members / members, 4) if members else None,
            )
        )
    return org, the_day.isoformat(), rows


def _day(text: str | None) -> date:
    if text is None:
        return clock.today_in_china()
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValidationError("DAY_FORMAT", "日期格式应为YYYY-MM-DD", "day") from error


BULLETIN_COLUMNS = (
    ("name", "单位"),
    ("members", "团员数"),
    ("registrations_today", "当日报到"),
    ("reviews_today", "当日审核"),
    ("pending_reviews", "待审核"),
    ("overdue", "逾期事项"),
    ("transfer_responses", "转接处理数"),
    ("transfer_within_72h_rate", "72小时内处理率"),
    ("dues_paid_members", "本月交纳人数"),
    ("dues_paid_fen", "本月交纳金额（分）"),
    ("dues_rate", "团费交纳率"),
)


def bulletin_xlsx(principal: Principal, org_id: str, day: str | None = None) -> tuple[str, str]:
    """The bulletin as a spreadsheet in the documents bucket; returns (download URL, file name)."""
    from io import BytesIO

    from openpyxl import Workbook  # type: ignore[import-untyped]

    org, the_day, rows = bulletin(principal, org_id, day)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "日通报"
    sheet.append([f"{org.short_name} 日通报 {the_day}"])
    sheet.append([title for _, title in BULLETIN_COLUMNS])
    for row in rows:
        sheet.append([getattr(row, name) for name, _ in BULLETIN_COLUMNS])
    out = BytesIO()
    book.save(out)
    key = f"bulletins/{org.org_id}/{the_day}-{clock.new_id('b')}.xlsx"
    storage.put_bytes(
        "documents", key, out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"{org.short_name}日通报{the_day}.xlsx"
    return storage.download_url("documents", key, name), name


# --- Sector progress (STAT-2) ----------------------------------------------------------------------


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


@dataclass(frozen=True)
class SectorProgress:
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


# --- Findings (SWEEP) ------------------------------------------------------------------------------


def list_findings(
    principal: Principal, org_id: str, code: str | None, cursor: str | None, limit: int
) -> tuple[list[Finding], str | None]:
    """The subtree's findings in path order (one Query of the province's findings index)."""
    org = get_org(org_id)
    authorize(principal, "org.findings", org)
    if code is not None and code not in stat_rules.FINDING_KINDS:
        raise ValidationError("FINDING_CODE", "核查项目无效", "code")
    condition = Finding.code == code if code else None
    root = path_ids(org.path)[0]
    return paging.query_page(
        Finding.by_gsi1.query,
        keys.findings_pk(root),
        Finding.gsi1sk.startswith(org.path),
        filter_condition=condition,
        limit=limit,
        cursor=cursor,
    )


def findings_by_child(principal: Principal, org_id: str) -> tuple[Counter[str], list[tuple[Org, Counter[str]]]]:
    """SWEEP roll-up: the organisation's own subtree counts by code, and each direct child's
    (a city sees its districts and schools): organisations concerned, from the counters."""
    org = get_org(org_id)
    authorize(principal, "org.findings", org)
    children = _children(principal, org_id)
    totals = sub_totals([org, *children])

    def found(t: Counter[str]) -> Counter[str]:
        return Counter({k.removeprefix("f_"): v for k, v in t.items() if k.startswith("f_") and v})

    return found(totals[org.org_id]), [(c, found(totals[c.org_id])) for c in children]
