"""DUES-3 under a notification storm, through the local stack's HTTP API: over 1,000 signed
notifications for dues orders (both providers) with 30% duplicates (some in bursts of the same
notification sent at once), 10% reordered, 5% tampered and 2% stale. Besides each payment, the
providers send later notifications of most trades (Alipay's TRADE_FINISHED; partial refunds:
WeChat's REFUND.SUCCESS, Alipay's TRADE_SUCCESS with refund_fee, the payment's own status), so
most orders have two genuine notifications or more. Every genuine payment is credited exactly
once (the order PAID once, one ledger entry per level, the ledger's parts summing to the
amount, the root's collection counter moving by exactly the total), every refund is recorded
once for a person to handle and credits nothing, every bad notification is refused, and the
provider's re-sends of what a concurrent duplicate refused (in progress) are acknowledged."""

from __future__ import annotations

import itertools
import json
import math
import os
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import boto3
import requests

from infra.local.payments_simulator import Delivery, Simulator, Trade, acknowledges, send
from tests.support.stack import applicants
from zhtj.core.identity import check_character
from zhtj.timers.workdays import CHINA_TZ

# 300 orders: 300 payments + 150 TRADE_FINISHED + 187 partial refunds = 637 genuine
# notifications, 63% of the storm -> 1,012 notifications. More with ZHTJ_STORM_ORDERS (never
# fewer than 1,000: the test says so). The orders come in WAVES from the same members (a
# member's next order opens once the last is paid): members cost more to set up than orders.
ORDERS = int(os.environ.get("ZHTJ_STORM_ORDERS", "300"))
WAVES = 2
MEMBERS = math.ceil(ORDERS / WAVES)
BURSTS = 24  # genuine notifications also sent 4 times at once
THREADS = 16
MIN_NOTIFICATIONS = 1000  # the storm


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


def get_all(table: Any, order_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The orders' META items, consistent, 100 per request."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(order_ids), 100):
        wanted = [{"pk": {"S": f"DUESORDER#{o}"}, "sk": {"S": "META"}} for o in order_ids[start : start + 100]]
        while wanted:
            answer = table.batch_get_item(RequestItems={"zhtj": {"Keys": wanted, "ConsistentRead": True}})
            for item in answer["Responses"]["zhtj"]:
                found[item["order_id"]["S"]] = item
            wanted = answer.get("UnprocessedKeys", {}).get("zhtj", {}).get("Keys", [])
    return found


_sessions = threading.local()


def session() -> requests.Session:
    """One keep-alive session per thread (a Session is not meant to be shared by threads)."""
    if not hasattr(_sessions, "session"):
        _sessions.session = requests.Session()
    return _sessions.session  # type: ignore[no-any-return]


# Each new member is another person (ID and development numbers), across the tests of the run.
_people = itertools.count(1)


def new_member(api: str, branch_id: str, secretary: str, i: int, applicant: dict[str, str]) -> tuple[str, str]:
    """A member of the demo branch as members are made (REV-3): registered over the API (admitted
    this month, so no month is owed yet), written by the local runner's registration worker,
    approved by the branch's secretary; the applicant's session (ACCT-2) is then the member's:
    (member id, token)."""
    http = session()
    person = next(_people)
    today = datetime.now(CHINA_TZ).date()
    birth = f"{2002 + person // 1000}0101"
    body = f"440112{birth}{person % 1000:03d}"
    form = {
        "name": f"缴费团员{str(i).translate(str.maketrans('0123456789', '零一二三四五六七八九'))}",
        "id_number": body + check_character(body),
        "ethnicity": "01",
        "political_status": "03",
        "join_month": f"{today:%Y-%m}",
        "branch_id": branch_id,
        "is_cadre": False,
        "development_number": f"{today.year}DS{person:06d}",
    }
    answer = http.post(f"{api}/registrations", json=form, headers=applicant)
    assert answer.status_code == 202, answer.text
    reg_id = answer.json()["registration_id"]
    deadline = time.monotonic() + 60
    while http.get(f"{api}/me/registrations/{reg_id}", headers=applicant).json()["status"] == "QUEUED":
        assert time.monotonic() < deadline, "the registration worker did not write the registration"
        time.sleep(0.2)
    auth = {"Authorization": f"Bearer {secretary}"}
    approved = http.post(f"{api}/registrations/{reg_id}/approve", headers=auth)
    assert approved.status_code == 200, approved.text
    member_id = approved.json()["member_id"]
    return str(member_id), applicant["Authorization"].removeprefix("Bearer ")


def pay_now(api: str, member: tuple[str, str], i: int) -> dict[str, Any]:
    """The member pays a voluntary amount (a new member owes no month yet: the order is the
    extra alone, applied down the same path); even i by WeChat Pay, odd by Alipay."""
    member_id, token = member
    answer = session().post(
        f"{api}/members/{member_id}/dues/pay",
        json={"provider": "wechatpay" if i % 2 == 0 else "alipay", "extra_fen": 100 + (i * 37) % 1900},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json()["order"])


def open_order(api: str, branch_id: str, secretary: str, i: int, applicant: dict[str, str]) -> dict[str, Any]:
    return pay_now(api, new_member(api, branch_id, secretary, i, applicant), i)


def collected_at_root(table: Any, root_id: str, month: str) -> int:
    name = f"c{month[5:7]}"
    return sum(
        int(item[name]["N"])
        for item in query_all(table, f"DUESSTAT#{root_id}")
        if item["sk"]["S"].startswith(month[:4]) and name in item
    )


def notification_id(delivery: Delivery) -> str:
    """What stays the same across a notification's re-sends: WeChat's `id`, Alipay's notify_id."""
    if delivery.provider == "wechatpay":
        return str(json.loads(delivery.body)["id"])
    return parse_qs(delivery.body.decode())["notify_id"][0]


def follow_ups(sim: Simulator, trades: list[Trade], first_index: int) -> tuple[list[Delivery], set[str]]:
    """The later genuine notifications: TRADE_FINISHED for every Alipay trade, a partial
    refund (1 fen) of half the Alipay trades (TRADE_SUCCESS carrying refund_fee: the payment's
    status) and of three WeChat trades in four (REFUND.SUCCESS). Returns them and the refunded
    orders."""
    later: list[Delivery] = []
    refunded: set[str] = set()
    for i, trade in enumerate(trades, first_index):
        if trade.provider == "alipay":
            if i % 4 == 1:
                later.append(sim.alipay_notification(trade, overrides={"refund_fee": "0.01"}))
                refunded.add(trade.out_trade_no)
            later.append(sim.alipay_notification(trade, status="TRADE_FINISHED"))
        elif i % 8 != 0:
            sim.refund("wechatpay", trade.out_trade_no, amount_fen=1)
            later.append(sim.wechat_notification(trade, event_type="REFUND.SUCCESS"))
            refunded.add(trade.out_trade_no)
    return later, refunded


def test_dues_3_storm_every_genuine_payment_credited_exactly_once(stack: Any) -> None:
    assert stack.demo is not None
    api, branch_id = stack.api_url, stack.demo["branch_org_id"]
    table = aws(stack, "dynamodb")
    started = time.monotonic()
    month = datetime.now(CHINA_TZ).strftime("%Y-%m")
    before = collected_at_root(table, stack.demo["root_org_id"], month)

    # Given members of the demo branch, signed in
    people = applicants(stack, MEMBERS)
    with ThreadPoolExecutor(THREADS) as pool:
        secretary = stack.demo["branch_secretary"]
        members = list(pool.map(lambda i: new_member(api, branch_id, secretary, i, people[i]), range(MEMBERS)))
    sim = Simulator.from_secret(aws(stack, "secretsmanager"))
    setup_seconds, storm_seconds = time.monotonic() - started, 0.0
    orders: list[dict[str, Any]] = []
    trades: list[Trade] = []
    refunded: set[str] = set()
    deliveries: list[Delivery] = []
    in_progress = 0

    def post(delivery: Delivery) -> tuple[Delivery, bool]:
        status, answer = send(delivery, f"{api}/webhooks/{delivery.provider}")
        return delivery, acknowledges(delivery.provider, status, answer)

    for wave in range(WAVES):
        # Given each member's order of this wave (the last one's is paid: their bill is
        # unlocked), paid at the (simulated) providers, most with later notifications
        first = wave * MEMBERS
        opening = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            wave_orders = list(pool.map(lambda i: pay_now(api, members[i % MEMBERS], i), range(first, first + MEMBERS)))
        wave_trades = [sim.pay(o["provider"], o["order_id"], o["amount_fen"]) for o in wave_orders]
        later, wave_refunded = follow_ups(sim, wave_trades, first)
        setup_seconds += time.monotonic() - opening
        # When the providers' storm arrives (shares of the whole storm), with concurrent bursts
        wave_deliveries = sim.storm(
            wave_trades,
            seed=7 + wave,
            duplicates=0.3,
            reordered=0.1,
            tampered=0.05,
            stale=0.02,
            follow_ups=later,
            bursts=BURSTS // WAVES,
        )
        storming = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            outcomes = list(pool.map(post, wave_deliveries))
        storm_seconds += time.monotonic() - storming
        assert len(outcomes) == len(wave_deliveries)
        # Then every bad notification was refused
        wrongly_accepted = [d.kind for d, ok in outcomes if ok and d.expect != "accept"]
        assert wrongly_accepted == []
        # and what a concurrent duplicate refused (in progress) is acknowledged when re-sent
        genuine = {notification_id(d): d for d in wave_deliveries if d.kind == "genuine"}
        assert len(genuine) == len(wave_trades) + len(later)
        acknowledged = {notification_id(d) for d, ok in outcomes if ok and d.expect == "accept"}
        in_progress += sum(1 for d, ok in outcomes if d.expect == "accept" and not ok)
        for _ in range(3):
            missing = [genuine[key] for key in genuine if key not in acknowledged]
            if not missing:
                break
            time.sleep(1)
            for delivery, ok in map(post, (sim.resend(d) for d in missing)):
                if ok:
                    acknowledged.add(notification_id(delivery))
        assert acknowledged == set(genuine)
        orders += wave_orders
        trades += wave_trades
        refunded |= wave_refunded
        deliveries += wave_deliveries

    # The storm had the shape: over 1,000 notifications, the shares of the whole
    total = len(deliveries)
    kinds = Counter(d.kind for d in deliveries)
    tampered = total - kinds["genuine"] - kinds["duplicate"] - kinds["stale"]
    assert total >= MIN_NOTIFICATIONS, kinds
    assert kinds["duplicate"] >= math.floor(0.3 * total) and tampered >= math.floor(0.05 * total)
    assert kinds["stale"] >= math.floor(0.02 * total)
    assert sum(d.reordered for d in deliveries) >= 0.1 * total

    # Then each order is PAID with its transaction, credited exactly once down the chain
    by_order = {t.out_trade_no: t for t in trades}
    branch = table.get_item(TableName="zhtj", Key={"pk": {"S": f"ORG#{branch_id}"}, "sk": {"S": "META"}})["Item"]
    chain = [segment for segment in branch["path"]["S"].strip("/").split("/") if segment]
    entries: dict[str, list[int]] = defaultdict(list)
    for org_id in chain:
        for entry in query_all(table, f"LEDGER#{org_id}"):
            if entry["order_id"]["S"] in by_order:
                entries[entry["order_id"]["S"]].append(int(entry["kept_fen"]["N"]))
    stored = get_all(table, list(by_order))
    for order in orders:
        item = stored[order["order_id"]]
        assert item["state"]["S"] == "PAID"
        assert item["transaction_id"]["S"] == by_order[order["order_id"]].transaction_id
        assert len(entries[order["order_id"]]) == len(chain), order["order_id"]
        assert sum(entries[order["order_id"]]) == order["amount_fen"]
    total_fen = sum(o["amount_fen"] for o in orders)
    assert collected_at_root(table, stack.demo["root_org_id"], month) - before == total_fen
    # and each refund is recorded once for a person to handle, nothing else is amiss
    anomalies = Counter(
        (item["out_trade_no"]["S"], item["code"]["S"])
        for item in query_all(table, f"DUESANOMALY#{month}")
        if item.get("out_trade_no", {}).get("S") in by_order
    )
    assert anomalies == Counter({(order_id, "REFUND"): 1 for order_id in refunded})
    elapsed = time.monotonic() - started
    print(
        f"storm: {total} notifications {dict(kinds)}, {sum(d.reordered for d in deliveries)} reordered; "
        f"{len(orders)} orders of {MEMBERS} members in {WAVES} waves set up in {setup_seconds:.1f}s; "
        f"storm {storm_seconds:.1f}s "
        f"({storm_seconds / total * 1000:.0f} ms per notification), {in_progress} genuine copies refused while "
        f"another was in progress; total {elapsed:.1f}s"
    )


def test_dues_3_the_simulator_pays_and_delivers_to_the_local_api(stack: Any) -> None:
    """The whole loop on one machine: pay now over HTTP, the provider simulator (served by the
    stack) is paid and delivers to the order's notify_url on its compressed re-send schedule,
    and the member sees the order PAID."""
    assert stack.demo is not None
    api = stack.api_url
    http = session()
    applicant = applicants(stack, 1)[0]
    order = open_order(api, stack.demo["branch_org_id"], stack.demo["branch_secretary"], 0, applicant)
    answer = http.get(f"{api}/dues/orders/{order['order_id']}", headers=applicant)
    assert answer.status_code == 200
    secret = aws(stack, "secretsmanager").get_secret_value(SecretId="zhtj/payments/wechatpay")["SecretString"]
    gateway = json.loads(secret)["gateway"]
    paid = http.post(
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
        state = http.get(f"{api}/dues/orders/{order['order_id']}", headers=applicant).json()["state"]
    assert state == "PAID"
