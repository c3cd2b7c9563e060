"""The roster export (WEB-2), in-process: the province root's whole roster and one city's, on
the demo province (`infra.local.demo.load`) at the scale asked, counted at botocore's request
level and timed, next to the same members only read (the same branch lists, one Query each,
no spreadsheet): what the spreadsheet and the upload add to reading.

    .venv/bin/python -m bench.roster_bench [members]   (default: 10000)
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from typing import Any
from urllib.parse import unquote, urlparse

import bench.inprocess  # noqa: F401  (the environment, set before zhtj is imported)
from bench.__main__ import counted_requests


def _requests(counts: Counter[str]) -> dict[str, int]:
    return {op: n for op, n in counts.items() if op.startswith(("dynamodb:", "s3:"))}


def run(members: int = 10_000) -> dict[str, Any]:
    from moto import mock_aws

    import zhtj.registry  # noqa: F401  (every item class, once the environment is set)
    from infra import moto_patches

    moto_patches.apply()
    with mock_aws():
        from infra.local import demo
        from infra.provision import provision
        from tests.support.moto_state import reset_caches
        from zhtj.members import roster
        from zhtj.orgs.authz import get_org
        from zhtj.orgs.reads import branches_beneath
        from zhtj.signin.tokens import Principal, verify
        from zhtj.table import queues, storage

        reset_caches()  # nothing of the last moto (clients, keys, cached reads) outlives it
        provision()
        started = time.perf_counter()
        logins = demo.load(members)
        loaded_seconds = round(time.perf_counter() - started, 1)
        root_id = logins["root_org_id"]
        province = Principal(verify(f"Bearer {logins['province_admin']}").account_id, root_id)
        everything = roster.RosterFilter(subtree=True)
        roster.export(province, root_id, roster.RosterFilter())  # warm: clients, openpyxl
        started = time.perf_counter()
        with counted_requests() as export_requests:
            done = roster.export(province, root_id, everything)
        export_s = time.perf_counter() - started
        key = unquote(urlparse(done.url).path.lstrip("/")).removeprefix(storage.bucket("documents") + "/")
        size = len(storage.get_bytes("documents", key))
        started = time.perf_counter()
        with counted_requests() as read_requests:
            branches = branches_beneath(get_org(root_id))
            read = sum(len(roster._members(b, None)) for b in branches)
        read_s = time.perf_counter() - started
        queues.reset_clients()
    return {
        "members": members,
        "loaded_seconds": loaded_seconds,
        "rows": done.rows,
        "branches": done.branches,
        "export_s": round(export_s, 2),
        "xlsx_bytes": size,
        "requests_export": _requests(export_requests),
        "baseline_read_only_s": round(read_s, 2),
        "baseline_rows": read,
        "requests_read_only": _requests(read_requests),
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000), ensure_ascii=False, indent=2))
