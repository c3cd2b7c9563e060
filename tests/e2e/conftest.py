"""One local stack (`python -m infra.local`) for all e2e tests, on free ports.

It runs in a subprocess, not in the test process: the stack points the process's AWS
clients at its moto server and shares moto's global state with it, which would break the
tests that use in-process moto (`mock_aws`) if they ran in the same worker.
"""

from __future__ import annotations

import importlib.util
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.stack import RunningStack, start_stack

# Members of demo data in the shared stack, when the demo module exists (None: no demo data).
DEMO_SCALE: int | None = 20 if importlib.util.find_spec("infra.local.demo") else None


@pytest.fixture(scope="session")
def stack() -> Iterator[RunningStack]:
    """The shared local stack: `stack.api_url`, `stack.aws_url`, `stack.demo` (logins, or None)."""
    with tempfile.TemporaryDirectory(prefix="zhtj-e2e-") as workdir:
        running = start_stack(Path(workdir), demo_scale=DEMO_SCALE)
        try:
            yield running
        finally:
            if running.process.poll() is None:
                running.interrupt()
