"""One transaction per change, with its audit records inside it (AUDIT-1).

A logic function collects its writes and the audit record of each change here, then
commits them as one TransactWriteItems: either all land or none does. A failed condition
is turned into the domain error its operation named.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

import msgspec
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from zhtj.core import faults
from zhtj.core.clock import new_id, now
from zhtj.core.errors import ConflictError, DomainError
from zhtj.core.observability import logger
from zhtj.core.settings import get_settings
from zhtj.table import keys
from zhtj.table.audit_record import AuditRecord
from zhtj.table.base import Item
from zhtj.table.clients import client_config

# DynamoDB's limit on the actions of one TransactWriteItems.
MAX_TRANSACTION_ITEMS = 100

# PynamoDB sends a transaction's actions grouped in this order; cancellation reasons follow it.
_SENT_ORDER = {"condition_check": 0, "delete": 1, "save": 2, "update": 3}

STALE = ConflictError("STALE_WRITE", "数据已被他人修改，请刷新后重试")
BUSY = ConflictError("TRANSACTION_CONFLICT", "同一数据正在被他人修改，请稍后重试")

T = TypeVar("T")


def commit_packed(items: list[T], cost: Callable[[T], int], write: Callable[[list[T]], None]) -> None:
    """Write `items` several to a transaction: `write(chunk)` builds and commits one, each item
    taking `cost(item)` of its MAX_TRANSACTION_ITEMS actions. A chunk that loses a race
    (ConflictError) is written again an item at a time, and an item that loses again is left
    (whoever changed it meanwhile wrote what it needed): for background followers (a moved
    subtree's search tokens, a renamed branch's labels and cards)."""
    chunk: list[T] = []
    size = 0
    for item in items:
        if chunk and size + cost(item) > MAX_TRANSACTION_ITEMS:
            _write_or_each(chunk, write)
            chunk, size = [], 0
        chunk.append(item)
        size += cost(item)
    if chunk:
        _write_or_each(chunk, write)


def _write_or_each(chunk: list[T], write: Callable[[list[T]], None]) -> None:
    try:
        write(chunk)
    except ConflictError:
        if len(chunk) == 1:
            return
        for item in chunk:
            try:
                write([item])
            except ConflictError:
                continue


def lost_race(error: Exception) -> bool:
    """Whether a refusal only says that another writer got there first (a transaction in flight,
    or an item changed since it was read): the same change tried again may well succeed. A
    worker raises it (its message is redelivered) rather than record it as a refusal."""
    return isinstance(error, ConflictError) and error.code in (BUSY.code, STALE.code)


def _plain(state: dict[str, Any] | None) -> dict[str, Any] | None:
    """A state as plain JSON values (enums, dates -> strings), as the audit map stores it."""
    if state is None:
        return None
    plain: dict[str, Any] = json.loads(json.dumps(state, default=str, ensure_ascii=False))
    return plain


@lru_cache(maxsize=1)
def _connection() -> Connection:
    # One client per process: building a botocore client costs tens of milliseconds. Built here,
    # from the session that carries the application's client settings (zhtj.table.clients).
    connection = Connection(region=get_settings().region)
    connection.session.set_default_client_config(client_config())
    _ = connection.client  # built now, on this thread's session (pynamodb keeps one per thread)
    return connection


def reset_clients() -> None:
    """Forget the transaction client (a process that moves to another endpoint: the e2e tests)."""
    _connection.cache_clear()


def _lose_races(ordered: list[_Operation]) -> None:
    """The fault switch's lost races (zhtj.faults; off unless ZHTJ_FAULTS names them): either
    DynamoDB's cancellation for a transaction in flight on one item (raised here, inside the
    TransactWrite, so nothing is sent), or a concurrent writer that really advances the version
    of one item this transaction writes under its version condition (DynamoDB then cancels
    the transaction with ConditionalCheckFailed on that item)."""
    if not faults.active():
        return
    conflict = faults.transaction_conflict(len(ordered))
    if conflict is not None:
        raise conflict
    versioned = [
        op.item
        for op in ordered
        if isinstance(op.item, Item)
        and getattr(op.item, "version", None) is not None
        and (op.verb != "update" or op.args.get("add_version_condition"))
    ]
    target = faults.stale_target(versioned)
    if target is not None:
        # Written beside the item object, so that the transaction's copy stays as it was read.
        model = type(target)
        version = getattr(model, "version")  # noqa: B009 (only some item types have one)
        model._get_connection().update_item(
            target.pk, range_key=target.sk, actions=[version.add(1)], condition=model.pk.exists()
        )


class Actor(msgspec.Struct, frozen=True):
    """Who causes a change: an account acting for an organisation, or the system itself."""

    account_id: str
    org_id: str | None


SYSTEM_ACTOR = Actor(account_id="system", org_id=None)


class _Operation(msgspec.Struct):
    verb: str
    item: Item | type[Item]
    args: dict[str, Any]
    on_fail: DomainError


class UnitOfWork(msgspec.Struct):
    actor: Actor
    operations: list[_Operation] = msgspec.field(default_factory=list)
    # Notifications to send once the transaction has landed (e.g. a card queue message), keyed
    # so that one change noted twice in a transaction notifies once.
    hooks: dict[str, Callable[[], None]] = msgspec.field(default_factory=dict)

    def after_commit(self, key: str, hook: Callable[[], None]) -> bool:
        """Run `hook` once the commit succeeds (never if it fails). False if `key` is already
        registered in this unit of work: the caller then has nothing more to add. A hook that
        raises is logged and swallowed: the change is durable, and whatever the hook announces
        must also be recoverable from the table (a sweep)."""
        if key in self.hooks:
            return False
        self.hooks[key] = hook
        return True

    def _run_hooks(self) -> None:
        hooks, self.hooks = list(self.hooks.items()), {}
        for key, hook in hooks:
            try:
                hook()
            except Exception:  # committed already: the sweep recovers what a hook missed
                logger.exception("after-commit hook failed", extra={"hook": key})

    def put(self, item: Item, condition: Condition | None = None, on_fail: DomainError = STALE) -> None:
        self.operations.append(_Operation("save", item, {"condition": condition}, on_fail))

    def update(
        self,
        item: Item,
        actions: list[Action],
        condition: Condition | None = None,
        on_fail: DomainError = STALE,
        versioned: bool = True,
    ) -> None:
        """Update in place. `versioned=False` for commutative counter moves, which must not
        conflict with each other (the version still advances)."""
        args = {"actions": actions, "condition": condition, "add_version_condition": versioned}
        self.operations.append(_Operation("update", item, args, on_fail))

    def delete(self, item: Item, condition: Condition | None = None, on_fail: DomainError = STALE) -> None:
        self.operations.append(_Operation("delete", item, {"condition": condition}, on_fail))

    def check(self, model: type[Item], pk: str, sk: str, condition: Condition, on_fail: DomainError = STALE) -> None:
        self.operations.append(
            _Operation("condition_check", model, {"hash_key": pk, "range_key": sk, "condition": condition}, on_fail)
        )

    def audit(
        self,
        action: str,
        subject_kind: str,
        subject_id: str,
        org_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """Record a change: who, when, what, and the state before and after (AUDIT-1)."""
        at = now()
        sort = f"{at.isoformat()}#{new_id('a')}"
        record = AuditRecord(
            keys.audit_pk(subject_kind, subject_id),
            sort,
            # A change with no organisation (a sign-in) is found by its subject only.
            gsi1pk=keys.audit_org_pk(org_id) if org_id else None,
            gsi1sk=sort if org_id else None,
            action=action,
            subject_kind=subject_kind,
            subject_id=subject_id,
            org_id=org_id,
            actor_account_id=self.actor.account_id,
            actor_org_id=self.actor.org_id,
            at=at,
            before=_plain(before),
            after=_plain(after),
        )
        # Append-only: an audit key is never written twice.
        self.put(record, condition=AuditRecord.pk.does_not_exist())

    def commit(self, idempotency_token: str | None = None) -> None:
        """Write everything in one transaction; raise the failing operation's error. The
        after-commit hooks run only once the transaction has landed."""
        try:
            self._write(idempotency_token)
        except BaseException:
            self.hooks.clear()
            raise
        self._run_hooks()

    def _write(self, idempotency_token: str | None) -> None:
        if not self.operations:
            return
        if len(self.operations) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"{len(self.operations)} actions exceed one transaction")
        ordered = sorted(self.operations, key=lambda op: _SENT_ORDER[op.verb])
        connection = _connection()
        try:
            with TransactWrite(connection=connection, client_request_token=idempotency_token) as transaction:
                for op in ordered:
                    getattr(transaction, op.verb)(op.item, **op.args)
                _lose_races(ordered)
        except TransactWriteError as error:
            reasons = error.cancellation_reasons or []
            for op, reason in zip(ordered, reasons, strict=False):
                if reason is not None and reason.code == "ConditionalCheckFailed":
                    raise op.on_fail from error
            if any(reason is not None and reason.code == "TransactionConflict" for reason in reasons):
                raise BUSY from error
            raise
        finally:
            self.operations.clear()
