"""Fixtures of the fault tests: the fault switch (zhtj.faults) turned on for one test, and the
event runner of the local stack (infra/local/runner.py) delivering the queues in-process
(`settle` and the other helpers that read queues and dead letters: tests/support/faults.py).

The runner is the redelivery model: it calls each handler as Lambda does (through the Chalice
app, so the handler crash points of app.py run), deletes what succeeded, and makes what failed
visible again at once (no backoff); moto counts the receives and moves a message to its
dead-letter queue once it has been received max_receive_count times (the queues' redrive
policies, created by infra/provision.py from the manifest)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator

import boto3
import pytest

from infra.local.runner import EventRunner
from tests.support.faults import Reasons
from zhtj.core import faults
from zhtj.core.manifest import load_manifest
from zhtj.core.observability import SERVICE


@pytest.fixture(autouse=True)
def no_quiet_period(monkeypatch: pytest.MonkeyPatch) -> None:
    """Card messages are delivered at once (the quiet period is an SQS delay: real seconds)."""
    from zhtj.cards import due as card_due

    monkeypatch.setattr(card_due, "QUIET_SECONDS", 0)


@pytest.fixture
def faults_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """`faults_on("transfer_worker=0.2,dynamodb_conflict=0.1")`: the switch as the local stack
    reads it, with a fixed seed so that a failure repeats (ZHTJ_FAULTS_TEST_SEED=<n> tries
    another: the tests must hold for any)."""

    def switch(spec: str, seed: int = 8) -> None:
        monkeypatch.setenv("ZHTJ_FAULTS", spec)
        monkeypatch.setenv("ZHTJ_FAULTS_SEED", os.environ.get("ZHTJ_FAULTS_TEST_SEED", str(seed)))
        faults.forget()

    yield switch
    monkeypatch.delenv("ZHTJ_FAULTS", raising=False)
    faults.forget()


@pytest.fixture
def runner(aws: None) -> EventRunner:
    import app as app_module

    return EventRunner(app_module, load_manifest(), boto3.Session(), retry_backoff_seconds=0)


@pytest.fixture
def reasons() -> Iterator[Reasons]:
    handler = Reasons()
    logger = logging.getLogger(SERVICE)
    # Whatever an earlier test in this process did to the logger (a library's dictConfig may
    # disable existing loggers; a level may have been raised), the warnings must reach us.
    disabled, level = logger.disabled, logger.level
    logger.disabled = False
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    logger.addHandler(handler)
    logger.warning("probe", extra={"message_id": "probe", "reason": "probe"})
    assert handler.by_message.pop("probe", None) == ["probe"], (
        f"the {SERVICE} logger does not deliver warnings: disabled={disabled} level={level} "
        f"filters={logger.filters} handlers={logger.handlers}"
    )
    yield handler
    logger.removeHandler(handler)
    logger.disabled, logger.level = disabled, level
