"""`./dev bench` on a fresh machine: every part that runs the system in its own process sets the
in-process environment (bench/inprocess.py) before anything reads it, so that no AWS setting
of the developer's is needed (a part that forgot it failed with botocore's NoRegionError)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Not parts (the runner, the package, the environment itself, the people the parts register),
# and the one part that measures imports in fresh interpreters, to which it gives their
# environment itself.
NOT_IN_PROCESS = {"__init__", "__main__", "inprocess", "people", "cold_import"}
PARTS = sorted(p.stem for p in (ROOT / "bench").glob("*.py") if p.stem not in NOT_IN_PROCESS)
CHECK = (
    "import importlib, os, sys, boto3; importlib.import_module(sys.argv[1]); "
    "print(boto3.Session().region_name, os.environ.get('AWS_ENDPOINT_URL'), os.environ.get('ZHTJ_TABLE'))"
)


def test_the_bench_has_in_process_parts() -> None:
    assert {"card_bench", "dues_bench", "payments_bench", "search_bench", "stats_bench"} <= set(PARTS)


@pytest.mark.parametrize("part", PARTS)
def test_each_bench_part_sets_its_environment_on_import(part: str) -> None:
    """Given a shell with no AWS settings at all (no region, no credentials, no endpoint),
    When a bench part's module is imported in a fresh interpreter,
    Then the in-process environment is set: the China region, moto's table, no endpoint."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ZHTJ_", "POWERTOOLS_"))}
    clean["PYTHONPATH"] = os.pathsep.join([str(ROOT / "layers"), str(ROOT)])
    done = subprocess.run(
        [sys.executable, "-c", CHECK, f"bench.{part}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["cn-north-1", "None", "zhtj"]
