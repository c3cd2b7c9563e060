"""Cold start, the part we control: the time to import the heaviest handler module (functions/
app.py: every blueprint, every logic module, powertools wired) in a fresh interpreter, next to
importing only the libraries it stands on (boto3, aws_lambda_powertools, pynamodb, pydantic), in
the same run. Each is measured in its own new process, several times, median reported.

    .venv/bin/python -m bench.cold_import [runs]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = "import boto3, aws_lambda_powertools, aws_lambda_powertools.utilities.batch, pynamodb.models, pydantic"
HANDLER = "import app"
_TIMER = "import time; t = time.perf_counter(); {statement}; print(round((time.perf_counter() - t) * 1000, 1))"


def _once(statement: str) -> float:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT / "layers"), str(ROOT)]),
        "AWS_DEFAULT_REGION": "cn-north-1",
        "ZHTJ_TABLE": "zhtj",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PYTHONDONTWRITEBYTECODE": "0",
    }
    done = subprocess.run(
        [sys.executable, "-c", _TIMER.format(statement=statement)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def run(runs: int = 5) -> dict[str, Any]:
    _once(HANDLER)  # byte-compile once, as a deployed package ships .pyc files
    handler = [_once(HANDLER) for _ in range(runs)]
    libraries = [_once(LIBRARIES) for _ in range(runs)]
    p50_handler, p50_libraries = statistics.median(handler), statistics.median(libraries)
    return {
        "runs": runs,
        "handler_import_ms": p50_handler,
        "libraries_import_ms": p50_libraries,
        "handler_vs_libraries": round(p50_handler / p50_libraries, 2),
        "rows": [
            [
                "cold import of the app (every handler), p50",
                f"{p50_handler} ms",
                f"boto3+powertools+pynamodb+pydantic {p50_libraries} ms",
                f"{p50_handler / p50_libraries:.2f}x",
            ]
        ],
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 5), ensure_ascii=False, indent=2))
