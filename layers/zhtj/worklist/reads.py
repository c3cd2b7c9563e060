"""Reading an organisation's work list (待办, MSG-4): its counts by kind and its open tasks, most
urgent first, a page at a time. Never a scan: the counts are one item, a page one Query of the
organisation's partition (or of one kind's, gsi1), already in deadline order."""

from __future__ import annotations

from datetime import datetime

import msgspec

from zhtj.core import clock
from zhtj.orgs.authz import authorize, get_org
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.timers import calendar
from zhtj.worklist.models import WorkCount, WorkItem
from zhtj.worklist.rules import DueUnit, WorkKind, count_field, due_in_hours, due_in_workdays

ACTION = "org.work_list"  # zhtj.orgs.authz.POLICY: the organisation itself or one above it


class Entry(msgspec.Struct, frozen=True):
    """A task as the work list shows it: the WorkItem, and how far its deadline is now (in
    working days or hours, by its unit; None without a deadline)."""

    kind: str
    id: str
    name: str
    member_id: str | None
    registration_id: str | None
    transfer_id: str | None
    request_id: str | None
    created_at: datetime
    deadline: datetime | None
    unit: str | None
    due_in: int | None
    escalated: bool
    stage: str | None


def entry(item: WorkItem, now: datetime) -> Entry:
    due_in: int | None = None
    if item.deadline is not None:
        if item.unit == DueUnit.HOURS:
            due_in = due_in_hours(item.deadline, now)
        else:
            due_in = due_in_workdays(item.deadline, now, calendar.current())
    return Entry(
        kind=item.task,
        id=item.task_id,
        name=item.name,
        member_id=item.member_id,
        registration_id=item.registration_id,
        transfer_id=item.transfer_id,
        request_id=item.request_id,
        created_at=item.created_at,
        deadline=item.deadline,
        unit=item.unit,
        due_in=due_in,
        escalated=bool(item.escalated),
        stage=item.stage,
    )


def counts(org_id: str) -> dict[str, int]:
    """The organisation's open tasks by kind (field names: rules.WorkKind lower-cased) and `total`."""
    try:
        found = WorkCount.get(keys.work_count_pk(org_id), keys.WORK_COUNT_SK)
    except WorkCount.DoesNotExist:
        found = None
    by_kind = {count_field(k): int(getattr(found, count_field(k)) or 0) if found else 0 for k in WorkKind}
    return {**by_kind, "total": sum(by_kind.values())}


def work_list(
    principal: Principal, org_id: str, kind: WorkKind | None, cursor: str | None, limit: int
) -> tuple[dict[str, int], list[Entry], str | None]:
    """The organisation's counts and a page of its tasks, most urgent first (optionally of one
    kind). The organisation's own operators and those above it may read it."""
    authorize(principal, ACTION, get_org(org_id))
    if kind is None:
        items, next_cursor = paging.query_page(WorkItem.query, keys.work_pk(org_id), limit=limit, cursor=cursor)
    else:
        items, next_cursor = paging.query_page(
            WorkItem.by_gsi1.query, keys.work_kind_pk(org_id, kind), limit=limit, cursor=cursor
        )
    now = clock.now()
    entries = [entry(i, now) for i in items if isinstance(i, WorkItem)]
    return counts(org_id), entries, next_cursor
