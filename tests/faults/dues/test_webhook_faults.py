"""A notification storm (DUES-3) into the two webhook routes with the fault switch on: both
webhook handlers crashing before and after their work (the provider gets a 500 and re-sends on
its schedule), the apply transactions losing races (a transaction in flight; a concurrent writer
first), the dues worker crashing on the members of many-member orders, and the providers'
gateways timing out on the query-order and bill calls of reconciliation. Every payment is
credited exactly once (each month one PaidMonth, the ledger's parts summing to the order, one
card announcement per member credited), every tampered or stale notification is refused, the
payments whose notifications never came are settled by reconciliation despite the timeouts, the
daily bills match, no anomaly is recorded, queues end empty and the dues DLQ holds only a
poison message, with its reason.

Why ~230 notifications suffice: every notification is verified and applied on its own (the
idempotency record and the order's conditional move are per order), so the storm's size adds
no path; 58 notified trades with duplicates, reordering, tampering and staleness, each re-sent on
the provider's schedule after a crash or a lost race, exercise every path many times in a few
seconds. The 1,000-notification storm without faults is tests/e2e/dues/test_dues_storm.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from infra.local.payments_simulator import Simulator, Trade, acknowledges, send
from infra.local.runner import EventRunner
from tests.support import World, enrol, han_number, without_cards
from tests.support.faults import Reasons, all_depths, assert_poison_only, settle, take_card_announcements
from zhtj.core import clock, faults
from zhtj.core.errors import ConflictError
from zhtj.dues import bill_check as dues_bill_check
from zhtj.dues import orders as dues_orders
from zhtj.dues import reconciliation as dues_reconciliation
from zhtj.dues import rules as dues_rules
from zhtj.dues import webhook as dues_webhook
from zhtj.dues.messages import DUES
from zhtj.dues.models import LedgerEntry, PaidMonth, PaymentAnomaly
from zhtj.members.models import Member
from zhtj.signin.tokens import Principal
from zhtj.table import keys, queues
from zhtj.timers.workdays import CHINA_TZ

SINGLE_ORDERS = 56  # members paying their own bill, half through each provider
GROUP_ORDERS = 2  # an organisation pays for GROUP members at once (applied through the dues queue)
GROUP = 4
SILENT = 6  # paid at the provider, never notified: reconciliation must find them
MONTHS = 3
FAULTS = (
    "webhook_wechatpay=0.2,webhook_alipay=0.2,dues_worker=0.2,"
    "dynamodb_conflict=0.1,dynamodb_stale=0.05,payments_timeout=0.5"
)


@pytest.fixture
def sim(aws: None) -> Iterator[Simulator]:
    dues_webhook.forget()
    yield Simulator.local().install()
    dues_webhook.forget()


def months_back(count: int) -> str:
    return dues_rules.add_months(dues_rules.month_of(clock.now().astimezone(CHINA_TZ).date()), -count)


def new_members(world: World, count: int) -> list[tuple[str, str]]:
    """(member id, account id) of members admitted MONTHS months ago, so MONTHS months are owed."""
    made = []
    with without_cards() as enrolled:  # their approvals' card announcements are not this test's
        for i in range(count):
            enrolled.append(enrol(world, "huajing", f"缴费团员{han_number(i)}"))
    for member_id in enrolled:
        Member.get(keys.member_pk(member_id), keys.META).update(actions=[Member.join_month.set(months_back(MONTHS))])
        made.append((member_id, world.member_accounts[member_id]))
    return made


def test_dues_3_storm_with_crashes_races_and_timeouts_credits_each_payment_once(
    client: Any,
    world: World,
    sim: Simulator,
    runner: EventRunner,
    faults_on: Callable[[str], None],
    reasons: Reasons,
) -> None:
    # Given
    people = new_members(world, SINGLE_ORDERS + GROUP_ORDERS * GROUP + SILENT)
    orders = []  # (order, member ids)
    for n, (member_id, account_id) in enumerate(people[:SINGLE_ORDERS] + people[-SILENT:]):
        provider = ("wechatpay", "alipay")[n % 2]
        order, _ = dues_orders.pay_now(Principal(account_id, None), member_id, provider)
        orders.append((order, [member_id]))
    group_people = [m for m, _ in people[SINGLE_ORDERS : SINGLE_ORDERS + GROUP_ORDERS * GROUP]]
    for g in range(GROUP_ORDERS):
        members = group_people[g * GROUP : (g + 1) * GROUP]
        order, _ = dues_orders.pay_for_members(world.principal("tianhe"), world.orgs["tianhe"], members, "wechatpay")
        orders.append((order, members))
    trades: dict[str, Trade] = {o.order_id: sim.pay(o.provider, o.order_id, int(o.amount_fen)) for o, _ in orders}
    silent = {o.order_id for o, _ in orders[SINGLE_ORDERS : SINGLE_ORDERS + SILENT]}
    storm = sim.storm([t for k, t in trades.items() if k not in silent], seed=5, duplicates=0.6, tampered=0.05)

    def webhook(headers: dict[str, str], body: bytes) -> tuple[int, str]:
        provider = "wechatpay" if "Wechatpay-Signature" in headers else "alipay"
        response = client.http.post(f"/webhooks/{provider}", headers=headers, body=body)
        return response.status_code, response.body.decode("utf-8") if response.body else ""

    # When
    faults_on(FAULTS)
    sent, answers = Counter[str](), Counter[str]()
    for delivery in storm:
        if delivery.expect == "accept":  # re-sent on the provider's schedule until acknowledged
            attempts = sim.deliver(trades[delivery.out_trade_no], webhook, sleep=lambda _: None, delivery=delivery)
            assert attempts[-1].acknowledged, attempts
            sent["genuine"] += 1
            sent["re-sent"] += len(attempts) - 1
            answers.update(f"{a.status} {a.answer[:40]}" for a in attempts if not a.acknowledged)
        else:
            status, answer = send(delivery, webhook)
            if status != 500:  # a crash before the check answers 500 as well: refused either way
                assert not acknowledges(delivery.provider, status, answer), (delivery.kind, status, answer)
            sent[delivery.kind] += 1
    # Then
    assert sum(sent.values()) > 200 and sent["re-sent"] > 10
    # A crash escapes the view: the app answers it as every 500, {"code": "INTERNAL_ERROR", ...}
    crashed = sum(n for answer, n in answers.items() if answer.startswith("500") and "INTERNAL_ERROR" in answer)
    assert crashed and sum(answers.values()) > crashed  # handler crashes, and failure replies after lost races

    poison = {"kind": "refund_everyone", "order_id": orders[-1][0].order_id}  # no worker knows it
    queues.send_unchecked(DUES, poison)
    settle(runner, "dues", poison=[poison])  # the members of the organisations' orders
    later = clock.now() + dues_reconciliation.RETRY_WINDOW + timedelta(minutes=1)

    def pending() -> list[str]:
        return [
            o
            for o in silent
            if (current := dues_orders.get_order(o)) and current.state == dues_rules.OrderState.PENDING
        ]

    runs = 0
    while pending() and runs < 20:  # the reconciliation schedule, run after run while the gateways time out
        runs += 1
        try:
            dues_reconciliation.reconcile(later)
        except ConflictError:
            continue  # this run's write lost a race (the run fails): the next run goes on
    assert not pending()  # settled through query-order, below: credited once like the others
    bills: dict[str, int] = {}
    tomorrow = clock.now().astimezone(CHINA_TZ).date() + timedelta(days=1)
    while len(bills) < 2 and runs < 40:  # the daily bill check, retried while a download times out or a write loses
        runs += 1
        try:
            bills.update(dues_bill_check.daily_bill_check(tomorrow))
        except ConflictError:
            continue
    assert bills == {"wechatpay": 0, "alipay": 0}  # every trade on the bills matched
    assert faults.injected["payments_timeout"] and runs > 2  # queries and bills timed out; later runs did them
    faults_on("")

    kept = Counter[str]()  # each order's parts kept at the four levels of its chain
    for org in ("root", "gz", "tianhe", "huajing"):
        for entry in LedgerEntry.query(keys.ledger_pk(world.orgs[org])):
            if isinstance(entry, LedgerEntry):
                kept[entry.order_id] += int(entry.kept_fen)
    for order, members in orders:
        current = dues_orders.get_order(order.order_id)
        assert current is not None and current.state == dues_rules.OrderState.PAID
        assert current.transaction_id == trades[order.order_id].transaction_id
        for member_id in members:
            paid = [p for p in PaidMonth.query(keys.member_pk(member_id), PaidMonth.sk.startswith("PAID#"))]
            assert sorted(p.month for p in paid) == [months_back(k) for k in (3, 2, 1)]  # each month once
        assert kept[order.order_id] == int(order.amount_fen)  # split once down the chain
    assert not [a for a in PaymentAnomaly.scan() if isinstance(a, PaymentAnomaly)]
    assert take_card_announcements() == len(people)  # one card change per member credited
    assert_poison_only("dues", reasons, [poison], "malformed dues message")
    depths = all_depths()
    assert depths.pop("zhtj-dues-dlq") == 1 and not any(depths.values()), depths
