"""Dues notifications, verify + apply, in-process: p50/p99 of one genuine notification handled
by the webhook path (`dues_webhook.receive`: verify, idempotency record, business checks, the
one apply transaction, the idempotency record completed) next to `verify` alone on the same
notifications and next to one bare TransactWriteItems of the same items (each apply's
transaction sent again alone, its conditions made to hold), in the same run, against
in-process moto; then a re-send of each (a duplicate: answered from the idempotency record);
and the DynamoDB requests each costs, counted at botocore's request level, next to the items
the apply transaction writes.

    .venv/bin/python -m bench.dues_bench [orders]
"""

from __future__ import annotations

import copy
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import bench.inprocess  # noqa: F401  (the environment, set before zhtj is imported)

WARM_UP = 5


def _percentiles(samples: list[int]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) / 1e6, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1e6, 2),
    }


@contextmanager
def _dynamodb_requests(transactions: list[dict[str, Any]] | None = None) -> Iterator[Counter[str]]:
    """DynamoDB requests sent meanwhile, by operation (and the items of each transaction);
    each transaction's request kept in `transactions` if given."""
    import botocore.client

    counts: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation_name: str, api_params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            counts[operation_name] += 1
            if operation_name == "TransactWriteItems":
                counts["transaction_items"] += len(api_params["TransactItems"])
                if transactions is not None:
                    transactions.append(copy.deepcopy(api_params))
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = counting
    try:
        yield counts
    finally:
        botocore.client.BaseClient._make_api_call = original


def _always_true(request: dict[str, Any]) -> dict[str, Any]:
    """A recorded TransactWriteItems again, each condition kept but made to hold (OR the key
    exists OR it does not): the same items, expressions and values, none refused for having
    been written already."""
    again = copy.deepcopy(request)
    again.pop("ClientRequestToken", None)
    for entry in again["TransactItems"]:
        ((_, action),) = entry.items()
        condition = action.get("ConditionExpression")
        if condition is None:
            continue
        holds = "attribute_exists(#bench_pk) OR attribute_not_exists(#bench_pk)"
        action["ConditionExpression"] = f"{_unwrapped(condition)} OR {holds}"  # AND binds before OR
        action.setdefault("ExpressionAttributeNames", {})["#bench_pk"] = "pk"
    return again


def _unwrapped(condition: str) -> str:
    """The condition without parentheses around the whole of it (DynamoDB refuses redundant ones)."""
    while condition.startswith("(") and condition.endswith(")"):
        depth = 0
        for n, char in enumerate(condition):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0 and n < len(condition) - 1:
                return condition  # the first group closes before the end: not one group
        condition = condition[1:-1]
    return condition


def _bare_transactions(requests: list[dict[str, Any]]) -> list[int]:
    """Each apply's transaction sent alone, bare (one boto3 client call), in the same moto."""
    import boto3

    client, samples = boto3.client("dynamodb"), []
    for request in map(_always_true, requests):
        started = time.perf_counter_ns()
        client.transact_write_items(**request)
        samples.append(time.perf_counter_ns() - started)
    return samples


def _per(counts: Counter[str], n: int) -> tuple[float, float]:
    """(requests, transaction items) per notification."""
    requests = sum(v for k, v in counts.items() if k != "transaction_items")
    return round(requests / n, 2), round(counts["transaction_items"] / n, 2)


def run(orders: int = 200) -> dict[str, Any]:
    from moto import mock_aws

    import zhtj.registry  # noqa: F401  (every item class, once the environment is set)
    from infra import moto_patches

    moto_patches.apply()
    with mock_aws():
        from infra.local.payments_simulator import Simulator
        from infra.provision import provision
        from tests.support import build_world, enrol, han_number
        from tests.support.moto_state import reset_caches
        from zhtj.core import clock
        from zhtj.dues import orders as dues_orders
        from zhtj.dues import rules as dues_rules
        from zhtj.dues import webhook as dues_webhook
        from zhtj.integrations.payments import base as payments
        from zhtj.integrations.payments import config
        from zhtj.members.models import Member
        from zhtj.signin.tokens import Principal
        from zhtj.table import keys

        reset_caches()  # nothing of the last moto (clients, keys, cached reads) outlives it
        config.forget()
        dues_webhook.forget()
        provision()
        sim = Simulator.local().install()
        world = build_world()
        joined = dues_rules.add_months(dues_rules.month_of(clock.now().date()), -3)
        deliveries, finished = [], []
        for i in range(orders):
            member_id = enrol(world, "huajing", f"团员{han_number(i)}")
            member = Member.get(keys.member_pk(member_id), keys.META)
            member.join_month = joined
            member.save()
            provider_name = payments.PROVIDERS[i % 2]
            principal = Principal(world.member_accounts[member_id], None)
            order, _ = dues_orders.pay_now(principal, member_id, provider_name)
            trade = sim.pay(provider_name, order.order_id, int(order.amount_fen))
            deliveries.append(sim.notification(trade))
            if provider_name == "alipay" and i >= WARM_UP:
                finished.append(sim.alipay_notification(trade, status="TRADE_FINISHED"))
        verify_samples, apply_samples = [], []
        # Warm-up (excluded): the first notification builds the clients and loads the keys.
        warm, deliveries = deliveries[:WARM_UP], deliveries[WARM_UP:]
        for delivery in warm:
            dues_webhook.receive(delivery.provider, dict(delivery.headers), delivery.body)
        for delivery in deliveries:
            provider = config.provider(delivery.provider)
            started = time.perf_counter_ns()
            provider.verify(delivery.headers, delivery.body, clock.now())
            verify_samples.append(time.perf_counter_ns() - started)
        resend_samples: list[int] = []
        transactions: list[dict[str, Any]] = []
        with _dynamodb_requests(transactions) as first_counts:
            for delivery in deliveries:
                started = time.perf_counter_ns()
                reply = dues_webhook.receive(delivery.provider, dict(delivery.headers), delivery.body)
                apply_samples.append(time.perf_counter_ns() - started)
                if reply.status >= 400 or reply.body == "fail":
                    raise RuntimeError(f"notification refused: {reply}")
        with _dynamodb_requests() as resend_counts:
            for delivery in map(sim.resend, deliveries):
                started = time.perf_counter_ns()
                reply = dues_webhook.receive(delivery.provider, dict(delivery.headers), delivery.body)
                resend_samples.append(time.perf_counter_ns() - started)
                if reply.status >= 400 or reply.body == "fail":
                    raise RuntimeError(f"re-send refused: {reply}")
        # A later status of a paid order (its own idempotency key): TRADE_FINISHED credits nothing.
        finished_samples = []
        with _dynamodb_requests() as finished_counts:
            for delivery in finished:
                started = time.perf_counter_ns()
                reply = dues_webhook.receive(delivery.provider, dict(delivery.headers), delivery.body)
                finished_samples.append(time.perf_counter_ns() - started)
                if reply.body != "success":
                    raise RuntimeError(f"TRADE_FINISHED refused: {reply}")
        bare_samples = _bare_transactions(transactions)
        reset_caches()  # nothing of the last moto (clients, keys, cached reads) outlives it
    bare = _percentiles(bare_samples)
    verify, apply, resend = _percentiles(verify_samples), _percentiles(apply_samples), _percentiles(resend_samples)
    first_requests, first_items = _per(first_counts, len(deliveries))
    resend_requests, _ = _per(resend_counts, len(deliveries))
    finished_ms = _percentiles(finished_samples)
    finished_requests, finished_items = _per(finished_counts, len(finished))
    rows = [
        [
            f"dues notification verify+apply (in-process moto), {q[:3]}",
            f"{apply[q]} ms",
            f"verify alone {verify[q]} ms",
            f"{apply[q] / max(verify[q], 0.001):.1f}x",
        ]
        for q in ("p50_ms", "p99_ms")
    ]
    rows += [
        [
            f"dues notification verify+apply (in-process moto), {q[:3]}",
            f"{apply[q]} ms",
            f"bare TransactWriteItems {bare[q]} ms",
            f"{apply[q] / max(bare[q], 0.001):.1f}x",
        ]
        for q in ("p50_ms", "p99_ms")
    ]
    rows += [
        [
            "dues notification re-send (duplicate), p50",
            f"{resend['p50_ms']} ms",
            f"verify alone {verify['p50_ms']} ms",
            f"{resend['p50_ms'] / max(verify['p50_ms'], 0.001):.1f}x",
        ],
        [
            "dues TRADE_FINISHED of a paid order, p50",
            f"{finished_ms['p50_ms']} ms",
            f"verify+apply {apply['p50_ms']} ms",
            f"{finished_requests} requests, {finished_items} transaction items",
        ],
        [
            "DynamoDB requests per dues notification",
            f"{first_requests}",
            f"transaction of {first_items} items",
            f"re-send: {resend_requests} requests",
        ],
    ]
    return {
        "orders": orders,
        "verify": verify,
        "verify_apply": apply,
        "bare_transaction": bare,
        "resend": resend,
        "trade_finished": finished_ms,
        "dynamodb_requests": {
            "first": dict(first_counts),
            "resend": dict(resend_counts),
            "trade_finished": dict(finished_counts),
            "trade_finished_notifications": len(finished),
            "notifications": len(deliveries),
        },
        "rows": rows,
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 200), ensure_ascii=False))
