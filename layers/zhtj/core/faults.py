"""Fault injection for the local stack and the tests: off unless ZHTJ_FAULTS is set.

ZHTJ_FAULTS is a comma-separated list of `name=share` (share between 0 and 1), e.g.

    ZHTJ_FAULTS="registration_worker=0.1,dynamodb_conflict=0.05,payments_timeout=0.2" ./dev up

Names (anything else is refused at the first draw, so a typo cannot pass for a quiet system):

- a handler: every function of chalicefile.json (queue workers, schedules, the stream handler)
  by its manifest name, and `webhook_wechatpay` / `webhook_alipay` (the providers' HTTP
  notification endpoints). It crashes on that share of its invocations (one draw each): half
  of the crashes before the handler runs, half after it has done its work but before the
  answer leaves (the harder case: the work is done and will be redelivered, or re-sent by the
  provider after its 500).
- `dynamodb_conflict`: that share of UnitOfWork commits is cancelled the way DynamoDB cancels a
  transaction that meets another one in flight on the same item (TransactionCanceledException,
  reason TransactionConflict on one item; nothing is written). Callers see
  unit_of_work.BUSY, a ConflictError a retry cures.
- `dynamodb_stale`: on that share of commits a concurrent writer gets there first: one item
  the transaction writes under its version condition is really written (its version
  advanced) just before the commit, so DynamoDB's own ConditionalCheckFailed cancels the
  transaction and the caller sees that operation's refusal (unit_of_work.STALE or its own).
  Commits without such an item are left alone.
- `identity_timeout`: that share of the real-name provider's calls (REG-5) time out (TimeoutError).
- `sqs_send`: that share of queue sends (zhtj.table.queues.Queue.send) fail as an unreachable
  SQS endpoint does (ConnectionError), nothing sent: e.g. a notification's after-commit send,
  which the outbox then recovers (zhtj.messages.outbox).
- `payments_timeout`: that share of the payment gateways' calls (query-order, the bills) time
  out: PaymentError GATEWAY_UNREACHABLE, retryable, as the HTTP transport raises on a timeout.

ZHTJ_FAULTS_SEED=<int> makes the draws repeat (tests); `injected` counts what was injected, by
name. Nothing outside the points above reads either variable.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from functools import lru_cache
from typing import Any

from zhtj.core import settings
from zhtj.core.manifest import PAYMENT_PROVIDERS, load_manifest

CONFLICT = "dynamodb_conflict"
STALE = "dynamodb_stale"
IDENTITY_TIMEOUT = "identity_timeout"
PAYMENTS_TIMEOUT = "payments_timeout"
SQS_SEND = "sqs_send"
SWITCHES = (CONFLICT, STALE, IDENTITY_TIMEOUT, PAYMENTS_TIMEOUT, SQS_SEND)


class InjectedFault(RuntimeError):
    """A crash the fault switch asked for."""


def handler_names() -> set[str]:
    """Every handler the switch can crash: the manifest's functions and the webhook endpoints."""
    return set(load_manifest().functions) | {webhook_name(p) for p in PAYMENT_PROVIDERS}


def webhook_name(provider: str) -> str:
    return f"webhook_{provider}"


@lru_cache(maxsize=1)
def _shares() -> dict[str, float]:
    shares: dict[str, float] = {}
    for entry in filter(None, (part.strip() for part in settings.faults_spec().split(","))):
        name, _, share = entry.partition("=")
        shares[name.strip()] = float(share)
    if shares and (unknown := set(shares) - set(SWITCHES) - handler_names()):
        raise ValueError(f"ZHTJ_FAULTS names no handler or switch: {sorted(unknown)}")
    if bad := {n: s for n, s in shares.items() if not 0 <= s <= 1}:
        raise ValueError(f"ZHTJ_FAULTS shares must be between 0 and 1: {bad}")
    return shares


@lru_cache(maxsize=1)
def _random() -> random.Random:
    seed = settings.faults_seed()
    return random.Random(int(seed)) if seed else random.Random()


_lock = threading.Lock()  # the local stack draws from many threads


# How many faults of each name were injected in this process (what a test or a log can show).
injected: Counter[str] = Counter()


def _draw(name: str, share_of: float = 1.0) -> bool:
    share = _shares().get(name, 0.0)
    if not share:
        return False
    with _lock:
        hit = _random().random() < share * share_of
        if hit:
            injected[name] += 1
    return hit


def active() -> bool:
    """Whether any fault is switched on."""
    return bool(_shares())


_pending = threading.local()  # the invocations drawn to crash after their work, per thread


def maybe_crash(function_name: str, phase: str) -> None:
    """Called by a handler's entry "before" and "after" its work: one draw per invocation (at
    "before") decides whether it crashes, on the configured share, and where (half each)."""
    after: set[str] = _pending.__dict__.setdefault("after", set())
    if phase == "before":
        after.discard(function_name)
        share = _shares().get(function_name, 0.0)
        if not share:
            return
        with _lock:
            draw = _random().random()
            if draw < share:
                injected[function_name] += 1
        if draw < share / 2:
            raise InjectedFault(f"injected fault in {function_name} (before)")
        if draw < share:
            after.add(function_name)
    elif function_name in after:
        after.discard(function_name)
        raise InjectedFault(f"injected fault in {function_name} (after)")


def maybe_time_out(switch: str, what: str) -> None:
    """Raise TimeoutError on the configured share of calls to an outside provider."""
    if _draw(switch):
        raise TimeoutError(f"injected timeout: {what} did not answer in time")


def maybe_fail_send(queue: str) -> None:
    """Raise ConnectionError on the `sqs_send` share of queue sends."""
    if _draw(SQS_SEND):
        raise ConnectionError(f"injected: the {queue} queue could not be reached")


def transaction_conflict(items: int) -> Exception | None:
    """On the `dynamodb_conflict` share of commits: the error PynamoDB raises when DynamoDB
    cancels a transaction of `items` actions because one of them meets another transaction in
    flight. None otherwise."""
    if not items or not _draw(CONFLICT):
        return None
    from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

    with _lock:
        loser = _random().randrange(items)
    reasons: list[CancellationReason | None] = [None] * items
    reasons[loser] = CancellationReason("TransactionConflict", "Transaction is ongoing for the item (injected)")
    codes = ", ".join(r.code if r else "None" for r in reasons)
    response: Any = {
        "Error": {
            "Code": "TransactionCanceledException",
            "Message": f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        },
        "CancellationReasons": [{"Code": r.code, "Message": r.message} if r else {"Code": "None"} for r in reasons],
    }
    cause = VerboseClientError(response, "TransactWriteItems", cancellation_reasons=reasons)
    return TransactWriteError("Failed to write transaction items", cause)


def stale_target(candidates: list[Any]) -> Any | None:
    """On the `dynamodb_stale` share of commits: the one of `candidates` (items the transaction
    writes under their version condition) that a concurrent writer changes first. None otherwise."""
    if not candidates or not _draw(STALE):
        return None
    with _lock:
        return _random().choice(candidates)


def forget() -> None:
    """Re-read ZHTJ_FAULTS and ZHTJ_FAULTS_SEED (tests change them)."""
    _shares.cache_clear()
    _random.cache_clear()
    injected.clear()
