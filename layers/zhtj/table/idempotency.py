"""Calls that run once per key across processes: powertools' idempotency, stored in the one table.

A `Guard` wraps a function of one keyword argument (a dict): calls whose key (JMESPath over
the dict) has a record get the stored answer, with the payload (another JMESPath) validated
against the first call; concurrent calls with one key meet at the table and all but one raise
`AlreadyInProgress`. An exception raised out of the function deletes the record (so the next
call with the key runs it again). Records live under static partitions
IDEMPOTENCY#<name>#<shard> (the shard chosen by the caller's `shard_key`), sort key
`<Lambda function>.<record_name>#<hash of the key>`, expire with the table's TTL; a completed
record is also kept in the process's memory.

This is the only module that builds the idempotency store and its boto3 client: the capability
using a guard (dues' webhook) never touches boto3 or powertools' persistence layer.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Generic, TypeVar

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from zhtj.core.settings import get_settings, lambda_function_name
from zhtj.table.clients import aws

# A call with the same key is being run elsewhere: a retry later will find its answer.
AlreadyInProgress = IdempotencyAlreadyInProgressError
# A record holds the key with another payload (what `payload_jmespath` selects differs).
PayloadMismatch = IdempotencyValidationError

Result = TypeVar("Result")


class _RequestBudget:
    """What powertools asks a Lambda context for: how long an in-progress record may block
    duplicates before a retry may run the call (a crashed request must not block for days)."""

    def __init__(self, millis: int) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


@lru_cache(maxsize=1)
def _client() -> Any:
    # One DynamoDB client for every guard and shard: powertools makes a boto3 session and a
    # client per persistence layer otherwise (tens of milliseconds of model loading each).
    return aws("dynamodb")


_GUARDS: list[Guard[Any]] = []


class Guard(Generic[Result]):
    """`function(**{data_keyword: data})`, once per key (see the module's docstring)."""

    def __init__(
        self,
        function: Callable[..., Result],
        *,
        name: str,
        record_name: str,
        shards: int,
        data_keyword: str,
        key_jmespath: str,
        payload_jmespath: str,
        expires_after_seconds: int,
        in_progress_millis: int,
        local_cache_items: int,
    ) -> None:
        self.function = function
        self.name = name
        # What records are filed under (powertools' default is the function's module and name:
        # a guard names it, so that moving the function keeps finding the records written before).
        self.record_name = record_name
        self.shards = shards
        self.data_keyword = data_keyword
        self.key_jmespath = key_jmespath
        self.payload_jmespath = payload_jmespath
        self.expires_after_seconds = expires_after_seconds
        self.in_progress_millis = in_progress_millis
        self.local_cache_items = local_cache_items
        self._lock = threading.Lock()
        self._entries: tuple[Callable[..., Result], ...] | None = None
        _GUARDS.append(self)

    def __call__(self, shard_key: str, data: dict[str, Any]) -> Result:
        """Run (or answer from the record) the call for `data`, in the shard of `shard_key`.
        Raises AlreadyInProgress, PayloadMismatch, and whatever the function raises."""
        entry = self._built()[zlib.crc32(shard_key.encode()) % self.shards]
        return entry(**{self.data_keyword: data})

    def _built(self) -> tuple[Callable[..., Result], ...]:
        """One idempotent entry per shard, built once per process (inside whatever AWS endpoint
        the process talks to), under a lock: a process serving requests on threads (the local
        API in a storm) would otherwise build them once per request in flight."""
        with self._lock:
            if self._entries is None:
                self._entries = self._build()
            return self._entries

    def _build(self) -> tuple[Callable[..., Result], ...]:
        config = IdempotencyConfig(
            event_key_jmespath=self.key_jmespath,
            payload_validation_jmespath=self.payload_jmespath,
            raise_on_no_idempotency_key=True,
            expires_after_seconds=self.expires_after_seconds,
            # A completed record is kept in memory too: a repeat reaching the same container is
            # answered (and its payload validated) without a DynamoDB request. Records being
            # processed are never cached, so concurrent duplicates still meet at the table.
            # (powertools' LRU is not locked: in a threaded server a lookup racing the eviction
            # of the same key raises, and the caller gets an exception and retries.)
            use_local_cache=True,
            local_cache_max_items=self.local_cache_items,
        )
        config.register_lambda_context(_RequestBudget(self.in_progress_millis))  # type: ignore[arg-type]
        entries = []
        for shard in range(self.shards):
            store = DynamoDBPersistenceLayer(
                table_name=get_settings().table_name,
                key_attr="pk",
                sort_key_attr="sk",
                static_pk_value=f"IDEMPOTENCY#{self.name}#{shard}",
                expiry_attr="expires_at",
                in_progress_expiry_attr="in_progress_expires_at",
                boto3_client=_client(),
            )
            entries.append(
                idempotent_function(
                    self.function,
                    data_keyword_argument=self.data_keyword,
                    persistence_store=store,
                    config=config,
                    key_prefix=f"{lambda_function_name()}.{self.record_name}",
                )
            )
        return tuple(entries)

    def forget(self) -> None:
        with self._lock:
            self._entries = None


def forget() -> None:
    """Tests: rebuild every guard's stores and the client inside a fresh moto (and drop the
    completed records kept in memory)."""
    for guard in _GUARDS:
        guard.forget()
    _client.cache_clear()
