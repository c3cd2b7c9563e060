"""Cold start, the part we control: for every function of the manifest, the time a fresh
interpreter takes to import its entry as Lambda does (the handler string the cloud template
gives it: `chalicelib.entry.<name>` for an event function, `app.app` for the API, which serves
every route), next to importing only the libraries they stand on (boto3, aws_lambda_powertools,
pynamodb, pydantic), in the same run, and next to the same libraries imported without garbage
collection as our entries import everything (core/heap.loading), so that that gain shows apart.
The API's import loads no route module (chalicelib/routing.py: each is imported at its route's
first request), so its figure comes with a second one, the API's first request: a fresh
interpreter imports `app.app` and serves one request as Lambda hands it over (FIRST_REQUEST),
so that what the lazy import defers is counted too. Each is measured in its own new process,
several times, median reported. The ratios use the process's CPU time: an import is CPU-bound
(the files are in the page cache after the first run), and on a shared machine the wall clock
also counts the other processes' turns (both are in the JSON; on an idle machine they agree).

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
sys.path[:0] = [str(ROOT / "layers"), str(ROOT)]

from infra.template import EVENT_ENTRY  # noqa: E402
from zhtj.core.manifest import load_manifest  # noqa: E402

LIBRARIES = "import boto3, aws_lambda_powertools, aws_lambda_powertools.utilities.batch, pynamodb.models, pydantic"
# The same libraries imported the way our entries import everything (zhtj.core.heap.loading: no
# garbage collection meanwhile, then frozen), so that the gain of that alone is not counted as
# ours: the stricter baseline.
LIBRARIES_HELD = f"import gc; gc.disable(); {LIBRARIES}; gc.freeze(); gc.enable()"
# For reference (the API's HTTP models): pydantic's top level is lazy, so the floor loads none
# of its models' machinery (≈ 0.2x the floor by itself); no event function loads it.
LIBRARIES_LOADED = LIBRARIES + "; from pydantic import BaseModel, TypeAdapter"
# As Lambda's runtime loads a handler: import the module, then look the name up on it.
_LOOKUP = "import importlib; getattr(importlib.import_module({module!r}), {name!r})"
_TIMER = (
    "import time; t, c = time.perf_counter(), time.process_time(); {statement}; "
    "print(round((time.perf_counter() - t) * 1000, 1), round((time.process_time() - c) * 1000, 1))"
)
API = "app"
# The API's first request, as Lambda's runtime hands an API Gateway (REST, proxy) event to the
# handler: POST /registrations without a token. It answers 401 before any AWS request (the
# bench has no AWS to talk to), but only after the proxy has imported what the route needs: the
# item classes (zhtj.registry), the registration routes and their pydantic models, the
# registration logic and the HTTP adapter; then the middleware (the log's context, the metrics'
# flush) runs as for any request. A signed-in request would also load PyJWT (≈ 4 ms) and check
# the token's signature.
FIRST_REQUEST_ROUTE = ("POST", "/registrations")
_FIRST_EVENT = {
    "resource": FIRST_REQUEST_ROUTE[1],
    "path": FIRST_REQUEST_ROUTE[1],
    "httpMethod": FIRST_REQUEST_ROUTE[0],
    "headers": {"Content-Type": "application/json"},
    "multiValueHeaders": {"Content-Type": ["application/json"]},
    "queryStringParameters": None,
    "multiValueQueryStringParameters": None,
    "pathParameters": None,
    "stageVariables": None,
    "requestContext": {
        "resourcePath": FIRST_REQUEST_ROUTE[1],
        "httpMethod": FIRST_REQUEST_ROUTE[0],
        "path": FIRST_REQUEST_ROUTE[1],
        "requestId": "bench",
        "identity": {"sourceIp": "203.0.113.1"},
    },
    "body": "{}",
    "isBase64Encoded": False,
}
_FIRST_CONTEXT = (
    "types.SimpleNamespace(function_name='api', memory_limit_in_mb=1024, aws_request_id='bench', "
    "invoked_function_arn='arn:aws-cn:lambda:cn-north-1:123456789012:function:api', "
    "get_remaining_time_in_millis=lambda: 29000)"
)
FIRST_REQUEST = "first request"


def entry(name: str) -> str:
    """The statement that loads function `name`'s handler as Lambda would (for FIRST_REQUEST:
    the API's, then serves its first request)."""
    if name == FIRST_REQUEST:
        return (
            f"import types; {entry(API)}; import app; answer = app.app({_FIRST_EVENT!r}, {_FIRST_CONTEXT}); "
            "assert answer['statusCode'] == 401, answer"
        )
    module, attribute = ("app", "app") if name == API else (EVENT_ENTRY, name)
    return _LOOKUP.format(module=module, name=attribute)


def _once(statement: str) -> tuple[float, float]:
    """Wall and CPU milliseconds of `statement` in a fresh interpreter."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT / "layers")]),
        "AWS_DEFAULT_REGION": "cn-north-1",
        "ZHTJ_TABLE": "zhtj",
        # As in the China regions (no X-Ray there): with tracing on, the X-Ray SDK adds ~125 ms.
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    # Any value, "0" too, stops Python writing .pyc files: the first run must write them (a
    # deployed package ships them), or every run would compile the code afresh.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run(
        [sys.executable, "-c", _TIMER.format(statement=statement)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu = done.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def run(runs: int = 5) -> dict[str, Any]:
    names = [API, FIRST_REQUEST, *load_manifest().functions]
    for name in names:
        _once(entry(name))  # byte-compile once, as a deployed package ships .pyc files
    # Interleaved, so that a busy moment of the machine weighs on every figure alike.
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in [*names, "libraries", "held", "loaded"]}
    for _ in range(runs):
        samples["libraries"].append(_once(LIBRARIES))
        samples["held"].append(_once(LIBRARIES_HELD))
        samples["loaded"].append(_once(LIBRARIES_LOADED))
        for name in names:
            samples[name].append(_once(entry(name)))
    wall = {name: statistics.median(s[0] for s in taken) for name, taken in samples.items()}
    cpu = {name: statistics.median(s[1] for s in taken) for name, taken in samples.items()}
    floor, held, loaded = cpu.pop("libraries"), cpu.pop("held"), cpu.pop("loaded")
    functions = {name: cpu[name] for name in names}
    ratios = {name: round(ms / floor, 2) for name, ms in functions.items()}
    events = {name: ms for name, ms in functions.items() if name not in (API, FIRST_REQUEST)}
    heaviest = max(events, key=lambda name: events[name])
    return {
        "runs": runs,
        "libraries_import_ms": floor,
        "libraries_held_import_ms": held,
        "libraries_with_pydantic_models_ms": loaded,
        "functions_import_ms": functions,
        "wall_ms": wall,
        "functions_vs_libraries": ratios,
        "functions_vs_libraries_held": {name: round(ms / held, 2) for name, ms in functions.items()},
        "heaviest_event_function": heaviest,
        "rows": [
            [
                f"cold import (CPU), heaviest event function ({heaviest}), p50",
                f"{events[heaviest]} ms",
                f"boto3+powertools+pynamodb+pydantic {floor} ms",
                f"{ratios[heaviest]:.2f}x",
            ],
            [
                f"cold import (CPU), heaviest event function ({heaviest}), p50",
                f"{events[heaviest]} ms",
                f"the same, imported without GC {held} ms",
                f"{events[heaviest] / held:.2f}x",
            ],
            [
                "cold import (CPU), the API (every route mounted, none imported), p50",
                f"{functions[API]} ms",
                f"boto3+powertools+pynamodb+pydantic {floor} ms",
                f"{ratios[API]:.2f}x",
            ],
            [
                "cold start (CPU), the API: import + its first request (POST /registrations, 401), p50",
                f"{functions[FIRST_REQUEST]} ms",
                f"boto3+powertools+pynamodb+pydantic {floor} ms",
                f"{ratios[FIRST_REQUEST]:.2f}x",
            ],
            [
                "cold start (CPU), the API: import + its first request (POST /registrations, 401), p50",
                f"{functions[FIRST_REQUEST]} ms",
                f"the libraries + pydantic BaseModel loaded {loaded} ms",
                f"{functions[FIRST_REQUEST] / loaded:.2f}x",
            ],
        ],
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 5), ensure_ascii=False, indent=2))
