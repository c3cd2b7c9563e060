"""The work list (MSG-4), in-process: on the demo province (`infra.local.demo.load`), `tasks`
open tasks put at the demo branch (registrations pending review) and as many at the province's
root (deletion requests forwarded to it), each through the stream function's own `apply` (timed
and counted per record); then a page of the branch's list and of the root's, whole and of one
kind, counted at botocore's request level and timed (p50/p99 of 50 reads), next to one GetItem
of the same moto. A read is one Query of the organisation's partition and one GetItem of its
counts, however many tasks wait there.

    .venv/bin/python -m bench.worklist_bench [tasks per organisation] [members]   (default: 1000 2000)
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import bench.inprocess  # noqa: F401  (the environment, set before zhtj is imported)
from bench.__main__ import counted_requests


def _dynamo(counts: Counter[str]) -> dict[str, int]:
    return {op.split(":", 1)[1]: n for op, n in counts.items() if op.startswith("dynamodb:")}


def _timed(read: Any, runs: int = 50) -> dict[str, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        read()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p99_ms": round(times[int(len(times) * 0.99) - 1], 2)}


def run(tasks: int, members: int) -> dict[str, Any]:
    from moto import mock_aws

    import zhtj.registry  # noqa: F401  (every item class, once the environment is set)
    from infra import moto_patches

    moto_patches.apply()
    with mock_aws():
        from infra.local import demo
        from infra.provision import provision
        from tests.support.moto_state import reset_caches
        from zhtj.core import clock
        from zhtj.orgs.models import Org
        from zhtj.signin.tokens import Principal, verify
        from zhtj.table import keys, queues
        from zhtj.worklist import reads, stream
        from zhtj.worklist.rules import WorkKind

        reset_caches()  # nothing of the last moto (clients, keys, cached reads) outlives it
        provision()
        logins = demo.load(members)
        root_id, branch_id = logins["root_org_id"], logins["branch_org_id"]
        now = clock.now()

        def registration(n: int) -> dict[str, Any]:
            return {
                "kind": "Registration",
                "registration_id": f"rbench{n:06d}",
                "branch_id": branch_id,
                "state": "PENDING_REVIEW",
                "name": "测试报到人",
                "submitted_at": (now - timedelta(minutes=n)).isoformat(),
                "review_due": (now + timedelta(days=7, minutes=n)).isoformat(),
            }

        def deletion(n: int) -> dict[str, Any]:
            return {
                "kind": "DeletionRequest",
                "request_id": f"dbench{n:06d}",
                "member_id": f"mbench{n:06d}",
                "branch_id": branch_id,
                "city_org_id": logins["city_org_id"],
                "state": "FORWARDED",
                "requested_at": (now - timedelta(minutes=n)).isoformat(),
                "forwarded_at": (now - timedelta(minutes=n)).isoformat(),
            }

        applied: list[float] = []
        with counted_requests() as apply_requests:
            for n in range(tasks):
                for image in (registration(n), deletion(n)):
                    started = time.perf_counter()
                    stream.apply(stream.StreamRecord(f"bench-{image['kind']}-{n}", None, image))
                    applied.append((time.perf_counter() - started) * 1000)
        branch = Principal(verify(f"Bearer {logins['branch_secretary']}").account_id, branch_id)
        root = Principal(verify(f"Bearer {logins['province_admin']}").account_id, root_id)

        def read(who: Principal, org_id: str, kind: WorkKind | None = None) -> Any:
            return reads.work_list(who, org_id, kind, None, 20)

        result: dict[str, Any] = {"members": members, "tasks_per_organisation": tasks}
        for name, who, org_id, kind in (
            ("branch", branch, branch_id, None),
            ("branch_one_kind", branch, branch_id, WorkKind.REGISTRATION),
            ("root", root, root_id, None),
            ("root_one_kind", root, root_id, WorkKind.DELETION),
        ):
            counts, items, cursor = read(who, org_id, kind)  # warm: clients, the calendar
            with counted_requests() as requests:
                read(who, org_id, kind)
            result[name] = {
                "total": counts["total"],
                "page": len(items),
                "more": cursor is not None,
                "requests": _dynamo(requests),
                **_timed(lambda w=who, o=org_id, k=kind: read(w, o, k)),
            }
        result["one_get_item"] = _timed(lambda: Org.get(keys.org_pk(root_id), keys.META))
        applied.sort()
        result["stream_apply_per_record"] = {
            "p50_ms": round(statistics.median(applied), 2),
            "p99_ms": round(applied[int(len(applied) * 0.99) - 1], 2),
            "requests": {op: round(n / len(applied), 2) for op, n in _dynamo(apply_requests).items()},
        }
        queues.reset_clients()
    return result


if __name__ == "__main__":
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    members = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    print(json.dumps(run(tasks, members), ensure_ascii=False, indent=2))
