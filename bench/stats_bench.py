"""Statistics and the sweep at provincial shape (STAT-1, SWEEP), in-process moto:

- the cost of reading an organisation's figures, in DynamoDB requests and time, at the root
  (about 10,000 organisations and 100,000 members beneath it) next to the same read at a
  branch: O(1) means the two are equal;
- the whole sweep (a parallel Scan of every segment, each segment's partial, the finish:
  recount, drift, findings, history) next to one bare parallel Scan of the same table with the
  same number of segments and threads, in the same run.

The province is the demo data (infra/local/demo.py) at `members` members. Its counters are
seeded from the sweep's own recount (what a migration into zhtj would do), not by replaying the
stream of the seeding writes: that replay is the stream's work, measured per record separately
on a sample of real registrations.

    .venv/bin/python -m bench.stats_bench [members]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import bench.inprocess  # noqa: F401  (the environment, set before zhtj is imported)

SEGMENTS = 8


def _stream_shard() -> Any:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[DEFAULT_ACCOUNT_ID]["cn-north-1"].tables["zhtj"].stream_shard


def _seed_counters() -> int:
    """OwnStat counters and SubStat totals from a recount (one pass), written directly; the
    seeding writes' stream records are then dropped. Returns the items scanned."""
    from zhtj.core import clock
    from zhtj.counters import raw as counters
    from zhtj.counters.models import OwnStat, SubStat
    from zhtj.orgs.rules import path_ids
    from zhtj.stats import rules as stat_rules
    from zhtj.sweeps import service as sweeps
    from zhtj.table import keys

    merged, dues = sweeps.Partial(), dict[str, dict[str, Any]]()
    today = clock.today_in_china()
    for item in sweeps.scan_items(0, 1):
        sweeps._see(merged, item, today, dues)
    sub: dict[str, Counter[str]] = {}
    for org_id, own in merged.own.items():
        entry = merged.stored_own.get(org_id)
        if entry is None or not own:
            continue
        OwnStat(keys.org_pk(org_id), keys.OWN_STAT_SK).update(
            actions=[counters.number(k).set(v) for k, v in sorted(own.items())], add_version_condition=False
        )
        for ancestor in path_ids(entry["path"]):
            sub.setdefault(ancestor, Counter()).update(stat_rules.rollup(own))
    for org_id, totals in sub.items():
        SubStat(keys.sub_stat_pk(org_id, 0), keys.SUB_STAT_SK).update(
            actions=[
                SubStat.kind.set(SubStat),
                SubStat.org_id.set(org_id),
                *(counters.number(k).set(v) for k, v in sorted(totals.items()) if v),
            ],
            add_version_condition=False,
        )
    shard = _stream_shard()
    shard.starting_sequence_number += len(shard.items)
    shard.items.clear()
    return merged.items


def _read_cost(org: Any) -> dict[str, Any]:
    from bench.__main__ import counted_requests
    from zhtj.stats import service as stats

    times = []
    for _ in range(20):
        started = time.perf_counter()
        stats.sub_totals([org])
        times.append(time.perf_counter() - started)
    with counted_requests() as counts:
        totals = stats.sub_totals([org])[org.org_id]
    return {
        "dynamodb_requests": sum(n for k, n in counts.items() if k.startswith("dynamodb:")),
        "p50_ms": round(statistics.median(times) * 1000, 2),
        "members": totals.get("members", 0),
        "organisations": totals.get("orgs", 0),
    }


def run(members: int = 100_000) -> dict[str, Any]:
    from moto import mock_aws

    import zhtj.registry  # noqa: F401  (every item class, once the environment is set)
    from infra import moto_patches

    moto_patches.apply()
    with mock_aws():
        from infra.local import demo
        from infra.provision import provision
        from zhtj.core import clock
        from zhtj.orgs.authz import get_org
        from zhtj.orgs.rules import OrgType
        from zhtj.sweeps import service as sweeps
        from zhtj.sweeps.models import SweepRun
        from zhtj.table import keys

        provision()
        started = time.perf_counter()
        loaded = demo.load(members)
        load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        items = _seed_counters()
        seed_seconds = time.perf_counter() - started
        root = get_org(loaded["root_org_id"])
        branch = get_org(loaded["branch_org_id"])
        assert branch.org_type == OrgType.BRANCH
        at_root, at_branch = _read_cost(root), _read_cost(branch)

        # One bare parallel Scan of the whole table: the floor of any full pass.
        def scan(segment: int) -> int:
            return sum(1 for _ in sweeps.scan_items(segment, SEGMENTS))

        started = time.perf_counter()
        with ThreadPoolExecutor(SEGMENTS) as pool:
            scanned = sum(pool.map(scan, range(SEGMENTS)))
        scan_seconds = time.perf_counter() - started

        # The sweep: its segments in parallel (as the Map state's messages are), then the finish.
        run_item = SweepRun(
            keys.sweep_pk("bench"),
            keys.META,
            run_id="bench",
            segments=SEGMENTS,
            state="SCANNING",
            started_at=clock.now(),
            started_by="bench",
            day=clock.today_in_china().isoformat(),
        )
        run_item.save()
        started = time.perf_counter()
        with ThreadPoolExecutor(SEGMENTS) as pool:
            list(pool.map(lambda s: sweeps.scan_segment("bench", s, SEGMENTS), range(SEGMENTS)))
        segments_seconds = time.perf_counter() - started
        finish_started = time.perf_counter()
        done = sweeps.finish("bench")
        finish_seconds = time.perf_counter() - finish_started
        sweep_seconds = time.perf_counter() - started
        return {
            "members": members,
            "organisations": at_root["organisations"],
            "table_items": scanned,
            "load_seconds": round(load_seconds, 1),
            "seed_seconds": round(seed_seconds, 1),
            "seeded_from_items": items,
            "read_root": at_root,
            "read_branch": at_branch,
            "scan_seconds": round(scan_seconds, 2),
            "sweep_segments_seconds": round(segments_seconds, 2),
            "sweep_finish_seconds": round(finish_seconds, 2),
            "sweep_seconds": round(sweep_seconds, 2),
            "sweep_vs_scan": round(sweep_seconds / scan_seconds, 2),
            "drift": int(done.drift_count or 0),
            "findings": {k: int(v) for k, v in (done.findings.as_dict() if done.findings else {}).items()},
        }


if __name__ == "__main__":
    import json

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000), ensure_ascii=False, indent=2))
