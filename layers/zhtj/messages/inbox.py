"""An account's in-app messages (站内信): the list (unread first), the unread count (one read of
its counter item), marking one or all read (MSG-1)."""

from __future__ import annotations

from zhtj.core import clock
from zhtj.core.errors import ConflictError, NotFoundError
from zhtj.messages.models import InboxMessage, UnreadCount
from zhtj.table import keys, paging
from zhtj.table.unit_of_work import Actor, UnitOfWork

NOT_FOUND = NotFoundError("MESSAGE_NOT_FOUND", "消息不存在", "message_id")
_ALREADY_READ = ConflictError("MESSAGE_ALREADY_READ", "", None)
# Messages marked read per transaction by read-all (each with its condition, plus the counter).
READ_ALL_CHUNK = 50


def listing(account_id: str, cursor: str | None, limit: int) -> tuple[list[InboxMessage], str | None]:
    """One page of the account's messages: unread first, newest first within each."""
    items, next_cursor = paging.query_page(
        InboxMessage.by_gsi1.query, keys.inbox_pk(account_id), limit=limit, cursor=cursor, scan_index_forward=False
    )
    return [m for m in items if isinstance(m, InboxMessage)], next_cursor


def unread_count(account_id: str) -> int:
    try:
        count = UnreadCount.get(keys.account_pk(account_id), keys.UNREAD_SK, consistent_read=True)
    except UnreadCount.DoesNotExist:
        return 0
    return max(0, int(count.unread or 0))


def _mark(uow: UnitOfWork, message: InboxMessage) -> None:
    uow.update(
        message,
        [InboxMessage.read_at.set(clock.now()), InboxMessage.gsi1sk.set(f"R#{message.message_id}")],
        condition=InboxMessage.read_at.does_not_exist(),
        on_fail=_ALREADY_READ,
    )


def _count_down(uow: UnitOfWork, account_id: str, read: int) -> None:
    uow.update(
        UnreadCount(keys.account_pk(account_id), keys.UNREAD_SK),
        [UnreadCount.kind.set(UnreadCount), UnreadCount.unread.add(-read)],
        versioned=False,
    )


def read(account_id: str, message_id: str) -> InboxMessage:
    """Mark one message read (again: nothing changes)."""
    try:
        message = InboxMessage.get(keys.account_pk(account_id), keys.message_sk(message_id), consistent_read=True)
    except InboxMessage.DoesNotExist as error:
        raise NOT_FOUND from error
    if message.read_at is not None:
        return message
    uow = UnitOfWork(Actor(account_id=account_id, org_id=None))
    _mark(uow, message)
    _count_down(uow, account_id, 1)
    try:
        uow.commit()
    except ConflictError as error:
        if error is not _ALREADY_READ:
            raise
    return InboxMessage.get(keys.account_pk(account_id), keys.message_sk(message_id), consistent_read=True)


def read_all(account_id: str) -> int:
    """Mark every unread message read, READ_ALL_CHUNK to a transaction; returns how many."""
    marked = 0
    while True:
        query = InboxMessage.by_gsi1.query(
            keys.inbox_pk(account_id), InboxMessage.gsi1sk.startswith("U#"), limit=READ_ALL_CHUNK
        )
        found = [m for m in query if isinstance(m, InboxMessage)]
        unread = [m for m in found if m.read_at is None]
        if not unread:
            return marked
        uow = UnitOfWork(Actor(account_id=account_id, org_id=None))
        for message in unread:
            _mark(uow, message)
        _count_down(uow, account_id, len(unread))
        try:
            uow.commit()
            marked += len(unread)
        except ConflictError as error:
            if error is not _ALREADY_READ:
                raise
            # One was read meanwhile (the index lags a moment): mark them one by one.
            for message in unread:
                before = message.read_at
                if before is None and read(account_id, message.message_id).read_at is not None:
                    marked += 1
            return marked
