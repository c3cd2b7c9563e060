"""Reading notices (MSG-3): a reader (a member, or an operator acting for an organisation) lists
the notices addressed to its organisation's line — one bounded Query of the notice box of each
organisation on its materialized path — reads one (marked read once: a conditional put of the
read mark with its counter's increment, one transaction). The publisher's counts: read_counts.py."""

from __future__ import annotations

import msgspec

from zhtj.core import clock
from zhtj.core.errors import ConflictError, ForbiddenError, NotFoundError
from zhtj.members.models import Member
from zhtj.notices import rules
from zhtj.notices.models import Notice, NoticeCount, NoticeRead, NoticeTarget
from zhtj.orgs.authz import acting, get_org
from zhtj.orgs.models import Org
from zhtj.signin.tokens import Principal
from zhtj.table import keys, paging
from zhtj.table.base import Item, get_items
from zhtj.table.unit_of_work import Actor, UnitOfWork, lost_race

NOT_FOUND = NotFoundError("NOTICE_NOT_FOUND", "通知公告不存在", "notice_id")
NOT_READER = ForbiddenError("NOT_READER", "当前身份不能阅读通知公告", None)
_ALREADY_READ = ConflictError("NOTICE_ALREADY_READ", "已读", None)
READ_TRIES = 5

Listed = Notice | NoticeTarget


class Reader(msgspec.Struct, frozen=True):
    key: str  # M:<member> or A:<account>
    org: Org
    actor: Actor

    @property
    def path_ids(self) -> list[str]:
        return rules.ancestors(self.org.path)


def reader_of(principal: Principal) -> Reader:
    """An operator reads for its acting organisation; a member for their branch."""
    if principal.acting_org_id is not None:
        operator = acting(principal)
        return Reader(f"A:{principal.account_id}", operator.org, operator.actor)
    if principal.member_id is not None:
        try:
            member = Member.get(keys.member_pk(principal.member_id), keys.META, consistent_read=True)
        except Member.DoesNotExist as error:
            raise NOT_READER from error
        actor = Actor(account_id=principal.account_id, org_id=None)
        return Reader(f"M:{principal.member_id}", get_org(member.branch_id), actor)
    raise NOT_READER


def listing(principal: Principal, cursor: str | None, limit: int) -> tuple[list[tuple[Listed, bool]], str | None]:
    """The notices addressed to the reader's line, newest first, each with whether the reader
    read it: a Query of `limit` of each notice box on the path (depth + 1 Queries) merged, and
    one BatchGetItem of the read marks. The cursor is the sort key of the last one shown."""
    reader = reader_of(principal)
    scope = ("notices", reader.key, reader.org.org_id)
    before = paging.open_cursor(cursor, *scope)
    found: list[Listed] = []
    more = False
    for org_id in reader.path_ids:
        condition = Item.gsi1sk < before if before else None
        page = [
            i
            for i in Item.by_gsi1.query(keys.notice_box_pk(org_id), condition, scan_index_forward=False, limit=limit)
            if isinstance(i, Notice | NoticeTarget)
        ]
        more = more or len(page) == limit
        found += page
    found.sort(key=lambda i: str(i.gsi1sk), reverse=True)
    shown = found[:limit]
    more = more or len(found) > limit
    marks = get_items([(keys.notice_pk(i.notice_id), keys.notice_read_sk(reader.key)) for i in shown])
    read = [(keys.notice_pk(i.notice_id), keys.notice_read_sk(reader.key)) in marks for i in shown]
    next_cursor = paging.seal(shown[-1].gsi1sk if more and shown else None, *scope)
    return list(zip(shown, read, strict=True)), next_cursor


def notice_of(notice_id: str) -> Notice:
    try:
        return Notice.get(keys.notice_pk(notice_id), keys.META, consistent_read=True)
    except Notice.DoesNotExist as error:
        raise NOT_FOUND from error


def _already_read(notice_id: str, reader: str) -> bool:
    try:
        NoticeRead.get(keys.notice_pk(notice_id), keys.notice_read_sk(reader), consistent_read=True)
    except NoticeRead.DoesNotExist:
        return False
    return True


def _mark_read(notice: Notice, reader: Reader) -> None:
    """Put the read mark on condition it is absent, with +1 on the counter shard of the reader's
    organisation one level below the publisher, in one transaction: a re-read counts nothing."""
    counted = rules.counted_under(reader.path_ids, notice.publisher_org_id)
    for _ in range(READ_TRIES):
        if _already_read(notice.notice_id, reader.key):
            return
        uow = UnitOfWork(reader.actor)
        mark = NoticeRead(
            keys.notice_pk(notice.notice_id),
            keys.notice_read_sk(reader.key),
            notice_id=notice.notice_id,
            reader=reader.key,
            org_id=reader.org.org_id,
            counted_org_id=counted,
            read_at=clock.now(),
        )
        uow.put(mark, condition=NoticeRead.pk.does_not_exist(), on_fail=_ALREADY_READ)
        uow.update(
            NoticeCount(keys.notice_pk(notice.notice_id), keys.notice_count_sk(counted, rules.shard_of(reader.key))),
            [NoticeCount.kind.set(NoticeCount), NoticeCount.org_id.set(counted), NoticeCount.reads.add(1)],
            versioned=False,
        )
        try:
            uow.commit()
        except ConflictError as error:
            if error is _ALREADY_READ:
                return
            if not lost_race(error):
                raise
            continue
        return
    raise ConflictError("TRANSACTION_CONFLICT", "同一数据正在被他人修改，请稍后重试")


def read(principal: Principal, notice_id: str) -> Notice:
    """MSG-3: a reader in the notice's audience reads it (marked read the first time); the
    publisher's operators read one sent to chosen children (unmarked). A notice not addressed to
    the reader is not found. Raises NotFoundError, ForbiddenError."""
    notice = notice_of(notice_id)
    reader = reader_of(principal)
    chosen = [str(c) for c in notice.child_ids or []]
    if not rules.in_audience(reader.path_ids, notice.publisher_org_id, notice.audience, chosen):
        if reader.org.org_id == notice.publisher_org_id and reader.key.startswith("A:"):
            return notice  # the publisher's operators read what they sent to chosen children, unmarked
        raise NOT_FOUND
    _mark_read(notice, reader)
    return notice
