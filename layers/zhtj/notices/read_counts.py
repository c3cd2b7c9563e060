"""A notice's read counts for its publisher (MSG-3): per direct child addressed (every active
child for a subtree notice, the chosen ones otherwise, and the publisher itself where it has
readers or members of its own) how many read it — the counter shards of the notice's partition
summed, never a scan of the readers — beside how many members it has (the statistics counters'
subtree totals, one BatchGetItem) and so the read rate."""

from __future__ import annotations

from collections import defaultdict

import msgspec

from zhtj.counters.service import sub_totals
from zhtj.notices.models import Notice, NoticeCount
from zhtj.notices.reading import notice_of
from zhtj.notices.rules import Audience, read_rate
from zhtj.orgs.authz import authorize, get_org, org_key
from zhtj.orgs.models import Org
from zhtj.orgs.reads import list_children
from zhtj.orgs.rules import OrgStatus
from zhtj.signin.tokens import Principal
from zhtj.table import keys
from zhtj.table.base import Item, get_items

CHILDREN_PAGE = 100


class ReadCount(msgspec.Struct, frozen=True):
    org_id: str
    name: str
    reads: int
    members: int  # normal members in the organisation's subtree (the publisher's own: its own)

    @property
    def rate(self) -> float | None:
        return read_rate(self.reads, self.members)


class ReadCounts(msgspec.Struct, frozen=True):
    notice: Notice
    rows: list[ReadCount]

    @property
    def total(self) -> int:
        return sum(r.reads for r in self.rows)

    @property
    def members(self) -> int:
        return sum(r.members for r in self.rows)

    @property
    def rate(self) -> float | None:
        return read_rate(self.total, self.members)


def _reads(notice_id: str) -> dict[str, int]:
    """Readers per organisation counted under: one Query of the counter shards."""
    totals: dict[str, int] = defaultdict(int)
    for shard in NoticeCount.query(keys.notice_pk(notice_id), NoticeCount.sk.startswith(keys.NOTICE_COUNT_PREFIX)):
        if isinstance(shard, NoticeCount) and shard.org_id:
            totals[shard.org_id] += int(shard.reads)
    return dict(totals)


def _addressed(principal: Principal, notice: Notice, publisher: Org) -> list[Org]:
    """The publisher's direct children a notice addresses: every active one but the system
    organisation (ORG-7; a page of the children index per 100) for the subtree, else the chosen
    ones (one BatchGetItem)."""
    if notice.audience != Audience.SUBTREE:
        chosen = [str(c) for c in notice.child_ids or []]
        found: dict[tuple[str, str], Item] = get_items([org_key(c) for c in chosen])
        return [o for c in chosen if isinstance(o := found.get(org_key(c)), Org)]
    children: list[Org] = []
    cursor: str | None = None
    while True:
        page, cursor = list_children(principal, publisher.org_id, cursor, CHILDREN_PAGE)
        children += [o for o in page if o.status == OrgStatus.ACTIVE and not o.system]
        if cursor is None:
            return children


def read_counts(principal: Principal, notice_id: str) -> ReadCounts:
    """MSG-3: the publisher's operators (or those above) read, per direct child addressed, how
    many readers below it read the notice and how many members it has; readers counted at the
    publisher itself (its own operators and members) are a row of their own.
    Raises NotFoundError, ForbiddenError."""
    notice = notice_of(notice_id)
    publisher = get_org(notice.publisher_org_id)
    authorize(principal, "notice.manage", publisher)
    reads = _reads(notice_id)
    addressed = _addressed(principal, notice, publisher)
    members = sub_totals(addressed)
    rows = [
        ReadCount(o.org_id, o.short_name, reads.pop(o.org_id, 0), members[o.org_id].get("members", 0))
        for o in addressed
    ]
    own = reads.pop(publisher.org_id, 0)
    own_members = int(publisher.member_count or 0) if notice.audience == Audience.SUBTREE else 0
    if own or own_members:
        rows.append(ReadCount(publisher.org_id, publisher.short_name, own, own_members))
    if reads:  # readers under a child since moved away or dissolved: counted, named if it exists
        found = get_items([org_key(o) for o in reads])
        for org_id, n in sorted(reads.items()):
            org = found.get(org_key(org_id))
            rows.append(ReadCount(org_id, org.short_name if isinstance(org, Org) else org_id, n, 0))
    return ReadCounts(notice, rows)
