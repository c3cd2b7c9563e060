"""The work list kept by the table's stream (MSG-4): the worklist_stream function receives every
change to an item that opens or closes a task (rules.SOURCE_KINDS), old and new image together,
and moves the WorkItems and WorkCounts by the difference between the tasks of the two images.

Each record is applied in one transaction with a mark keyed by the record's event id, so a
record delivered twice moves nothing twice. The transaction also guards every item it touches:
a task added is put only where none is (else it is not counted again), a task closed is deleted
only where it is (else its items are looked up by the task, gsi2, wherever they are: a deadline
recomputed or a branch moved since it opened), so counts stay exact even for tasks opened
before the work list existed or items changed by hand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from zhtj.core import clock
from zhtj.core.errors import ConflictError
from zhtj.core.observability import logger
from zhtj.counters.models import StreamMark
from zhtj.members.models import Member
from zhtj.orgs.models import Org
from zhtj.orgs.rules import path_ids
from zhtj.stats.stream import StreamRecord as StreamRecord
from zhtj.stats.stream import each_alone
from zhtj.table import keys
from zhtj.table.base import get_items
from zhtj.table.unit_of_work import MAX_TRANSACTION_ITEMS, SYSTEM_ACTOR, UnitOfWork
from zhtj.worklist import rules
from zhtj.worklist.models import WorkCount, WorkItem
from zhtj.worklist.rules import Place, Task, count_field

# How long a mark is kept: longer than the stream's 24-hour retention.
MARK_LIFETIME = timedelta(days=3)
ALREADY_APPLIED = ConflictError("WORK_RECORD_APPLIED", "该变更已计入待办", None)
# A record's guards can fail at most once each before the plan holds no guard left to fail.
MAX_ATTEMPTS = 6


def work_item(task: Task) -> WorkItem:
    """The WorkItem of a placed task."""
    sk = keys.work_sk(rules.due_key(task), task.kind, task.task_id)
    return WorkItem(
        keys.work_pk(task.org_id),
        sk,
        gsi1pk=keys.work_kind_pk(task.org_id, task.kind),
        gsi1sk=sk,
        gsi2pk=keys.work_task_pk(task.kind, task.task_id),
        gsi2sk=task.org_id,
        org_id=task.org_id,
        task=task.kind,
        task_id=task.task_id,
        name=task.name or "",
        member_id=task.member_id,
        registration_id=task.registration_id,
        transfer_id=task.transfer_id,
        request_id=task.request_id,
        created_at=task.created_at,
        deadline=task.deadline,
        unit=task.unit,
        escalated=task.escalated,
        stage=task.stage,
    )


def _content(item: WorkItem, with_name: bool) -> dict[str, Any]:
    shown = item.attribute_values.copy()
    if not with_name:
        shown.pop("name", None)
    return shown


# --- Placing tasks: the organisation each waits on, and the member's name ---------------------------


def place(old: list[Task], new: list[Task]) -> tuple[list[Task], list[Task]]:
    """Resolve every task's organisation (a branch's parent or province) and the new tasks'
    missing names, with one BatchGetItem. A task whose branch or member is gone is dropped
    (logged): it cannot be shown, and nothing else refers to it."""
    return _placed(get_items(_wanted(old, new)), old, new)


def _wanted(old: list[Task], new: list[Task]) -> set[tuple[str, str]]:
    """The items placing these tasks reads."""
    wanted = {(keys.org_pk(t.org_id), keys.META) for t in [*old, *new] if t.place != Place.ORG}
    wanted |= {(keys.member_pk(t.member_id), keys.META) for t in new if t.name is None and t.member_id}
    return wanted


def _placed(found: Mapping[tuple[str, str], Any], old: list[Task], new: list[Task]) -> tuple[list[Task], list[Task]]:

    def placed(task: Task, named: bool) -> Task | None:
        org_id: str | None = task.org_id
        if task.place != Place.ORG:
            org = found.get((keys.org_pk(task.org_id), keys.META))
            if not isinstance(org, Org):
                org_id = None
            elif task.place == Place.PARENT:
                org_id = org.parent_id
            else:
                org_id = path_ids(org.path)[0]
        name = None
        if named and task.name is None and task.member_id:
            member = found.get((keys.member_pk(task.member_id), keys.META))
            name = member.name if isinstance(member, Member) else ""
        if org_id is None:
            logger.warning("work list: a task's organisation is unknown", extra={"task": task.task_id})
            return None
        return task.placed(org_id, name)

    return (
        [p for t in old if (p := placed(t, named=False))],
        [p for t in new if (p := placed(t, named=True))],
    )


# --- The plan: puts and deletes, each guarded, and the counts they move ------------------------------


# A dataclass, not a Struct: `error` is field(init=False), set in __post_init__, which a Struct lacks.
@dataclass
class _Op:
    item: WorkItem
    put: bool
    guard: str | None  # "absent", "present" or None (no condition)
    count: int  # what the op moves its organisation's count of its kind by
    looked_up: bool = False  # a delete of an item found by the task index (gsi2)
    error: ConflictError = field(init=False)

    def __post_init__(self) -> None:
        self.error = ConflictError("WORK_ITEM_GUARD", "待办项已变化", None)

    @property
    def key(self) -> tuple[str, str]:
        return self.item.pk, self.item.sk


def plan(old: list[Task], new: list[Task]) -> list[_Op]:
    """The guarded operations that take the work list from the old image's tasks to the new's."""
    before = {(t.kind, t.task_id, t.org_id): work_item(t) for t in old}
    after = {(t.kind, t.task_id, t.org_id): work_item(t) for t in new}
    ops: list[_Op] = []
    for identity in sorted(before.keys() | after.keys()):
        was, now = before.get(identity), after.get(identity)
        if now is None and was is not None:
            ops.append(_Op(was, put=False, guard="present", count=-1))
        elif was is None and now is not None:
            ops.append(_Op(now, put=True, guard="absent", count=1))
        elif was is not None and now is not None:
            if (was.pk, was.sk) != (now.pk, now.sk):
                ops.append(_Op(was, put=False, guard="present", count=-1))
                ops.append(_Op(now, put=True, guard="absent", count=1))
            elif _content(was, with_name=False) != _content(now, with_name=False):
                ops.append(_Op(now, put=True, guard="present", count=0))
    return ops


def _refine(ops: list[_Op], failed: _Op) -> list[_Op]:
    """The plan once `failed`'s guard proved false."""
    rest = [op for op in ops if op is not failed]
    if failed.put and failed.guard == "absent":  # already there: replace it, count nothing
        return [*rest, _Op(failed.item, put=True, guard=None, count=0)]
    if failed.put:  # expected and missing: put it and count it
        return [*rest, _Op(failed.item, put=True, guard=None, count=1)]
    if failed.looked_up:  # gone meanwhile
        return rest
    # Not where its old image says: wherever the task's items are, except those being put.
    kept = {op.key for op in rest if op.put}
    task, task_id = failed.item.task, failed.item.task_id
    query = WorkItem.by_gsi2.query(keys.work_task_pk(task, task_id))
    found = [i for i in query if isinstance(i, WorkItem) and (i.pk, i.sk) not in kept]
    return [*rest, *(_Op(i, put=False, guard="present", count=-1, looked_up=True) for i in found)]


def _unit_of_work(ops: list[_Op], *event_ids: str) -> UnitOfWork:
    uow = UnitOfWork(SYSTEM_ACTOR)
    moves: dict[str, Counter[str]] = {}
    for op in ops:
        condition = {"absent": WorkItem.pk.does_not_exist(), "present": WorkItem.pk.exists(), None: None}[op.guard]
        if op.put:
            uow.put(op.item, condition=condition, on_fail=op.error)
        else:
            uow.delete(op.item, condition=condition, on_fail=op.error)
        if op.count:
            moves.setdefault(op.item.org_id, Counter())[count_field(op.item.task)] += op.count
    for org_id, fields in sorted(moves.items()):
        actions = [getattr(WorkCount, name).add(n) for name, n in sorted(fields.items()) if n]
        if actions:
            actions += [WorkCount.kind.set(WorkCount), WorkCount.org_id.set(org_id)]
            uow.update(WorkCount(keys.work_count_pk(org_id), keys.WORK_COUNT_SK), actions, versioned=False)
    expires = clock.now() + MARK_LIFETIME
    for event_id in event_ids:
        uow.put(
            StreamMark(keys.work_mark_pk(event_id), keys.META, expires_at=expires),
            condition=StreamMark.pk.does_not_exist(),
            on_fail=ALREADY_APPLIED,
        )
    return uow


def apply(record: StreamRecord) -> str:
    """Apply one stream record; returns what it did (APPLIED, NOTHING, DUPLICATE)."""
    old_tasks, new_tasks = rules.tasks(record.old), rules.tasks(record.new)
    if not old_tasks and not new_tasks:
        return "NOTHING"
    ops = plan(*place(old_tasks, new_tasks))
    if not ops:
        return "NOTHING"
    for _ in range(MAX_ATTEMPTS):
        try:
            _unit_of_work(ops, record.event_id).commit()
        except ConflictError as error:
            if error is ALREADY_APPLIED:
                return "DUPLICATE"
            failed = next((op for op in ops if op.error is error), None)
            if failed is None:
                raise
            ops = _refine(ops, failed)
            continue
        return "APPLIED"
    raise RuntimeError("work list: a stream record's guards kept failing")


def apply_many(records: Sequence[StreamRecord]) -> list[str | Exception]:
    """Apply records in order, as `apply` applies each, several in one transaction: the tasks of
    all placed with one BatchGetItem, and records whose operations touch distinct work items
    written together, their counts summed (one update an organisation's WorkCount) with each
    record's mark. A group refused as a whole (a guard that did not hold, a record applied
    before, a transaction in flight) is applied record by record, each with its own
    refinements, so that each outcome is the record's own: what `apply` returns, or the error
    it met."""
    outcomes: list[str | Exception] = ["NOTHING"] * len(records)  # a record with nothing to write
    try:
        tasks = [(rules.tasks(r.old), rules.tasks(r.new)) for r in records]
        found = get_items(set().union(*(_wanted(old, new) for old, new in tasks if old or new)))
        plans = [plan(*_placed(found, old, new)) if old or new else [] for old, new in tasks]
    except Exception:  # a record that cannot be planned: each alone, its error its own
        return each_alone(apply, records)
    group: list[int] = []
    touched: set[tuple[str, str]] = set()
    for n, ops in enumerate(plans):
        if not ops:
            continue
        keys_of = {op.key for op in ops}
        size = sum(2 * len(plans[m]) + 1 for m in group)  # each op, its count's update, each mark
        if touched & keys_of or size + 2 * len(ops) + 1 > MAX_TRANSACTION_ITEMS:
            _apply_group(records, plans, group, outcomes)
            group, touched = [], set()
        group.append(n)
        touched |= keys_of
    _apply_group(records, plans, group, outcomes)
    return outcomes


def _apply_group(
    records: Sequence[StreamRecord], plans: list[list[_Op]], group: list[int], outcomes: list[str | Exception]
) -> None:
    if len(group) > 1:
        ops = [op for n in group for op in plans[n]]
        try:
            _unit_of_work(ops, *(records[n].event_id for n in group)).commit()
        except Exception:  # refused: each alone says why
            pass
        else:
            for n in group:
                outcomes[n] = "APPLIED"
            return
    for n, outcome in zip(group, each_alone(apply, [records[n] for n in group]), strict=True):
        outcomes[n] = outcome


def handle_records(records: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """Apply records in order (tests and the bench; the function uses a BatchProcessor)."""
    outcomes: Counter[str] = Counter()
    for raw in records:
        outcomes[apply(StreamRecord.of(raw))] += 1
    return outcomes
