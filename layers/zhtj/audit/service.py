"""Reading the audit trail (AUDIT-1). Records are written only by UnitOfWork.audit.

A record keeps the actor's account id and the organisation it acted for, as the change saw
them; the names an operator reads beside them are looked up when a page is read, with one
BatchGetItem for the page's distinct accounts and organisations (PynamoDB splits it per 100
keys: a page of 100 rows by 100 different actors in 100 organisations takes two). Looking up
at read time costs nothing on the write path (every change of the system writes an audit
record; storing the name there would add a read of the account to each), and the trail is
read far less often than it is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import msgspec
from pynamodb.expressions.condition import Condition

from zhtj.accounts.models import Account
from zhtj.core.clock import CHINA_TZ
from zhtj.core.errors import NotFoundError, ValidationError
from zhtj.members.models import Member
from zhtj.members.service import get_member
from zhtj.orgs.authz import authorize, get_org
from zhtj.orgs.models import Org
from zhtj.registration.models import Registration
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.audit_record import AuditRecord
from zhtj.table.base import Item
from zhtj.table.bounded import query_bounded
from zhtj.table.unit_of_work import SYSTEM_ACTOR

SYSTEM_NAME = "系统"
UNNAMED_ACCOUNT = "本人（尚未报到的账号）"


class AuditEntry(msgspec.Struct, frozen=True):
    """A record with the names of who made the change, the organisation they acted for, and
    what the change was made to (None where the account, organisation or subject no longer
    exists, or is of a kind that has no name: a setting, a payment order)."""

    record: AuditRecord
    actor_name: str | None
    actor_org_name: str | None
    subject_name: str | None = None


class TrailFilter(msgspec.Struct, frozen=True):
    """What an organisation's trail is narrowed to (every part optional): the kind of subject
    changed (MEMBER, ORG, ACCOUNT, REGISTRATION...), an action or its family by prefix
    ("transfer." or "member.delete"), who acted (an account), whom it was done to (a member:
    that member's own trail), and China dates from and to (inclusive)."""

    subject_kind: str | None = None
    action: str | None = None
    actor_account_id: str | None = None
    member_id: str | None = None
    since: date | None = None
    until: date | None = None


# The subjects that have a name, and where it is: the item at (pk, META).
_NAMED_SUBJECTS: dict[str, Callable[[str], str]] = {
    "MEMBER": keys.member_pk,
    "ORG": keys.org_pk,
    "ACCOUNT": keys.account_pk,
    "REGISTRATION": keys.registration_pk,
}


def _name_of(item: Item) -> tuple[str, str] | None:
    """The (id, display name) an item gives the trail."""
    if isinstance(item, Account):
        return item.account_id, item.name or UNNAMED_ACCOUNT
    if isinstance(item, Org):
        return item.org_id, item.short_name
    if isinstance(item, Member):
        return item.member_id, item.name
    if isinstance(item, Registration):
        return item.registration_id, item.name
    return None


def _with_names(records: list[AuditRecord]) -> list[AuditEntry]:
    """The page's records with every name beside them: its distinct actors' accounts, the
    organisations they acted for and the named subjects, in one BatchGetItem (split per 100 keys)."""
    wanted = {(keys.account_pk(r.actor_account_id), keys.META) for r in records}
    wanted -= {(keys.account_pk(SYSTEM_ACTOR.account_id), keys.META)}
    wanted |= {(keys.org_pk(r.actor_org_id), keys.META) for r in records if r.actor_org_id}
    wanted |= {
        (_NAMED_SUBJECTS[r.subject_kind](r.subject_id), keys.META) for r in records if r.subject_kind in _NAMED_SUBJECTS
    }
    names: dict[tuple[str, str], str] = {}
    for item in Item.batch_get(sorted(wanted)) if wanted else ():
        named = _name_of(item)
        if named is not None:
            names[(item.pk, named[0])] = named[1]

    def actor(account_id: str) -> str | None:
        if account_id == SYSTEM_ACTOR.account_id:
            return SYSTEM_NAME
        return names.get((keys.account_pk(account_id), account_id))

    def subject(r: AuditRecord) -> str | None:
        key = _NAMED_SUBJECTS.get(r.subject_kind)
        return names.get((key(r.subject_id), r.subject_id)) if key else None

    return [
        AuditEntry(
            r,
            actor(r.actor_account_id),
            names.get((keys.org_pk(r.actor_org_id), r.actor_org_id)) if r.actor_org_id else None,
            subject(r),
        )
        for r in records
    ]


def org_trail(
    principal: Principal, org_id: str, cursor: str | None, limit: int, narrowed: TrailFilter | None = None
) -> tuple[list[AuditEntry], str | None]:
    """Every change made in an organisation (to it, its grants and its members), newest first;
    narrowed by `narrowed`. Always a Query: dates bound the sort key (records sort by time),
    the rest filter the organisation's records as they are read (a page reads on until it
    is full or the range ends), and a member narrows to the member's own partition."""
    org = get_org(org_id)
    authorize(principal, "org.audit", org)
    narrowed = narrowed or TrailFilter()
    if narrowed.member_id is not None:
        return _member_in_org_trail(principal, org, narrowed, cursor, limit)
    condition = _time_range(AuditRecord.gsi1sk, narrowed)
    records, next_cursor = _page(AuditRecord.by_gsi1, keys.audit_org_pk(org_id), condition, narrowed, cursor, limit)
    return _with_names(records), next_cursor


def _member_in_org_trail(
    principal: Principal, org: Org, narrowed: TrailFilter, cursor: str | None, limit: int
) -> tuple[list[AuditEntry], str | None]:
    """A member's trail as an organisation above the member reads it (the member's branch in
    its subtree, as member.audit admits)."""
    member = get_member(narrowed.member_id or "")
    branch = get_org(member.branch_id)
    authorize(principal, "member.audit", branch)
    if not branch.path.startswith(org.path):
        raise NOT_IN_ORG
    condition = _time_range(AuditRecord.sk, narrowed)
    records, next_cursor = _page(None, keys.audit_pk("MEMBER", member.member_id), condition, narrowed, cursor, limit)
    return _with_names(records), next_cursor


NOT_IN_ORG = NotFoundError("MEMBER_NOT_IN_ORG", "该团员不在本组织及其下级组织中", "member_id")


def _time_range(key: Any, narrowed: TrailFilter) -> Any:
    """The sort key's range for China dates from and to (inclusive). Keys start with the UTC
    time in ISO form (…T05:03:54.123456+00:00); a bound is that form cut at the second, which
    sorts before every key of its second."""
    if narrowed.since is None and narrowed.until is None:
        return None
    if narrowed.since and narrowed.until and narrowed.since > narrowed.until:
        raise ValidationError("DATE_RANGE", "起始日期不能晚于截止日期", "since")
    low = _utc_second(narrowed.since) if narrowed.since else "0"
    high = _utc_second(narrowed.until + timedelta(days=1)) if narrowed.until else "9"
    return key.between(low, high)


def _utc_second(day: date) -> str:
    start = datetime.combine(day, time(), CHINA_TZ).astimezone(UTC)
    return start.strftime("%Y-%m-%dT%H:%M:%S")


# A filtered page reads at most about this many records of the range (table.bounded): a filter
# that matches rarely answers a short (even empty) page with a cursor to read on, never a read
# of the whole trail.
MAX_READ_PER_PAGE = 1000
_READ_AHEAD = 100  # records asked of DynamoDB at a time while a filter is on


def _page(
    index: Any, hash_key: str, condition: Any, narrowed: TrailFilter, cursor: str | None, limit: int
) -> tuple[list[AuditRecord], str | None]:
    """One page of the trail, newest first. Unfiltered, a page is one Query of `limit`
    records. Filtered, Queries of up to 100 records follow one another until the page is full,
    the range ends, or about MAX_READ_PER_PAGE records were read; the cursor then resumes
    where the reading stopped."""
    filtered = _filtered(narrowed)
    options = {"range_key_condition": condition} if condition is not None else {}
    scope = ("audit", hash_key, index is not None, {k: str(v) for k, v in sorted({**options, **filtered}.items())})
    start = paging.open_cursor(cursor, *scope)
    query = (index or AuditRecord).query
    if not filtered:
        page, after = paging.read_page(
            query, hash_key, limit=limit, start_key=start, scan_index_forward=False, **options
        )
        return page, paging.seal(after, *scope)
    records, after = query_bounded(
        AuditRecord,
        hash_key,
        condition,
        want=limit,
        start_key=start,
        budget=MAX_READ_PER_PAGE,
        page_size=_READ_AHEAD,
        filter_condition=filtered["filter_condition"],
        index=index,
        newest_first=True,
    )
    return records, paging.seal(after, *scope)


def _filtered(narrowed: TrailFilter) -> dict[str, Any]:
    conditions: list[Condition] = []
    if narrowed.subject_kind:
        conditions.append(AuditRecord.subject_kind == narrowed.subject_kind)
    if narrowed.action:
        conditions.append(AuditRecord.action.startswith(narrowed.action))
    if narrowed.actor_account_id:
        conditions.append(AuditRecord.actor_account_id == narrowed.actor_account_id)
    if not conditions:
        return {}
    combined = conditions[0]
    for condition in conditions[1:]:
        combined &= condition
    return {"filter_condition": combined}


def member_trail(
    principal: Principal, member_id: str, cursor: str | None, limit: int
) -> tuple[list[AuditEntry], str | None]:
    """Every change to one member, newest first."""
    authorize(principal, "member.audit", get_org(get_member(member_id).branch_id))
    records, next_cursor = paging.query_page(
        AuditRecord.query, keys.audit_pk("MEMBER", member_id), scan_index_forward=False, limit=limit, cursor=cursor
    )
    return _with_names(records), next_cursor
