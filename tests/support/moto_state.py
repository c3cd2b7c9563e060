"""Saved states of in-process moto, so that a test starts from a provisioned (and populated)
AWS without paying for building it.

Provisioning (table, queues, state machines, buckets, KMS keys) and `build_world()` cost about
a second per test through moto's HTTP emulation; copying the resulting state costs a few tens
of milliseconds. So each test process builds a state once, the first time a test asks for it,
saves a deep copy of it, and hands every test a fresh deep copy of that copy:

- every test still starts from the same state (the saved one, never a used one), and no test
  sees another's writes: each gets objects of its own;
- the copy is generic: moto keeps all of its state in backend objects (one per service,
  account and region, registered in `BackendDict._instances` once used), so whatever service
  a builder touches (DynamoDB, SQS, S3, KMS, Step Functions, Secrets Manager, Cognito...) is
  saved and restored with no list to maintain here;
- a builder runs under the environment the test session started with, not the current
  test's monkeypatched one, so the saved state does not depend on which test came first.

States are keyed by name; a name says how the state was built (e.g. "provisioned",
"provisioned/world"). Clients and caches in the code under test are not part of the state:
the `aws` fixture resets them around every test as before (tests/conftest.py).
"""

from __future__ import annotations

import copy
import copyreg
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from moto.core.base_backend import BackendDict, backend_lock

# The environment of the session before any test ran (set by tests/conftest.py).
_baseline_environ: dict[str, str] = {}


@dataclass(frozen=True)
class Saved:
    """A deep copy of moto's backends (one entry per used service) and the builder's value."""

    backends: list[tuple[BackendDict[Any], dict[str, dict[str, Any]]]]
    value: Any


_saved: dict[str, Saved] = {}
_current: str | None = None
_current_value: Any = None

# Locks in backend objects (e.g. an SQS queue's) cannot be copied; a copy gets a new, free lock.
# A Condition (or an Event, which holds one) is made anew around the copy of its lock: copying
# its attributes would leave it calling the original lock's bound methods.
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


def remember_environment() -> None:
    """Record the session's environment: builders run under it."""
    _baseline_environ.clear()
    _baseline_environ.update(os.environ)


@contextmanager
def _copyable_locks() -> Iterator[None]:
    reducers: dict[type, Callable[[Any], Any]] = {t: _new_lock for t in _LOCK_TYPES}
    reducers[threading.Condition] = _new_condition
    added = [t for t in reducers if t not in copyreg.dispatch_table]
    for kind in added:
        copyreg.dispatch_table[kind] = reducers[kind]
    try:
        yield
    finally:
        for kind in added:
            del copyreg.dispatch_table[kind]


def _new_lock(lock: Any) -> tuple[Callable[[], Any], tuple[()]]:
    return (threading.RLock if isinstance(lock, _LOCK_TYPES[1]) else threading.Lock), ()


def _new_condition(condition: threading.Condition) -> tuple[type[threading.Condition], tuple[Any]]:
    # deepcopy copies the arguments: the new Condition gets the copy of the lock.
    return threading.Condition, (condition._lock,)  # type: ignore[attr-defined]


@contextmanager
def _baseline_environment() -> Iterator[None]:
    if not _baseline_environ:
        yield
        return
    current = dict(os.environ)
    os.environ.clear()
    os.environ.update(_baseline_environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(current)


def _capture(value: Any) -> Saved:
    with backend_lock:
        used = [(b, {account: dict(regions) for account, regions in b.items()}) for b in BackendDict._instances]
    with _copyable_locks():
        copied, value = copy.deepcopy(([payload for _, payload in used], value))
    return Saved([(b, payload) for (b, _), payload in zip(used, copied, strict=True)], value)


def _shared_records(saved: Saved) -> dict[int, Any]:
    """A deepcopy memo that keeps DynamoDB stream records as they are: a record never changes
    once written (a stream is only appended to and read), so copies can share them; they are
    most of the cost of copying a table that was written through a stream."""
    memo: dict[int, Any] = {}
    for _, accounts in saved.backends:
        for regions in accounts.values():
            for backend in regions.values():
                for table in (getattr(backend, "tables", None) or {}).values():
                    shard = getattr(table, "stream_shard", None)
                    for record in getattr(shard, "items", None) or ():
                        memo[id(record)] = record
    return memo


def _restore(saved: Saved) -> Any:
    with _copyable_locks():
        payloads, value = copy.deepcopy(
            ([payload for _, payload in saved.backends], saved.value), _shared_records(saved)
        )
    BackendDict.reset()  # what mock_aws does on entry: whatever is there now goes
    with backend_lock:
        for (backend_dict, _), accounts in zip(saved.backends, payloads, strict=True):
            for account_id, regions in accounts.items():
                backend_dict._create_account_specific_backend(account_id)  # registers it for reset
                by_region = dict.__getitem__(backend_dict, account_id)
                for region, backend in regions.items():
                    dict.__setitem__(by_region, region, backend)
    return value


def restore(name: str, build: Callable[[], Any]) -> Any:
    """Inside an active mock_aws: make moto's state a fresh copy of the state saved as `name`,
    and return a fresh copy of the value `build` returned. The first time in this process,
    `build()` runs instead, on moto as it is (the caller starts from a clean or restored
    state), and its result is saved."""
    global _current
    saved = _saved.get(name)
    if saved is None:
        with _baseline_environment():
            value = build()
        _saved[name] = saved = _capture(value)
        # The caller continues on the live state it built; later callers get copies.
        _current = name
        return copy.deepcopy(saved.value)
    _current = name
    return _restore(saved)


def prepare(request: Any, base: str, build_base: Callable[[], Any]) -> None:
    """The `aws` fixtures' step: restore state `base` (built by `build_base`), or, when the test
    asks for the `world` fixture, that state with tests/support/world.py's province built on it
    (saved as "<base>/world"). Deciding here, not in `world`, means that no fixture can
    write to moto between the two restores and lose its write."""
    global _current_value
    # After the test, `world` must not find this test's state (an `aws` override that does
    # not call prepare() would otherwise hand the next test a stale World).
    request.addfinalizer(_forget_current)
    if "world" not in request.fixturenames:
        _current_value = restore(base, build_base)
        return

    def build_world() -> Any:
        from tests.support import build_world

        restore(base, build_base)
        return build_world()

    _current_value = restore(f"{base}/world", build_world)


def _forget_current() -> None:
    global _current, _current_value
    _current, _current_value = None, None


def current_value() -> Any:
    """The current test's copy of the value saved with its state (the World, for "…/world")."""
    if not (_current or "").endswith("/world"):
        raise RuntimeError(
            "no world in this moto state: an `aws` fixture must call "
            "tests.support.moto_state.prepare(request, name, build) for the `world` fixture to work"
        )
    return _current_value


def reset_caches() -> None:
    """Forget every client and cached read the system keeps per process, so that nothing of one
    moto (a client, a key, a loaded calendar) outlives it: each `aws` fixture calls it on entry and exit."""
    from infra.local import sms_outbox, wechat_outbox
    from zhtj.core import faults
    from zhtj.integrations import secrets
    from zhtj.integrations.payments import config as payments_config
    from zhtj.registration import waves
    from zhtj.table import executions, pii, queues, signing, storage
    from zhtj.timers import calendar

    for module in (queues, pii, storage, executions, signing):
        module.reset_clients()
    for cached in (calendar, waves, faults, payments_config, secrets):
        cached.forget()
    sms_outbox.clear()
    wechat_outbox.clear()
