"""Statistics of any organisation's subtree, read in O(1) (STAT-1), kept by the table's stream.

The stats_stream function receives every change to a base item (organisation, member,
registration, post, award, transfer, meeting, recommendation to the Party) and to an OwnStat,
old and new image together:
- a base item moves its organisation's OwnStat by new − old (zhtj.stats.rules.own_counts);
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
from datetime import timedelta
from decimal import Decimal
from typing import Any

import msgspec
from boto3.dynamodb.types import TypeDeserializer
from pynamodb.expressions.update import Action

from zhtj.core import clock
from zhtj.core.errors import ConflictError
from zhtj.counters import raw as counters
from zhtj.counters.models import OwnStat, StreamMark, SubStat
from zhtj.counters.rules import shards
from zhtj.orgs.rules import path_ids
from zhtj.stats import rules as stat_rules
from zhtj.stats.models import Finding
from zhtj.table import keys
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

# How long a StreamMark is kept: longer than the stream's 24-hour retention.
MARK_LIFETIME = timedelta(days=3)

ALREADY_APPLIED = ConflictError("STREAM_RECORD_APPLIED", "该变更已计入统计", None)
NO_OWN_STAT = ConflictError("OWN_STAT_MISSING", "组织统计项不存在", "org_id")


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


class StreamRecord(msgspec.Struct, frozen=True):
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
