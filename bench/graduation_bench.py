"""XFER-6 at a graduating class's full size: a batch of 300 graduates (every 20th with dues
unpaid, so 5% are refused individually) through the API and the transfers queue, in-process:
the branch declared graduating, the batch started, then approved by the leaving and the
receiving branch in one action each. The integration test proves the rule on 30
(tests/integration/test_transfers.py); this measures the size.

Reported per graduate, next to the same flow for a batch of 30 measured in the same run (each
in a fresh in-process moto with the test province): a ratio near 1 means a batch costs what its
members do, whatever its size. Enrolling the class is set-up, not timed.

    .venv/bin/python -m bench.graduation_bench [graduates]
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import bench.inprocess  # noqa: F401  (the environment, set before zhtj is imported)

BASELINE = 30
UNPAID_EVERY = 20


def _batch(size: int) -> dict[str, Any]:
    """One graduating class of `size` in 中大 cs2024 moved to 莲花 in a batch; seconds per phase."""
    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from infra.provision import provision
    from tests.support import build_world, call, drain, enrol, han_number
    from tests.support.moto_state import reset_caches
    from zhtj.core import clock
    from zhtj.members.models import Member
    from zhtj.table import keys
    from zhtj.timers.models import Timer
    from zhtj.transfers import batches as transfer_batches
    from zhtj.transfers import chain as transfer_chain
    from zhtj.transfers.rules import ChainStep, Side

    with mock_aws():
        reset_caches()  # nothing of the last moto (clients, keys, cached reads) outlives it
        provision()
        world = build_world()
        transfer_chain.set_chain(world.principal("root"), [ChainStep(Side.FROM, 0), ChainStep(Side.TO, 0)], 72)
        branch, school = world.orgs["cs2024"], world.orgs["sysu"]
        members = [enrol(world, "cs2024", f"毕业生{han_number(i)}") for i in range(size)]
        unpaid = members[::UNPAID_EVERY]
        for member_id in unpaid:  # an admission month, so that months of dues fall due (DUES-1)
            Member.get(keys.member_pk(member_id), keys.META).update(actions=[Member.join_month.set("2020-01")])
        seconds: dict[str, float] = {}
        with Client(app) as client:
            started = time.perf_counter()
            status, _ = call(
                client,
                "POST",
                f"/orgs/{branch}/graduation",
                world.headers("sysu"),
                {"graduation_date": clock.today_in_china().isoformat()},
            )
            assert status == 200
            timer = Timer.get(keys.timer_pk(transfer_batches.GRADUATION_KIND, branch), keys.META)
            transfer_batches.graduate(timer)
            seconds["graduation"] = time.perf_counter() - started

            started = time.perf_counter()
            rows = [{"member_id": m, "to_branch_id": world.orgs["lianhua"], "cause": "EMPLOYMENT"} for m in members]
            status, batch = call(
                client, "POST", f"/orgs/{school}/transfer-batches", world.headers("sysu"), {"rows": rows}
            )
            assert status == 202, batch
            drain(client, "transfers")
            seconds["start"] = time.perf_counter() - started

            started = time.perf_counter()
            for who in ("cs2024", "lianhua"):
                status, answer = call(
                    client, "POST", f"/transfer-batches/{batch['batch_id']}/approve", world.headers(who)
                )
                assert status == 202, answer
                drain(client, "transfers")
            seconds["approvals"] = time.perf_counter() - started

            status, result = call(client, "GET", f"/transfer-batches/{batch['batch_id']}", world.headers("sysu"))
            # The figures stand only if the batch did what the rule says.
            assert (result["processed"], result["refused"]) == (size, len(unpaid)), result
            assert result["approved"] == size - len(unpaid), result
        reset_caches()  # nothing of the last moto (clients, keys, cached reads) outlives it
    total = sum(seconds.values())
    return {
        "graduates": size,
        "refused": len(unpaid),
        "seconds": {phase: round(value, 2) for phase, value in seconds.items()},
        "total_seconds": round(total, 2),
        "ms_per_graduate": round(total * 1000 / size, 1),
    }


def run(graduates: int = 300) -> dict[str, Any]:
    from infra import moto_patches

    moto_patches.apply()
    baseline = _batch(BASELINE)
    measured = _batch(graduates)
    ratio = measured["ms_per_graduate"] / baseline["ms_per_graduate"]
    return {
        "batch": measured,
        "baseline_batch": baseline,
        "per_graduate_vs_baseline": round(ratio, 2),
        "rows": [
            [
                f"graduation batch of {graduates} (XFER-6), per graduate",
                f"{measured['ms_per_graduate']} ms",
                f"batch of {BASELINE}: {baseline['ms_per_graduate']} ms",
                f"{ratio:.2f}x ({measured['total_seconds']}s in all)",
            ]
        ],
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 300), ensure_ascii=False, indent=2))
