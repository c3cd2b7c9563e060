"""League dues through the HTTP API and the logic layer, with the provider simulator in-process:
bills and orders (DUES-1), the standard and the split (DUES-2), notifications applied exactly
once (DUES-3), statistics and the member's paid months (DUES-4)."""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import botocore.client
import pytest

from infra.local.payments_simulator import Delivery, Simulator
from tests.support import World, build_world, call, drain
from tests.support.sessions import session_token
from zhtj.core import clock
from zhtj.core.errors import NotFoundError
from zhtj.deadlines import service as deadlines
from zhtj.dues import applying as dues_applying
from zhtj.dues import bill_check as dues_bill_check
from zhtj.dues import bills as dues_bills
from zhtj.dues import ledger as dues_ledger
from zhtj.dues import orders as dues_orders
from zhtj.dues import owed as dues
from zhtj.dues import reconciliation as dues_reconciliation
from zhtj.dues import rules as dues_rules
from zhtj.dues import webhook as dues_webhook
from zhtj.dues.messages import DUES
from zhtj.dues.models import DuesOrder, LedgerEntry, PaidMonth, PaymentAnomaly
from zhtj.members.models import Member
from zhtj.table import keys
from zhtj.table.base import Item
from zhtj.timers import service as timers
from zhtj.timers.workdays import CHINA_TZ


@dataclass
class Dues:
    world: World
    client: Any
    sim: Simulator

    def member_headers(self, member_id: str) -> dict[str, str]:
        token = session_token(self.world.member_accounts[member_id])
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def pay_now(self, member_id: str, provider: str = "wechatpay", extra_fen: int = 0) -> dict[str, Any]:
        status, answer = call(
            self.client,
            "POST",
            f"/members/{member_id}/dues/pay",
            self.member_headers(member_id),
            {"provider": provider, "extra_fen": extra_fen},
        )
        assert status == 201, answer
        return dict(answer["order"])

    def deliver(self, delivery: Delivery) -> tuple[int, str]:
        response = self.client.http.post(
            f"/webhooks/{delivery.provider}", headers=dict(delivery.headers), body=delivery.body
        )
        return response.status_code, response.body.decode("utf-8") if response.body else ""


def months_back(count: int) -> str:
    """The month `count` months before the current China month."""
    return dues_rules.add_months(dues_rules.month_of(clock.now().astimezone(CHINA_TZ).date()), -count)


def set_member(member_id: str, **fields: object) -> None:
    member = Member.get(keys.member_pk(member_id), keys.META)
    for name, value in fields.items():
        setattr(member, name, value)
    member.save()


@pytest.fixture
def env(aws: None) -> Iterator[Dues]:
    from chalice.test import Client

    from app import app

    dues_webhook.forget()
    sim = Simulator.local().install()
    world = build_world()
    for member_id in world.members["huajing"] + world.members["lianhua"]:
        set_member(member_id, join_month=months_back(3))
    with Client(app) as client:
        yield Dues(world, client, sim)
    dues_webhook.forget()


def order_of(order_id: str) -> DuesOrder:
    found = dues_orders.get_order(order_id)
    assert found is not None
    return found


def paid(member_id: str) -> list[str]:
    return [p.month for p in dues_ledger.paid_months(member_id)]


def ledger_total(order_id: str, org_ids: list[str]) -> int:
    return sum(
        int(e.kept_fen)
        for org in org_ids
        for e in LedgerEntry.query(keys.ledger_pk(org))
        if isinstance(e, LedgerEntry) and e.order_id == order_id
    )


def test_dues_1_months_owed_reads_the_member_and_paid_months(env: Dues) -> None:
    member_id = env.world.members["huajing"][0]
    set_member(member_id, join_month="2024-11")
    assert dues.months_owed(member_id, date(2025, 2, 3)) == ["2024-11", "2024-12", "2025-01"]
    with pytest.raises(NotFoundError):
        dues.months_owed("m-nobody", date(2025, 2, 3))


def test_dues_1_bill_then_pay_now_locks_the_bill_until_cancelled(env: Dues) -> None:
    member_id = env.world.members["huajing"][0]
    headers = env.member_headers(member_id)
    # Given a salaried member (the base 3 yuan category) admitted three months ago
    status, bill = call(env.client, "GET", f"/members/{member_id}/dues/bill", headers)
    assert status == 200
    assert [m["month"] for m in bill["months"]] == [months_back(3), months_back(2), months_back(1)]
    assert bill["total_fen"] == 900 and not bill["locked"]
    # When the member pays now with a voluntary extra of 1 yuan
    order = env.pay_now(member_id, extra_fen=100)
    assert order["amount_fen"] == 1000 and order["state"] == "PENDING"
    # Then the bill is locked: a second order is refused, and the branch sees it locked too
    status, answer = call(
        env.client, "POST", f"/members/{member_id}/dues/pay", headers, {"provider": "alipay", "extra_fen": 0}
    )
    assert (status, answer["code"]) == (409, "BILL_LOCKED")
    status, bill = call(env.client, "GET", f"/members/{member_id}/dues/bill", env.world.headers("huajing"))
    assert bill["locked"] and bill["open_order_id"] == order["order_id"]
    # When the member cancels (the provider knows no payment) the order closes and the bill unlocks
    status, closed = call(env.client, "POST", f"/dues/orders/{order['order_id']}/cancel", headers)
    assert (status, closed["state"], closed["close_reason"]) == (200, "CLOSED", "CANCELLED")
    status, bill = call(env.client, "GET", f"/members/{member_id}/dues/bill", headers)
    assert not bill["locked"] and bill["total_fen"] == 900
    # Another member may not pay for them, nor read their bill
    other = env.member_headers(env.world.members["huajing"][1])
    status, answer = call(env.client, "GET", f"/members/{member_id}/dues/bill", other)
    assert status == 403


def test_dues_3_wechat_notification_credits_once_and_duplicates_credit_nothing(env: Dues) -> None:
    member_id = env.world.members["huajing"][0]
    order = env.pay_now(member_id)
    trade = env.sim.pay("wechatpay", order["order_id"], order["amount_fen"])
    genuine = env.sim.notification(trade)
    # When the notification arrives three times (re-sends), each is acknowledged
    for delivery in (genuine, env.sim.resend(genuine), env.sim.resend(genuine)):
        status, _ = env.deliver(delivery)
        assert status in (200, 204)
    # Then the months are paid once, the order is PAID, the bill is unlocked and empty
    assert paid(member_id) == [months_back(3), months_back(2), months_back(1)]
    assert order_of(order["order_id"]).state == "PAID"
    assert order_of(order["order_id"]).transaction_id == trade.transaction_id
    assert dues.months_owed(member_id, clock.now().astimezone(CHINA_TZ).date()) == []
    bill = dues_bills.bill(env.world.principal("huajing"), member_id)
    assert bill.months == [] and bill.open_order_id is None
    chain = [env.world.orgs[n] for n in ("root", "gz", "tianhe", "huajing")]
    assert ledger_total(order["order_id"], chain) == order["amount_fen"]
    # The member sees the order and the months (DUES-4)
    status, history = call(env.client, "GET", f"/members/{member_id}/dues/orders", env.member_headers(member_id))
    assert [o["state"] for o in history["items"]] == ["PAID"]
    status, months = call(env.client, "GET", f"/members/{member_id}/dues/paid-months", env.member_headers(member_id))
    assert [m["amount_fen"] for m in months] == [300, 300, 300]


def test_dues_3_a_notification_reads_in_one_batch_and_applies_in_one_transaction(
    env: Dues, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a member's order paid at the provider, and every DynamoDB request counted
    member_id = env.world.members["huajing"][0]
    order = env.pay_now(member_id)
    trade = env.sim.pay("wechatpay", order["order_id"], order["amount_fen"])
    sent: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            sent.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    # When its notification arrives
    status, _ = env.deliver(env.sim.notification(trade))
    # Then: the idempotency record, the order, one batch (the chain's shares, the dues account,
    # the card's state), the one transaction and the record completed; nothing after the commit
    assert status in (200, 204)
    assert sent == ["PutItem", "GetItem", "BatchGetItem", "TransactWriteItems", "UpdateItem"]
    assert order_of(order["order_id"]).state == "PAID"


def test_dues_3_alipay_trade_finished_months_later_credits_nothing_twice(env: Dues) -> None:
    member_id = env.world.members["lianhua"][0]
    order = env.pay_now(member_id, provider="alipay")
    trade = env.sim.pay("alipay", order["order_id"], order["amount_fen"])
    status, body = env.deliver(env.sim.notification(trade))
    assert (status, body) == (200, "success")
    # Given the idempotency records have long expired (months later)
    connection = Item._get_connection()
    for shard in range(dues_webhook.IDEMPOTENCY_SHARDS):
        for item in connection.query(f"IDEMPOTENCY#dues#{shard}").get("Items", []):
            connection.delete_item(item["pk"]["S"], item["sk"]["S"])
    dues_webhook.forget()  # and the containers that kept them in memory are long gone
    # When TRADE_FINISHED arrives, and TRADE_SUCCESS is replayed
    for status_word in ("TRADE_FINISHED", "TRADE_SUCCESS"):
        status, body = env.deliver(env.sim.alipay_notification(trade, status=status_word))
        assert (status, body) == (200, "success")
    # Then the order was credited once: the conditional write on the order is the guarantee
    assert paid(member_id) == [months_back(3), months_back(2), months_back(1)]
    chain = [env.world.orgs[n] for n in ("root", "sz", "futian", "lianhua")]
    assert ledger_total(order["order_id"], chain) == order["amount_fen"]
    # and nothing is left for a person to look into (a paid order's later status is no conflict)
    month = dues_rules.month_of(clock.now().astimezone(CHINA_TZ).date())
    assert [
        a.code
        for a in PaymentAnomaly.query(keys.dues_anomaly_pk(month))
        if isinstance(a, PaymentAnomaly) and a.out_trade_no == order["order_id"]
    ] == []


def test_dues_3_trade_finished_racing_trade_success_is_a_duplicate_not_an_anomaly(env: Dues) -> None:
    # Given an Alipay order read PENDING by two notifications at once (TRADE_SUCCESS and
    # TRADE_FINISHED: two idempotency keys, so both get past the guard)
    member_id = env.world.members["huajing"][0]
    order = env.pay_now(member_id, provider="alipay")
    trade = env.sim.pay("alipay", order["order_id"], order["amount_fen"])
    read_by_the_loser = order_of(order["order_id"])
    # When the winner settles it, then the loser's transaction runs on what it read
    assert env.deliver(env.sim.notification(trade)) == (200, "success")
    assert trade.paid_at is not None
    outcome = dues_applying.settle(read_by_the_loser, trade.transaction_id, trade.paid_at, "NOTIFICATION")
    # Then the loser finds the order paid by the same transaction: a duplicate, nothing to
    # look into (its first failed condition is a paid month, not the order's state)
    assert outcome == dues_rules.Decision.DUPLICATE
    month = dues_rules.month_of(clock.now().astimezone(CHINA_TZ).date())
    assert [
        a.code
        for a in PaymentAnomaly.query(keys.dues_anomaly_pk(month))
        if isinstance(a, PaymentAnomaly) and a.out_trade_no == order["order_id"]
    ] == []
    assert paid(member_id) == [months_back(3), months_back(2), months_back(1)]
    chain = [env.world.orgs[n] for n in ("root", "gz", "tianhe", "huajing")]
    assert ledger_total(order["order_id"], chain) == order["amount_fen"]


def test_dues_3_refunds_notified_with_the_payments_status_are_each_recorded_once(env: Dues) -> None:
    # Given an Alipay order paid and credited
    member_id = env.world.members["lianhua"][0]
    order = env.pay_now(member_id, provider="alipay")
    trade = env.sim.pay("alipay", order["order_id"], order["amount_fen"])
    first = env.sim.notification(trade)
    assert env.deliver(first) == (200, "success")
    # When two partial refunds are notified as TRADE_SUCCESS with refund_fee (the payment's
    # status), each sent twice, and the payment is re-sent after them
    month = dues_rules.month_of(clock.now().astimezone(CHINA_TZ).date())
    refunds = []
    for fen in (100, 200):
        env.sim.refund("alipay", order["order_id"], fen)
        refunds.append(env.sim.notification(trade))
    for delivery in (*refunds, *refunds):
        assert env.deliver(delivery) == (200, "success")
    assert env.deliver(env.sim.resend(first)) == (200, "success")
    # Then each refund is recorded once for a person to handle, and the payment credited once
    codes = [
        a.code
        for a in PaymentAnomaly.query(keys.dues_anomaly_pk(month))
        if isinstance(a, PaymentAnomaly) and a.out_trade_no == order["order_id"]
    ]
    assert codes == ["REFUND", "REFUND"]
    assert paid(member_id) == [months_back(3), months_back(2), months_back(1)]
    chain = [env.world.orgs[n] for n in ("root", "sz", "futian", "lianhua")]
    assert ledger_total(order["order_id"], chain) == order["amount_fen"]


def test_dues_3_tampered_and_stale_notifications_are_refused_and_credit_nothing(env: Dues) -> None:
    # Given
    member_id = env.world.members["huajing"][1]
    order = env.pay_now(member_id)
    trade = env.sim.pay("wechatpay", order["order_id"], order["amount_fen"])
    genuine = env.sim.notification(trade)
    # When
    for kind in ("body_byte", "header", "key", "ciphertext", "aad", "amount", "signtest", "serial"):
        status, body = env.deliver(env.sim.tamper(genuine, kind))
        # Then
        assert status >= 400 and json.loads(body)["code"] == "FAIL", kind
    status, _ = env.deliver(env.sim.stale(genuine))
    assert status >= 400
    assert paid(member_id) == [] and order_of(order["order_id"]).state == "PENDING"
    # The genuine one still credits
    assert env.deliver(genuine)[0] in (200, 204)
    assert len(paid(member_id)) == 3


def test_dues_3_verified_but_wrong_amount_or_order_is_recorded_never_credited(env: Dues) -> None:
    # Given
    member_id = env.world.members["huajing"][2]
    order = env.pay_now(member_id)
    # The provider's trade says another amount than our order (signed genuinely)
    wrong = env.sim.pay("wechatpay", order["order_id"], order["amount_fen"] + 1)
    # When
    status, _ = env.deliver(env.sim.notification(wrong))
    # Then
    assert status in (200, 204)  # WEBHOOKS rule 5: a re-send cannot help; recorded and alerted
    unknown = env.sim.pay("wechatpay", "d-not-ours-0000001", 300)
    status, _ = env.deliver(env.sim.notification(unknown))
    assert status in (200, 204)
    assert paid(member_id) == [] and order_of(order["order_id"]).state == "PENDING"
    month = dues_rules.month_of(clock.now().astimezone(CHINA_TZ).date())
    codes = {a.code for a in PaymentAnomaly.query(keys.dues_anomaly_pk(month)) if isinstance(a, PaymentAnomaly)}
    assert codes == {"AMOUNT_MISMATCH", "UNKNOWN_ORDER"}
    status, listed = call(env.client, "GET", f"/dues/anomalies?month={month}", env.world.headers("root"))
    assert status == 200 and {a["code"] for a in listed["items"]} == codes


def anomaly_codes(order_id: str) -> list[str]:
    month = dues_rules.month_of(clock.now().astimezone(CHINA_TZ).date())
    return [
        a.code
        for a in PaymentAnomaly.query(keys.dues_anomaly_pk(month))
        if isinstance(a, PaymentAnomaly) and a.out_trade_no == order_id
    ]


def wrong_amount(env: Dues, trade: Any, fen: int) -> Delivery:
    """A notification for the trade signed genuinely by the provider, but with another amount."""
    if trade.provider == "wechatpay":
        return env.sim.wechat_notification(trade, overrides={"amount": {"total": fen, "currency": "CNY"}})
    yuan = f"{fen // 100}.{fen % 100:02d}"
    return env.sim.alipay_notification(trade, overrides={"total_amount": yuan, "receipt_amount": yuan})


@pytest.mark.parametrize("provider", ["wechatpay", "alipay"])
def test_dues_3_a_refused_notification_re_sent_never_blocks_the_genuine_one(env: Dues, provider: str) -> None:
    # Given an order, and a notification for it signed genuinely but with a wrong amount
    member_id = env.world.members["huajing"][0]
    order = env.pay_now(member_id, provider=provider)
    trade = env.sim.pay(provider, order["order_id"], order["amount_fen"])
    refused = wrong_amount(env, trade, order["amount_fen"] + 1)
    # When it is re-sent five times, then the genuine notification arrives (and is re-sent)
    for _ in range(5):
        assert env.deliver(env.sim.resend(refused))[0] in (200, 204)
    assert order_of(order["order_id"]).state == "PENDING"
    genuine = env.sim.notification(trade)
    for delivery in (genuine, env.sim.resend(genuine)):
        assert env.deliver(delivery)[0] in (200, 204)
    # Then the order is PAID once, by the genuine transaction, and one anomaly is recorded
    assert order_of(order["order_id"]).state == "PAID"
    assert order_of(order["order_id"]).transaction_id == trade.transaction_id
    assert paid(member_id) == [months_back(3), months_back(2), months_back(1)]
    chain = [env.world.orgs[n] for n in ("root", "gz", "tianhe", "huajing")]
    assert ledger_total(order["order_id"], chain) == order["amount_fen"]
    assert anomaly_codes(order["order_id"]) == ["AMOUNT_MISMATCH"]
    # And the wrong amount re-sent after the payment is one more anomaly, once, never a credit
    for _ in range(3):
        assert env.deliver(env.sim.resend(refused))[0] in (200, 204)
    assert sorted(anomaly_codes(order["order_id"])) == ["AMOUNT_MISMATCH", "PAYLOAD_MISMATCH"]
    assert ledger_total(order["order_id"], chain) == order["amount_fen"]


def test_dues_3_the_genuine_notification_meeting_a_refused_one_in_progress_is_asked_again(
    env: Dues, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a wrong-amount notification being decided (its idempotency record in progress)
    # when the genuine one for the same order arrives
    member_id = env.world.members["lianhua"][0]
    order = env.pay_now(member_id, provider="alipay")
    trade = env.sim.pay("alipay", order["order_id"], order["amount_fen"])
    genuine = env.sim.notification(trade)
    meanwhile: list[tuple[int, str]] = []
    record = dues_webhook.record_anomaly

    def record_while_the_genuine_arrives(*args: Any, **kwargs: Any) -> Any:
        if not meanwhile:
            meanwhile.append(env.deliver(genuine))
        return record(*args, **kwargs)

    monkeypatch.setattr(dues_webhook, "record_anomaly", record_while_the_genuine_arrives)
    assert env.deliver(wrong_amount(env, trade, order["amount_fen"] - 1)) == (200, "success")
    # Then the genuine one is answered with a failure (so the provider re-sends it), no anomaly
    assert meanwhile == [(200, "fail")]
    assert anomaly_codes(order["order_id"]) == ["AMOUNT_MISMATCH"]
    # and its re-send credits the order
    assert env.deliver(env.sim.resend(genuine)) == (200, "success")
    assert order_of(order["order_id"]).state == "PAID" and len(paid(member_id)) == 3


def test_dues_3_notifications_not_for_us_re_sent_are_recorded_once(env: Dues) -> None:
    # Given genuinely signed notifications for another merchant, and for an order not ours
    member_id = env.world.members["huajing"][1]
    order = env.pay_now(member_id)
    trade = env.sim.pay("wechatpay", order["order_id"], order["amount_fen"])
    other_merchant = env.sim.wechat_notification(trade, overrides={"mchid": "1230000999"})
    unknown = env.sim.notification(env.sim.pay("wechatpay", "d-not-ours-0000002", 300))
    # When the provider sends each four times
    for _ in range(4):
        for delivery in (other_merchant, unknown):
            assert env.deliver(env.sim.resend(delivery))[0] in (200, 204)
    # Then each is recorded once for a person to look into, and nothing is credited
    assert anomaly_codes(order["order_id"]) == ["BUSINESS_MISMATCH"]
    assert anomaly_codes("d-not-ours-0000002") == ["UNKNOWN_ORDER"]
    assert order_of(order["order_id"]).state == "PENDING" and paid(member_id) == []


def test_dues_3_base64_api_gateway_event_is_verified_on_the_raw_bytes(env: Dues) -> None:
    # Given
    from app import app

    member_id = env.world.members["lianhua"][0]
    order = env.pay_now(member_id, provider="alipay")
    delivery = env.sim.notification(env.sim.pay("alipay", order["order_id"], order["amount_fen"]))
    event = json.loads((__import__("pathlib").Path("events/api.list_children.json")).read_text(encoding="utf-8"))
    event.update(
        {
            "resource": "/webhooks/alipay",
            "path": "/webhooks/alipay",
            "httpMethod": "POST",
            "headers": dict(delivery.headers),
            "multiValueHeaders": {k: [v] for k, v in delivery.headers.items()},
            "pathParameters": None,
            "queryStringParameters": None,
            "multiValueQueryStringParameters": None,
            "body": base64.b64encode(delivery.body).decode(),
            "isBase64Encoded": True,
        }
    )
    event["requestContext"].update({"resourcePath": "/webhooks/alipay", "httpMethod": "POST"})
    context = SimpleNamespace(
        function_name="zhtj-api",
        memory_limit_in_mb=512,
        aws_request_id="r-2",
        invoked_function_arn="arn:aws-cn:lambda:cn-north-1:123456789012:function:zhtj-api",
    )
    # When
    answer = app(event, context)
    # Then
    assert (answer["statusCode"], answer["body"]) == (200, "success")
    assert len(paid(member_id)) == 3


def test_dues_3_expiry_asks_the_provider_then_settles_or_closes(env: Dues, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given
    paid_member, idle_member = env.world.members["huajing"][0], env.world.members["huajing"][1]
    paid_order = env.pay_now(paid_member)
    idle_order = env.pay_now(idle_member, provider="alipay")
    # The first was paid at the provider but its notifications never arrived
    env.sim.pay("wechatpay", paid_order["order_id"], paid_order["amount_fen"])
    env.sim.open_trade("alipay", idle_order["order_id"], idle_order["amount_fen"])
    later = clock.now() + dues_orders.ORDER_LIFETIME + dues_orders.EXPIRY_GRACE + timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    # When
    for order in (paid_order, idle_order):
        deadlines.fire(timers.DUES_ORDER_EXPIRY, order["order_id"])
    # Then
    assert order_of(paid_order["order_id"]).state == "PAID" and len(paid(paid_member)) == 3
    assert order_of(idle_order["order_id"]).state == "CLOSED" and paid(idle_member) == []
    assert dues_bills.account_of(idle_member).open_order_id is None  # type: ignore[union-attr]
    # A second firing finds nothing to do
    deadlines.fire(timers.DUES_ORDER_EXPIRY, idle_order["order_id"])


def test_dues_2_retention_shares_split_each_payment_down_the_chain(env: Dues) -> None:
    # Given
    w = env.world
    # Each share is set by the organisation above
    for target, setter, percent in (
        ("root", "root", "9.5"),  # the province sets its own: no organisation above it in the system
        ("gz", "root", "10"),
        ("tianhe", "gz", "25.5"),
        ("huajing", "tianhe", "50"),
    ):
        status, answer = call(
            env.client, "PUT", f"/orgs/{w.orgs[target]}/dues/share", w.headers(setter), {"retention_percent": percent}
        )
        assert status == 200, answer
    status, answer = call(
        env.client, "PUT", f"/orgs/{w.orgs['tianhe']}/dues/share", w.headers("tianhe"), {"retention_percent": "1"}
    )
    assert (status, answer["code"]) == (403, "OWN_ORG_NOT_ALLOWED")
    # When
    member_id = w.members["huajing"][0]
    order = env.pay_now(member_id, extra_fen=1)  # 901 fen: rounding happens
    env.deliver(env.sim.notification(env.sim.pay("wechatpay", order["order_id"], order["amount_fen"])))
    # Then
    kept = {org: ledger_total(order["order_id"], [w.orgs[org]]) for org in ("root", "gz", "tianhe", "huajing")}
    # 901 -> root keeps 9.5 % (85), gz 10 % of 816 (81), tianhe 25.5 % of 735 (187), the branch the rest
    assert kept == {"root": 85, "gz": 81, "tianhe": 187, "huajing": 548}
    assert sum(kept.values()) == 901
    month = dues_rules.month_of(clock.now().astimezone(CHINA_TZ).date())
    status, page = call(env.client, "GET", f"/orgs/{w.orgs['tianhe']}/dues/ledger?month={month}", w.headers("gz"))
    assert status == 200 and [(e["received_fen"], e["kept_fen"]) for e in page["items"]] == [(735, 187)]
    status, answer = call(
        env.client, "PUT", f"/orgs/{w.orgs['root']}/dues/share", w.headers("gz"), {"retention_percent": "1"}
    )
    assert (status, answer["code"]) == (403, "PROVINCE_ONLY")


def test_dues_2_org_pays_for_members_one_order_each_member_applied_once(env: Dues) -> None:
    # Given
    w = env.world
    members = w.members["huajing"]
    # When
    status, answer = call(
        env.client,
        "POST",
        f"/orgs/{w.orgs['tianhe']}/dues/pay",
        w.headers("tianhe"),
        {"provider": "wechatpay", "member_ids": members},
    )
    # Then
    assert status == 201, answer
    order = answer["order"]
    assert order["amount_fen"] == 2700 and len(order["lines"]) == 3
    # A member of another city cannot be paid for by 天河
    status, answer = call(
        env.client,
        "POST",
        f"/orgs/{w.orgs['tianhe']}/dues/pay",
        w.headers("tianhe"),
        {"provider": "wechatpay", "member_ids": w.members["lianhua"]},
    )
    assert status == 403
    delivery = env.sim.notification(env.sim.pay("wechatpay", order["order_id"], order["amount_fen"]))
    assert env.deliver(delivery)[0] in (200, 204)
    assert order_of(order["order_id"]).state == "PAID"
    assert drain(env.client, "dues") == 3
    # A lost-and-redelivered member message, and a re-sent notification, change nothing
    assert dues_applying.apply_member(order["order_id"], members[0]) is False
    assert env.deliver(env.sim.resend(delivery))[0] in (200, 204)
    assert drain(env.client, "dues") == 0
    assert all(len(paid(m)) == 3 for m in members)
    current = order_of(order["order_id"])
    assert current.members_left == 0 and current.gsi2pk is None
    chain = [w.orgs[n] for n in ("root", "gz", "tianhe", "huajing")]
    assert ledger_total(order["order_id"], chain) == 2700
    status, orders = call(env.client, "GET", f"/orgs/{w.orgs['tianhe']}/dues/orders", w.headers("gz"))
    assert [o["order_id"] for o in orders["items"]] == [order["order_id"]]


def test_dues_4_collection_statistics_of_the_subtree_by_month(env: Dues) -> None:
    # Given
    w = env.world
    for member_id in (w.members["huajing"][0], w.members["lianhua"][0]):
        order = env.pay_now(member_id)
        env.deliver(env.sim.notification(env.sim.pay("wechatpay", order["order_id"], order["amount_fen"])))
    year = int(months_back(1)[:4])
    month = months_back(1)
    expectations = {"root": 2, "gz": 1, "tianhe": 1, "huajing": 1, "sz": 1, "yuexiu": 0}
    # When
    for org, members_paid in expectations.items():
        status, stats = call(env.client, "GET", f"/orgs/{w.orgs[org]}/dues/statistics?year={year}", w.headers("root"))
        # Then
        assert status == 200
        row = next(m for m in stats["months"] if m["month"] == month)
        assert (row["paid_members"], row["paid_fen"]) == (members_paid, 300 * members_paid), org
    status, stats = call(
        env.client, "GET", f"/orgs/{w.orgs['huajing']}/dues/statistics?year={year}", w.headers("huajing")
    )
    row = next(m for m in stats["months"] if m["month"] == month)
    assert row["unpaid_members"] == 2  # 3 members in 华景, 1 paid
    status, stats = call(env.client, "GET", f"/orgs/{w.orgs['gz']}/dues/statistics?year={year}", w.headers("gz"))
    row = next(m for m in stats["months"] if m["month"] == month)
    assert (stats["members_now"], row["unpaid_members"]) == (3, 2)
    this_month = dues_rules.month_of(clock.now().astimezone(CHINA_TZ).date())
    current = next(
        m
        for m in call(
            env.client, "GET", f"/orgs/{w.orgs['root']}/dues/statistics?year={this_month[:4]}", w.headers("root")
        )[1]["months"]
        if m["month"] == this_month
    )
    assert current["collected_fen"] == 1800


def test_dues_4_this_months_collection_is_the_same_in_the_stats_and_the_dues_statistics(env: Dues) -> None:
    w = env.world
    # Given a member of 华景 (广州) and one of 莲花 (深圳) paying their arrears this month, and
    # the 华景 member paying a voluntary extra later in the same month
    for member_id, extra in (
        (w.members["huajing"][0], 0),
        (w.members["lianhua"][0], 0),
        (w.members["huajing"][0], 100),
    ):
        order = env.pay_now(member_id, extra_fen=extra)
        env.deliver(env.sim.notification(env.sim.pay("wechatpay", order["order_id"], order["amount_fen"])))
    this_month = dues_rules.month_of(clock.now().astimezone(CHINA_TZ).date())
    expected = {"root": (2, 1900), "gz": (1, 1000), "huajing": (1, 1000), "sz": (1, 900), "yuexiu": (0, 0)}
    for org, (members_paid, fen) in expected.items():
        # When the organisation's figures and its dues statistics are read
        status, figures = call(env.client, "GET", f"/orgs/{w.orgs[org]}/stats", w.headers("root"))
        assert status == 200, figures
        status, statistics = call(
            env.client, "GET", f"/orgs/{w.orgs[org]}/dues/statistics?year={this_month[:4]}", w.headers("root")
        )
        row = next(m for m in statistics["months"] if m["month"] == this_month)
        # Then both give this month's collection: the same fen, each paying member counted once
        assert figures["dues_this_month"] == {"month": this_month, "members_paid": members_paid, "amount_fen": fen}, org
        assert (row["collected_members"], row["collected_fen"]) == (members_paid, fen), org
    # And the daily bulletin's rows say the same of each city
    status, bulletin = call(env.client, "GET", f"/orgs/{w.orgs['root']}/bulletin", w.headers("root"))
    assert status == 200, bulletin
    rows = {r["org_id"]: (r["dues_paid_members"], r["dues_paid_fen"]) for r in bulletin["rows"]}
    assert rows[w.orgs["gz"]] == (1, 1000) and rows[w.orgs["sz"]] == (1, 900)


def test_dues_2_the_province_edits_the_standard_by_date(env: Dues) -> None:
    # Given
    w = env.world
    # When
    status, versions = call(env.client, "GET", "/dues/standards", w.headers("huajing"))
    # Then
    assert status == 200 and [v["valid_from"] for v in versions] == ["1990-01", "2016-01"]
    rules = {**versions[1]["rules"], "BELOW_2000": {"fixed_fen": 400}}
    body = {"valid_from": months_back(1), "name": "测试标准", "document": "团粤发〔2026〕1号", "rules": rules}
    status, answer = call(env.client, "POST", "/dues/standards", w.headers("gz"), body)
    assert (status, answer["code"]) == (403, "PROVINCE_ONLY")
    status, answer = call(env.client, "POST", "/dues/standards", w.headers("root"), body)
    assert status == 201, answer
    status, versions = call(env.client, "GET", "/dues/standards", w.headers("root"))
    assert [(v["valid_from"], v["valid_until"]) for v in versions] == [
        ("1990-01", "2016-01"),
        ("2016-01", months_back(1)),
        (months_back(1), None),
    ]
    member_id = w.members["huajing"][0]
    bill = dues_bills.bill(w.principal("huajing"), member_id)
    assert bill.month_fen == [300, 300, 400]  # each month at the standard then in force
    bad = {**body, "rules": {**rules, "FARMER": {"fixed_fen": 500, "local_min_fen": 20, "local_max_fen": 100}}}
    status, answer = call(env.client, "POST", "/dues/standards", w.headers("root"), bad)
    assert (status, answer["code"]) == (400, "DUES_RULE_OUT_OF_RANGE")


def test_dues_4_six_consecutive_unpaid_months_listed_for_the_branch_never_acted_on(env: Dues) -> None:
    # Given
    w = env.world
    lapsing, paying = w.members["huajing"][0], w.members["huajing"][1]
    set_member(lapsing, join_month=months_back(7))
    set_member(paying, join_month=months_back(7))
    order = env.pay_now(paying)
    env.deliver(env.sim.notification(env.sim.pay("wechatpay", order["order_id"], order["amount_fen"])))
    # When
    status, listed = call(env.client, "GET", f"/orgs/{w.orgs['huajing']}/dues/lapsing", w.headers("huajing"))
    # Then
    assert status == 200
    assert [(x["member_id"], x["unpaid_months"]) for x in listed] == [(lapsing, 7)]
    assert Member.get(keys.member_pk(lapsing), keys.META).state == "NORMAL"


def test_msg_2_who_owes_per_branch_and_month_listed_for_the_reminders(env: Dues) -> None:
    # Given a member three months behind, one who paid up seven months, one admitted this month
    w = env.world
    behind, paying, new = w.members["huajing"]
    set_member(behind, join_month=months_back(3))
    set_member(paying, join_month=months_back(7))
    set_member(new, join_month=months_back(0))
    order = env.pay_now(paying)
    env.deliver(env.sim.notification(env.sim.pay("wechatpay", order["order_id"], order["amount_fen"])))
    path = f"/orgs/{w.orgs['huajing']}/dues/owing"
    # When the branch lists who owes, in all and for a month
    status, everyone = call(env.client, "GET", path, w.headers("huajing"))
    _, last_month = call(env.client, "GET", f"{path}?month={months_back(1)}", w.headers("huajing"))
    _, long_ago = call(env.client, "GET", f"{path}?month={months_back(5)}", w.headers("huajing"))
    bad_status, bad = call(env.client, "GET", f"{path}?month=2026-13", w.headers("huajing"))
    # Then only the member behind, with the months owed up to last month
    assert status == 200
    assert [(x["member_id"], x["unpaid_months"], x["months"]) for x in everyone] == [
        (behind, 3, [months_back(3), months_back(2), months_back(1)])
    ]
    assert everyone[0]["first_unpaid"] == months_back(3) and new not in {x["member_id"] for x in everyone}
    assert [x["member_id"] for x in last_month] == [behind] and long_ago == []
    assert (bad_status, bad["field"]) == (400, "month")


def test_dues_3_reconciliation_settles_pending_orders_and_compares_the_bill(env: Dues) -> None:
    # Given
    w = env.world
    silent, closed = w.members["huajing"][0], w.members["huajing"][1]
    silent_order = env.pay_now(silent)
    closed_order = env.pay_now(closed)
    trade = env.sim.pay("wechatpay", silent_order["order_id"], silent_order["amount_fen"])
    # A day later: the notifications never came (the expiry timer did not run either)
    # When
    result = dues_reconciliation.reconcile(clock.now() + dues_reconciliation.RETRY_WINDOW + timedelta(minutes=1))
    # Then
    assert (result["settled"], result["closed"]) == (1, 1)
    assert len(paid(silent)) == 3 and order_of(closed_order["order_id"]).state == "CLOSED"
    # The provider's bill: our paid order matches; a trade we never heard of is a difference
    stray = env.sim.pay("wechatpay", "d-stray-0000000001", 500)
    day = trade.paid_at.astimezone(CHINA_TZ).date()  # type: ignore[union-attr]
    rows = [
        dues_bill_check.BillRow(line.out_trade_no, line.transaction_id, line.amount_fen, line.state)
        for line in env.sim.bill("wechatpay", day)
    ]
    report = dues_bill_check.compare_bill("wechatpay", day, rows)
    assert report.matched == 1
    assert [d["kind"] for d in json.loads(report.differences)] == ["NOT_OURS"]
    assert stray.out_trade_no in report.differences
    status, page = call(env.client, "GET", "/dues/reconciliation", w.headers("root"))
    assert status == 200 and page["items"][0]["matched"] == 1


def test_dues_4_paid_months_mark_the_card(env: Dues) -> None:
    from zhtj.cards.models import CardState

    member_id = env.world.members["huajing"][0]
    before = CardState.get(keys.member_pk(member_id), keys.CARD_SK) if _card_exists(member_id) else None
    order = env.pay_now(member_id)
    env.deliver(env.sim.notification(env.sim.pay("wechatpay", order["order_id"], order["amount_fen"])))
    after = CardState.get(keys.member_pk(member_id), keys.CARD_SK)
    assert int(after.content_version) == (int(before.content_version) if before else 0) + 1


def _card_exists(member_id: str) -> bool:
    from zhtj.cards.models import CardState

    try:
        CardState.get(keys.member_pk(member_id), keys.CARD_SK)
    except CardState.DoesNotExist:
        return False
    return True


def test_dues_1_paid_months_never_written_twice(env: Dues) -> None:
    # Given
    member_id = env.world.members["huajing"][0]
    order = env.pay_now(member_id)
    # When
    env.deliver(env.sim.notification(env.sim.pay("wechatpay", order["order_id"], order["amount_fen"])))
    # Then
    items = [i for i in PaidMonth.query(keys.member_pk(member_id), PaidMonth.sk.startswith("PAID#"))]
    assert len(items) == 3 and {i.order_id for i in items} == {order["order_id"]}
    status, answer = call(
        env.client, "POST", f"/members/{member_id}/dues/pay", env.member_headers(member_id), {"provider": "wechatpay"}
    )
    assert (status, answer["code"]) == (409, "NOTHING_OWED")


_ = build_world  # the fixture builds the world; kept importable for readers of support


def test_dues_1_pay_now_settles_all_arrears_since_online_collection_in_one_order(env: Dues) -> None:
    # Given a member admitted before online collection began: every month since 2018-09 is owed
    w = env.world
    member_id = w.members["huajing"][0]
    set_member(member_id, join_month="2017-05")
    owed = dues_rules.months_between(dues_rules.ONLINE_SINCE, months_back(1))
    assert len(owed) > 60  # several transactions' worth, and more than one order used to hold
    # When the member pays now
    order = env.pay_now(member_id)
    # Then one order holds all of it (REFERENCE: "pay now" settles all arrears in one order)
    assert [line["months"] for line in order["lines"]] == [owed]
    assert order["amount_fen"] == 300 * len(owed)
    # When the provider's notification arrives, the order is PAID at once, and until every part
    # of the months is applied the member sees the bill locked and none of the months paid
    assert env.deliver(env.sim.notification(env.sim.pay("wechatpay", order["order_id"], order["amount_fen"])))[0] in (
        200,
        204,
    )
    assert order_of(order["order_id"]).state == "PAID"
    assert paid(member_id) == [] and dues_bills.bill(w.principal("huajing"), member_id).open_order_id
    # Then the parts are applied one after another, once each, however often delivered
    assert drain(env.client, "dues") == len(range(0, len(owed), dues_applying.PART_MONTHS))
    assert dues_applying.apply_member(order["order_id"], member_id, 0) is False
    assert drain(env.client, "dues") == 0
    assert paid(member_id) == owed
    bill = dues_bills.bill(w.principal("huajing"), member_id)
    assert bill.months == [] and bill.open_order_id is None
    current = order_of(order["order_id"])
    assert current.members_left == 0 and current.gsi2pk is None
    chain = [w.orgs[n] for n in ("root", "gz", "tianhe", "huajing")]
    assert ledger_total(order["order_id"], chain) == order["amount_fen"]
    # and every month is counted in the statistics of its year
    status, stats = call(env.client, "GET", f"/orgs/{w.orgs['root']}/dues/statistics?year=2019", w.headers("root"))
    assert status == 200 and [m["paid_fen"] for m in stats["months"]] == [300] * 12


def lose_messages(queue: str) -> int:
    """Receive and delete whatever the queue holds (as if the messages were lost)."""
    import boto3

    from zhtj.table.queues import queue_url

    sqs, url, lost = boto3.client("sqs"), queue_url(queue), 0
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            lost += 1
    return lost


def test_dues_3_lost_part_of_long_arrears_is_driven_again_by_reconciliation(env: Dues) -> None:
    # Given a paid order for all arrears since 2018-09, its first part applied, and the message
    # for the next part lost
    member_id = env.world.members["lianhua"][0]
    set_member(member_id, join_month="2017-05")
    order = env.pay_now(member_id)
    env.deliver(env.sim.notification(env.sim.pay("wechatpay", order["order_id"], order["amount_fen"])))
    lose_messages(DUES.name)
    assert dues_applying.apply_member(order["order_id"], member_id, 0) is True
    lose_messages(DUES.name)
    # A part out of turn does nothing
    assert dues_applying.apply_member(order["order_id"], member_id, 2) is False
    # When reconciliation runs after the stall window
    later = clock.now() + dues_reconciliation.APPLYING_STALL + timedelta(minutes=1)
    assert dues_reconciliation.reconcile(later)["requeued"] == 1
    drain(env.client, "dues")
    # Then every month is paid once and the order complete
    owed = dues_rules.months_between(dues_rules.ONLINE_SINCE, months_back(1))
    assert paid(member_id) == owed
    assert order_of(order["order_id"]).members_left == 0
    assert dues_reconciliation.reconcile(later)["requeued"] == 0


def test_dues_2_declared_income_prices_the_two_per_mille_band(env: Dues) -> None:
    # Given
    member_id = env.world.members["huajing"][0]
    set_member(member_id, income_band="FROM_2000")
    headers = env.member_headers(member_id)
    # When
    status, bill = call(env.client, "GET", f"/members/{member_id}/dues/bill", headers)
    # Then
    assert [m["amount_fen"] for m in bill["months"]] == [400, 400, 400]  # the band's floor: 2,000 yuan x 2‰
    status, _ = call(env.client, "PUT", f"/members/{member_id}/dues/income", headers, {"income_fen": 499_999})
    assert status == 200
    status, bill = call(env.client, "GET", f"/members/{member_id}/dues/bill", headers)
    assert [m["amount_fen"] for m in bill["months"]] == [900, 900, 900]  # 4999.99 yuan -> 9.99 -> 9 yuan
    env.pay_now(member_id)
    status, answer = call(env.client, "PUT", f"/members/{member_id}/dues/income", headers, {"income_fen": 100})
    assert (status, answer["code"]) == (409, "BILL_LOCKED")


def test_dues_3_provider_closed_notification_closes_and_unlocks(env: Dues) -> None:
    member_id = env.world.members["lianhua"][0]
    order = env.pay_now(member_id, provider="alipay")
    trade = env.sim.open_trade("alipay", order["order_id"], order["amount_fen"])
    env.sim.close("alipay", order["order_id"])
    status, body = env.deliver(env.sim.notification(trade))
    assert (status, body) == (200, "success")
    assert order_of(order["order_id"]).state == "CLOSED"
    assert dues_bills.account_of(member_id).open_order_id is None  # type: ignore[union-attr]


def test_dues_3_lost_member_messages_are_driven_again_by_reconciliation(env: Dues) -> None:
    import boto3

    from zhtj.table.queues import queue_url

    w = env.world
    members = w.members["huajing"]
    order, _ = dues_orders.pay_for_members(w.principal("huajing"), w.orgs["huajing"], members, "wechatpay")
    env.deliver(env.sim.notification(env.sim.pay("wechatpay", order.order_id, int(order.amount_fen))))
    # Given the member messages were lost after the order turned PAID
    boto3.client("sqs").purge_queue(QueueUrl=queue_url(DUES.name))
    assert order_of(order.order_id).members_left == 3
    # When reconciliation runs after the stall window, the members are queued again and applied once
    later = clock.now() + dues_reconciliation.APPLYING_STALL + timedelta(minutes=1)
    assert dues_reconciliation.reconcile(later)["requeued"] == 3
    assert drain(env.client, "dues") == 3
    assert all(len(paid(m)) == 3 for m in members)
    assert dues_reconciliation.reconcile(later)["requeued"] == 0


def test_dues_3_expiry_with_a_wrong_amount_at_the_provider_records_closes_and_unlocks(
    env: Dues, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    member_id = env.world.members["huajing"][2]
    order = env.pay_now(member_id)
    env.sim.pay("wechatpay", order["order_id"], order["amount_fen"] + 5)
    later = clock.now() + dues_orders.ORDER_LIFETIME + dues_orders.EXPIRY_GRACE + timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    # When
    deadlines.fire(timers.DUES_ORDER_EXPIRY, order["order_id"])
    # Then
    assert order_of(order["order_id"]).state == "CLOSED" and paid(member_id) == []
    assert dues_bills.account_of(member_id).open_order_id is None  # type: ignore[union-attr]
    month = dues_rules.month_of(later.astimezone(CHINA_TZ).date())
    codes = [a.code for a in PaymentAnomaly.query(keys.dues_anomaly_pk(month)) if isinstance(a, PaymentAnomaly)]
    assert codes == ["AMOUNT_MISMATCH"]


def test_dues_1_months_paid_outside_an_order_are_not_billed_again(env: Dues) -> None:
    # Given two months recorded as paid without an order (migrated records), and no dues account
    member_id = env.world.members["huajing"][0]
    for month in (months_back(3), months_back(2)):
        PaidMonth(
            keys.member_pk(member_id),
            keys.paid_month_sk(month),
            month=month,
            amount_fen=300,
            order_id="migrated",
            paid_at=clock.now(),
            provider="offline",
        ).save()
    # Then the bill is the last month only, and paying it works (the lock names no paid month)
    order = env.pay_now(member_id)
    assert [line["months"] for line in order["lines"]] == [[months_back(1)]]
    env.deliver(env.sim.notification(env.sim.pay("wechatpay", order["order_id"], order["amount_fen"])))
    assert paid(member_id) == [months_back(3), months_back(2), months_back(1)]


def test_dues_3_idempotency_records_keep_the_keys_they_had_before_the_webhook_moved(env: Dues) -> None:
    # Given a notification applied through the webhook
    member_id = env.world.members["huajing"][2]
    order = env.pay_now(member_id)
    trade = env.sim.pay("wechatpay", order["order_id"], order["amount_fen"])
    assert env.deliver(env.sim.notification(trade))[0] == 204
    # When its idempotency record is read from the table
    connection = Item._get_connection()
    shard = zlib.crc32(order["order_id"].encode()) % dues_webhook.IDEMPOTENCY_SHARDS
    records = connection.query(f"IDEMPOTENCY#dues#{shard}").get("Items", [])
    # Then it is filed under the name powertools gave it when the decision was
    # zhtj.logic.dues_payments._decide: a re-send after a deploy finds the records written before it
    assert records and all(r["sk"]["S"].startswith("test-func.zhtj.logic.dues_payments._decide#") for r in records)
