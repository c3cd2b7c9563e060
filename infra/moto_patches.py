"""Two fixes to moto (the embedded AWS) so that it behaves like the service it stands in for.

1. Requests are atomic. moto's server answers requests on many threads but its DynamoDB
backend has no lock: two concurrent conditional writes can both pass their condition (two
approvers would both win), and a query can iterate a table while a write changes it.
`apply()` puts every DynamoDB operation behind one lock, as DynamoDB's own isolation would.

2. Transactions cost what DynamoDB's cost.
moto's TransactWriteItems deep-copies the whole table once per action of the transaction,
as its rollback snapshot: a write costs O(actions x table size), seconds per request once
the demo data is loaded. DynamoDB's cost does not grow with the table. `apply()` keeps
moto's semantics (all or nothing, the same errors) but snapshots only the items the
transaction touches, and restores exactly those (and the stream) when it is cancelled.
Applied by the local stack and the test suite; tests/integration/test_moto_patches.py
checks the rollback.
"""

from __future__ import annotations

import copy
import functools
import threading
import types
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_APPLIED = False
_WRITE_LOCK = threading.RLock()
_OPERATIONS = (
    "put_item",
    "update_item",
    "delete_item",
    "batch_write_item",
    "transact_write_items",
    "get_item",
    "query",
    "scan",
    "batch_get_item",
    "transact_get_items",
)


def _no_table_copy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    # The table itself is not copied: the wrapper below snapshots the touched items instead.
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _touched(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[tuple[Table, Any, Any, Any]]:
    snapshots = []
    for entry in transact_items:
        operation = next(iter(entry.values()))
        table = backend.tables.get(operation.get("TableName", ""))
        key = operation.get("Key") or operation.get("Item")
        if table is None or not key or table.hash_key_attr not in key:
            continue
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
        existing = table.get_item(hash_value, range_value)
        snapshots.append((table, hash_value, range_value, copy.deepcopy(existing)))
    return snapshots


def _restore(snapshots: list[tuple[Table, Any, Any, Any]], stream_lengths: dict[int, int]) -> None:
    for table, hash_value, range_value, item in reversed(snapshots):
        if item is None:
            if table.get_item(hash_value, range_value) is not None:
                table.delete_item(hash_value, range_value)
        elif range_value is not None:
            table.items[hash_value][range_value] = item
        else:
            table.items[hash_value] = item
        if table.stream_shard is not None:
            del table.stream_shard.items[stream_lengths[id(table)] :]


def apply() -> None:
    """Install the fix (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    dynamodb_models.copy = types.SimpleNamespace(deepcopy=_no_table_copy, copy=copy.copy)  # type: ignore[assignment]
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        snapshots = _touched(self, transact_items)
        stream_lengths = {id(t): len(t.stream_shard.items) for t, *_ in snapshots if t.stream_shard is not None}
        try:
            original(self, transact_items)
        except Exception:
            _restore(snapshots, stream_lengths)
            raise

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    for name in _OPERATIONS:
        setattr(DynamoDBBackend, name, _serialized(getattr(DynamoDBBackend, name)))
    _APPLIED = True


def _serialized(method: Any) -> Any:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _WRITE_LOCK:
            return method(*args, **kwargs)

    return locked
