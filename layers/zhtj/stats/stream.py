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
from collections.abc import Callable, Iterable, Mapping, Sequence
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
from zhtj.table.unit_of_work import MAX_TRANSACTION_ITEMS, SYSTEM_ACTOR, UnitOfWork

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
    if record.kind not in stat_rules.STREAM_KINDS:
        return "IGNORED"  # the cloud's filter never sends these
    moves = _Moves()
    if not moves.add(record):
        return "NOTHING"
    try:
        moves.unit_of_work().commit()
    except ConflictError as error:
        if error is ALREADY_APPLIED:
            return "DUPLICATE"
        raise
    return "APPLIED"


# Records applied together, at most (their marks and moves must fit one transaction).
GROUP_RECORDS = 40


def apply_many(records: Sequence[StreamRecord]) -> list[str | Exception]:
    """Apply records in order, as `apply` applies each, several in one transaction: their moves
    summed (one update an item: a burst of registrations at one branch moves its OwnStat once,
    and its path's SubStats once for the whole batch) with each record's mark. A group refused
    as a whole (a record of it applied before: a retried batch; another transaction in flight
    on one of its items) is applied record by record, so that each outcome is the record's own:
    what `apply` returns, or the error it met."""
    outcomes: list[str | Exception] = []
    for first in range(0, len(records), GROUP_RECORDS):
        outcomes += _apply_group(records[first : first + GROUP_RECORDS])
    return outcomes


def _apply_group(group: Sequence[StreamRecord]) -> list[str | Exception]:
    if len(group) > 1:
        try:
            moves = _Moves()
            moved = [moves.add(r) if r.kind in stat_rules.STREAM_KINDS else None for r in group]
            uow = moves.unit_of_work()
            if len(uow.operations) > MAX_TRANSACTION_ITEMS:
                half = len(group) // 2
                return _apply_group(group[:half]) + _apply_group(group[half:])
            uow.commit()
            return ["IGNORED" if m is None else "APPLIED" if m else "NOTHING" for m in moved]
        except Exception:  # refused, or a record that cannot be read: each alone says which
            pass
    return each_alone(apply, group)


def each_alone(apply_one: Callable[[StreamRecord], str], records: Iterable[StreamRecord]) -> list[str | Exception]:
    """Records applied one by one (a stream function's fallback when a group is refused), each
    outcome its own: what `apply_one` returns, or the error it met (that record alone fails, and
    its batch is retried from it)."""
    outcomes: list[str | Exception] = []
    for record in records:
        try:
            outcomes.append(apply_one(record))
        except Exception as error:
            outcomes.append(error)
    return outcomes


def _moves(fields: Mapping[str, int]) -> list[Action]:
    return [counters.number(name).add(value) for name, value in sorted(fields.items()) if value]


class _Moves:
    """What records do to the counters, summed, and the marks of those that do anything: one
    transaction for them all.
    - a base item moves its organisation's OwnStat by new − old (rules.own_counts);
    - an OwnStat moves the SubStat of every organisation on its path by new − old of its roll-up
      (on one shard of each, drawn from the first such record's event id), and its Finding
      items follow its figures: from the first record's old image to the last one's new."""

    def __init__(self) -> None:
        self.own: dict[str, Counter[str]] = {}
        self.sub: dict[str, Counter[str]] = {}
        self.depth: dict[str, int] = {}
        self.shard_seed: int | None = None
        # org id -> (own counters, path, whether an image) before the first record, after the last
        self.before: dict[str, tuple[Counter[str], str, bool]] = {}
        self.after: dict[str, tuple[Counter[str], str, bool]] = {}
        self.marks: list[str] = []

    def add(self, record: StreamRecord) -> bool:
        """Add a record of a stream kind; whether it moves anything (it is then marked)."""
        if record.kind == stat_rules.OWN_KIND:
            moved = self._add_rollup(record)
        else:
            moves = stat_rules.difference(stat_rules.own_counts(record.old), stat_rules.own_counts(record.new))
            for org_id, fields in moves.items():
                self.own.setdefault(org_id, Counter()).update(fields)
            moved = bool(moves)
        if moved:
            self.marks.append(record.event_id)
        return moved

    def _add_rollup(self, record: StreamRecord) -> bool:
        old_own, new_own = stat_rules.own_counters(record.old), stat_rules.own_counters(record.new)
        old_path = (record.old or {}).get("path") or ""
        new_path = (record.new or {}).get("path") or ""
        per_org: dict[str, Counter[str]] = {}
        for path, own, sign in ((old_path, old_own, -1), (new_path, new_own, 1)):
            contribution = stat_rules.rollup(own)
            for depth, org_id in enumerate(path_ids(path)):
                self.depth[org_id] = depth
                target = per_org.setdefault(org_id, Counter())
                for name, value in contribution.items():
                    target[name] += sign * value
        moved = any(value for fields in per_org.values() for value in fields.values())
        for org_id, fields in per_org.items():
            self.sub.setdefault(org_id, Counter()).update(fields)
        if self.shard_seed is None:
            self.shard_seed = zlib.crc32(record.event_id.encode())
        org_id = str((record.new or record.old or {}).get("org_id"))
        before = (old_own, old_path, record.old is not None)
        after = (new_own, new_path, record.new is not None)
        self.before.setdefault(org_id, before)
        self.after[org_id] = after
        return moved or bool(_finding_changes(org_id, before, after))

    def unit_of_work(self) -> UnitOfWork:
        uow = UnitOfWork(SYSTEM_ACTOR)
        for org_id, fields in sorted(self.own.items()):
            # The OwnStat exists from the organisation's creation on: never create a pathless one.
            if actions := _moves(fields):
                uow.update(
                    OwnStat(keys.org_pk(org_id), keys.OWN_STAT_SK),
                    actions,
                    condition=OwnStat.pk.exists(),
                    on_fail=NO_OWN_STAT,
                    versioned=False,
                )
        for org_id, fields in self.sub.items():
            if actions := _moves(fields):
                shard = (self.shard_seed or 0) % shards(self.depth[org_id])
                actions += [SubStat.kind.set(SubStat), SubStat.org_id.set(org_id)]
                uow.update(SubStat(keys.sub_stat_pk(org_id, shard), keys.SUB_STAT_SK), actions, versioned=False)
        for org_id, before in self.before.items():
            for put, finding in _finding_changes(org_id, before, self.after[org_id]):
                if put:
                    uow.put(finding)
                else:
                    uow.delete(finding)
        if uow.operations:
            now = clock.now()
            for event_id in self.marks:
                uow.put(
                    StreamMark(keys.stream_mark_pk(event_id), keys.META, expires_at=now + MARK_LIFETIME),
                    condition=StreamMark.pk.does_not_exist(),
                    on_fail=ALREADY_APPLIED,
                )
        return uow


def _finding_changes(
    org_id: str, before: tuple[Counter[str], str, bool], after: tuple[Counter[str], str, bool]
) -> list[tuple[bool, Finding]]:
    """SWEEP as data changes: the organisation's Finding items follow its own figures, as
    (put or delete, the item)."""
    (old_own, old_path, had_old), (new_own, new_path, has_new) = before, after
    found_before = stat_rules.findings(old_own) if had_old else {}
    found_after = stat_rules.findings(new_own) if has_new else {}
    changes = [
        (False, Finding(keys.org_pk(org_id), keys.finding_sk(code)))
        for code in found_before.keys() - found_after.keys()
    ]
    for code, count in found_after.items():
        if found_before.get(code) == count and old_path == new_path:
            continue
        root = path_ids(new_path)[0]
        finding = Finding(
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
        changes.append((True, finding))
    return changes


def handle_records(records: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """Apply records in order (tests and the bench; the function uses a BatchProcessor)."""
    outcomes: Counter[str] = Counter()
    for raw in records:
        outcomes[apply(StreamRecord.of(raw))] += 1
    return outcomes
