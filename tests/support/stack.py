"""The local stack (`python -m infra.local`) started in a subprocess on free ports, for the e2e
tests: `start_stack` waits until it serves and returns the `RunningStack`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120


@dataclass
class RunningStack:
    """A `python -m infra.local` process that is up."""

    process: subprocess.Popen[bytes]
    log_path: Path
    api_url: str
    aws_url: str
    demo: dict[str, str] | None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def interrupt(self, timeout: float = 30) -> int:
        """Ctrl-C, and the exit code once it has stopped."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the stack did not stop within {timeout}s on Ctrl-C:\n{self.log()[-3000:]}") from None


def start_stack(workdir: Path, *extra: str, demo_scale: int | None = None) -> RunningStack:
    """Start the stack with ports chosen by the OS, and wait until it is serving."""
    state = workdir / "state.json"
    log_path = workdir / "stack.log"
    args = ["--aws-port", "0", "--api-port", "0", "--payments-port", "0", "--state-file", str(state), *extra]
    args += ["--scale", str(demo_scale)] if demo_scale is not None else ["--no-demo"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # Output to a file, not a pipe nobody reads (a full pipe would block the stack).
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.local", *args], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env
        )
    deadline = time.monotonic() + START_TIMEOUT
    while not state.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            output = log_path.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"the local stack did not start (exit {process.returncode}):\n{output[-5000:]}")
        time.sleep(0.1)
    info = json.loads(state.read_text(encoding="utf-8"))
    return RunningStack(process, log_path, info["api_url"], info["aws_url"], info["demo"])


@contextmanager
def against(stack: RunningStack) -> Iterator[None]:
    """Within: this process's zhtj code reads and writes the stack's moto server (its table, its
    KMS keys), as the stack's own functions do: what a test prepares without an HTTP route
    (applicants' sessions, ACCT) goes there."""
    from pynamodb.models import Model

    from tests.support.moto_state import reset_caches
    from zhtj.table import unit_of_work
    from zhtj.table.base import Item

    wanted = {"AWS_ENDPOINT_URL": stack.aws_url, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
    saved = {name: os.environ.get(name) for name in wanted}

    def forget_connections() -> None:
        classes: list[type[Model]] = [Item]
        while classes:
            model = classes.pop()
            model._connection = None
            classes.extend(model.__subclasses__())
        unit_of_work.reset_clients()
        reset_caches()

    os.environ.update(wanted)
    forget_connections()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        forget_connections()


def applicants(stack: RunningStack, count: int) -> list[dict[str, str]]:
    """Headers of `count` fresh applicants' sessions on the stack (ACCT-2: a registration comes
    from a signed-in account), made as sign-up makes them, without `count` SMS round trips."""
    from tests.support.sessions import applicant_headers

    with against(stack):
        return [applicant_headers() for _ in range(count)]
