"""DUES-3 under a notification storm, through the local stack's HTTP API: notifications for
dues orders (both providers) with 30% duplicates, 10% reordered, 5%
tampered, 2% stale, and bursts of the same notification sent concurrently. Every genuine
payment is credited exactly once (the order PAID once, one ledger entry per level, the
ledger's parts summing to the amount, the root's collection counter moving by exactly the
total), every bad notification is refused, and the provider's re-sends of what a concurrent
duplicate refused are acknowledged."""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import boto3
import requests

from zhtj.domain.workdays import CHINA_TZ
from zhtj.payments.simulator import Delivery, Simulator, acknowledges, send

ORDERS = int(os.environ.get("ZHTJ_STORM_ORDERS", "60"))
BURSTS = max(5, ORDERS // 24)  # genuine notifications also sent 4 times at once
THREADS = 16


def aws(stack: Any, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=stack.aws_url,
        region_name="cn-north-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def query_all(table: Any, pk: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in table.get_paginator("query").paginate(
        TableName="zhtj",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": pk}},
        ConsistentRead=True,
    ):
        items += page["Items"]
    return items


def open_order(session: requests.Session, api: str, branch_id: str, secretary: str, i: int) -> dict[str, Any]:
    """A member of the demo branch, signed in, paying a voluntary amount (a new member owes no
    month yet: the order is the extra alone, applied down the same path)."""
    auth = {"Authorization": f"Bearer {secretary}"}
    account = session.post(f"{api}/orgs/{branch_id}/accounts", json={"name": f"缴费团员{i}"}, headers=auth).json()
    token = session.post(f"{api}/dev/token", json={"account_id": account["account_id"]}).json()["token"]
    provider = "wechatpay" if i % 2 == 0 else "alipay"
    answer = session.post(
        f"{api}/members/{account['member_id']}/dues/pay",
        json={"provider": provider, "extra_fen": 100 + (i * 37) % 1900},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json()["order"])


def collected_at_root(table: Any, root_id: str, month: str) -> int:
    name = f"c{month[5:7]}"
    return sum(
        int(item[name]["N"])
        for item in query_all(table, f"DUESSTAT#{root_id}")
        if item["sk"]["S"].startswith(month[:4]) and name in item
    )


def test_dues_3_storm_every_genuine_payment_credited_exactly_once(stack: Any) -> None:
    assert stack.demo is not None
    api, branch_id = stack.api_url, stack.demo["branch_org_id"]
    table = aws(stack, "dynamodb")
    started = time.monotonic()
    month = datetime.now(CHINA_TZ).strftime("%Y-%m")
    before = collected_at_root(table, stack.demo["root_org_id"], month)

    # Given ~600 open orders, paid at the (simulated) providers
    with requests.Session() as session, ThreadPoolExecutor(THREADS) as pool:
        orders = list(
            pool.map(lambda i: open_order(session, api, branch_id, stack.demo["branch_secretary"], i), range(ORDERS))
        )
    sim = Simulator.from_secret(aws(stack, "secretsmanager"))
    trades = [sim.pay(o["provider"], o["order_id"], o["amount_fen"]) for o in orders]
    setup_seconds = time.monotonic() - started

    # When the providers' storm arrives, with concurrent bursts of the same notification
    deliveries = sim.storm(trades, seed=7)
    rng = random.Random(11)
    for trade in rng.sample(trades, BURSTS):
        genuine = sim.notification(trade)
        at = rng.randrange(len(deliveries))
        deliveries[at:at] = [sim.resend(genuine) for _ in range(4)]
    kinds = Counter(d.kind for d in deliveries)
    assert len(deliveries) >= ORDERS * 1.4, kinds

    def post(delivery: Delivery) -> tuple[Delivery, bool]:
        status, answer = send(delivery, f"{api}/webhooks/{delivery.provider}")
        return delivery, acknowledges(delivery.provider, status, answer)

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(post, deliveries))

    # Then every bad notification was refused
    wrongly_accepted = [d.kind for d, ok in outcomes if ok and d.expect != "accept"]
    assert wrongly_accepted == []
    # and what a concurrent duplicate refused (in progress) is acknowledged when re-sent
    acknowledged = {d.out_trade_no for d, ok in outcomes if ok and d.expect == "accept"}
    by_order = {t.out_trade_no: t for t in trades}
    for _ in range(3):
        missing = [by_order[o] for o in by_order if o not in acknowledged]
        if not missing:
            break
        time.sleep(1)
        for delivery, ok in map(post, (sim.notification(t) for t in missing)):
            if ok:
                acknowledged.add(delivery.out_trade_no)
    assert acknowledged == set(by_order)

    # Then each order is PAID with its transaction, credited exactly once down the chain
    branch = table.get_item(TableName="zhtj", Key={"pk": {"S": f"ORG#{branch_id}"}, "sk": {"S": "META"}})["Item"]
    chain = [segment for segment in branch["path"]["S"].strip("/").split("/") if segment]
    entries: dict[str, list[int]] = defaultdict(list)
    for org_id in chain:
        for entry in query_all(table, f"LEDGER#{org_id}"):
            if entry["order_id"]["S"] in by_order:
                entries[entry["order_id"]["S"]].append(int(entry["kept_fen"]["N"]))
    for order in orders:
        item = table.get_item(
            TableName="zhtj",
            Key={"pk": {"S": f"DUESORDER#{order['order_id']}"}, "sk": {"S": "META"}},
            ConsistentRead=True,
        )["Item"]
        assert item["state"]["S"] == "PAID"
        assert item["transaction_id"]["S"] == by_order[order["order_id"]].transaction_id
        assert len(entries[order["order_id"]]) == len(chain), order["order_id"]
        assert sum(entries[order["order_id"]]) == order["amount_fen"]
    total = sum(o["amount_fen"] for o in orders)
    assert collected_at_root(table, stack.demo["root_org_id"], month) - before == total
    elapsed = time.monotonic() - started
    print(f"storm: {len(deliveries)} notifications {dict(kinds)}; setup {setup_seconds:.1f}s, total {elapsed:.1f}s")


def test_dues_3_the_simulator_pays_and_delivers_to_the_local_api(stack: Any) -> None:
    """The whole loop on one machine: pay now over HTTP, the provider simulator (served by the
    stack) is paid and delivers to the order's notify_url on its compressed re-send schedule,
    and the member sees the order PAID."""
    assert stack.demo is not None
    api = stack.api_url
    with requests.Session() as session:
        order = open_order(session, api, stack.demo["branch_org_id"], stack.demo["branch_secretary"], 0)
        account_token = session.post(
            f"{api}/dev/token", json={"account_id": _account_of(stack, order["payer_id"])}
        ).json()["token"]
        answer = session.get(
            f"{api}/dues/orders/{order['order_id']}", headers={"Authorization": f"Bearer {account_token}"}
        )
        assert answer.status_code == 200
        secret = aws(stack, "secretsmanager").get_secret_value(SecretId="zhtj/payments/wechatpay")["SecretString"]
        gateway = json.loads(secret)["gateway"]
        paid = session.post(
            f"{gateway}/simulator/pay",
            json={
                "provider": "wechatpay",
                "out_trade_no": order["order_id"],
                "amount_fen": order["amount_fen"],
                "notify_url": f"{api}/webhooks/wechatpay",
            },
        )
        assert paid.status_code == 202
        deadline = time.monotonic() + 30
        state = "PENDING"
        while state == "PENDING" and time.monotonic() < deadline:
            time.sleep(0.5)
            state = session.get(
                f"{api}/dues/orders/{order['order_id']}", headers={"Authorization": f"Bearer {account_token}"}
            ).json()["state"]
        assert state == "PAID"


def _account_of(stack: Any, member_id: str) -> str:
    item = aws(stack, "dynamodb").get_item(
        TableName="zhtj", Key={"pk": {"S": f"MEMBER#{member_id}"}, "sk": {"S": "META"}}
    )["Item"]
    return str(item["account_id"]["S"])
