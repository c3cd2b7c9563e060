"""Dues notifications, verify + apply, in-process: p50/p99 of one genuine notification handled
by the webhook path (`dues_payments.receive`: verify, idempotency record, business checks, the
one apply transaction, the idempotency record completed) next to `verify` alone on the same
notifications, in the same run, against in-process moto.

    .venv/bin/python -m bench.dues_bench [orders]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# As the test suite (tests/conftest.py): settings are read once, before zhtj is imported.
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "cn-north-1",
        "AWS_REGION": "cn-north-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "ZHTJ_TABLE": "zhtj",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "zhtj",
        "POWERTOOLS_DEV": "false",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "ZHTJ_FAKE_IDP_FAIL_PERCENT": "0",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
for path in (ROOT, ROOT / "functions"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


WARM_UP = 5


def _percentiles(samples: list[int]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) / 1e6, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1e6, 2),
    }


def run(orders: int = 200) -> dict[str, Any]:
    from moto import mock_aws

    from infra import moto_patches
    from zhtj.logic.tokens import generate_dev_key

    os.environ.setdefault("ZHTJ_DEV_SIGNING_KEY", generate_dev_key())
    moto_patches.apply()
    with mock_aws():
        from infra.provision import provision
        from tests.support import build_world
        from zhtj import clock
        from zhtj.dal import keys, pii, queues, storage
        from zhtj.dal.models import Member
        from zhtj.domain import dues_rules
        from zhtj.logic import accounts, dues_orders, dues_payments
        from zhtj.logic.tokens import Principal
        from zhtj.payments import base as payments
        from zhtj.payments import config
        from zhtj.payments.simulator import Simulator

        for module in (queues, pii, storage):
            module.reset_clients()
        config.forget()
        dues_payments.forget()
        provision()
        sim = Simulator.local().install()
        world = build_world()
        branch = world.orgs["huajing"]
        joined = dues_rules.add_months(dues_rules.month_of(clock.now().date()), -3)
        deliveries = []
        for i in range(orders):
            account = accounts.create_member_account(world.principal("huajing"), branch, f"团员{i}")
            assert account.member_id
            member = Member.get(keys.member_pk(account.member_id), keys.META)
            member.join_month = joined
            member.save()
            provider_name = payments.PROVIDERS[i % 2]
            order, _ = dues_orders.pay_now(Principal(account.account_id, None), account.member_id, provider_name)
            trade = sim.pay(provider_name, order.order_id, int(order.amount_fen))
            deliveries.append(sim.notification(trade))
        verify_samples, apply_samples = [], []
        # Warm-up (excluded): the first notification builds the clients and loads the keys.
        warm, deliveries = deliveries[:WARM_UP], deliveries[WARM_UP:]
        for delivery in warm:
            dues_payments.receive(delivery.provider, dict(delivery.headers), delivery.body)
        for delivery in deliveries:
            provider = payments.provider(delivery.provider)
            started = time.perf_counter_ns()
            provider.verify(delivery.headers, delivery.body, clock.now())
            verify_samples.append(time.perf_counter_ns() - started)
        for delivery in deliveries:
            started = time.perf_counter_ns()
            reply = dues_payments.receive(delivery.provider, dict(delivery.headers), delivery.body)
            apply_samples.append(time.perf_counter_ns() - started)
            if reply.status >= 400 or reply.body == "fail":
                raise RuntimeError(f"notification refused: {reply}")
        for module in (queues, pii, storage):
            module.reset_clients()
    verify, apply = _percentiles(verify_samples), _percentiles(apply_samples)
    rows = [
        [
            f"dues notification verify+apply (in-process moto), {q[:3]}",
            f"{apply[q]} ms",
            f"verify alone {verify[q]} ms",
            f"{apply[q] / max(verify[q], 0.001):.1f}x",
        ]
        for q in ("p50_ms", "p99_ms")
    ]
    return {"orders": orders, "verify": verify, "verify_apply": apply, "rows": rows}


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 200), ensure_ascii=False))
