"""DUES-5: the province's online-collection start month as data versioned by date; months a
branch records as paid offline (a note, the receipt), counted as paid, on the card as 线下交纳,
audited, never overlapping an online payment — also when both happen at once; and a member
paying for a mate of the same branch (帮TA交), credited to the right member once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from infra.local.payments_simulator import Simulator
from tests.support import World, call
from tests.support.cards import card_sections
from tests.support.http import member_headers
from zhtj.core import clock
from zhtj.core.errors import ConflictError
from zhtj.dues import ledger as dues_ledger
from zhtj.dues import orders as dues_orders
from zhtj.dues import owed as dues_owed
from zhtj.dues import rules as dues_rules
from zhtj.dues import standard as dues_standard
from zhtj.dues import webhook as dues_webhook
from zhtj.dues.models import PaidMonth
from zhtj.members.models import Member
from zhtj.signin.tokens import Principal
from zhtj.table import keys, storage
from zhtj.table.audit_record import AuditRecord
from zhtj.table.unit_of_work import UnitOfWork


def months_back(count: int) -> str:
    return dues_rules.add_months(dues_rules.month_of(clock.today_in_china()), -count)


def set_member(member_id: str, **fields: object) -> None:
    member = Member.get(keys.member_pk(member_id), keys.META)
    for name, value in fields.items():
        setattr(member, name, value)
    member.save()


@pytest.fixture
def sim(world: World) -> Iterator[Simulator]:
    """The payment providers' simulator, and the world's members admitted three months ago."""
    dues_webhook.forget()
    simulator = Simulator.local().install()
    for member_id in world.members["huajing"] + world.members["lianhua"]:
        set_member(member_id, join_month=months_back(3))
    yield simulator
    dues_webhook.forget()


def receipt(client: Any, world: World, member_id: str, size: int = 2048) -> str:
    status, upload = call(
        client,
        "POST",
        f"/members/{member_id}/dues/offline-receipt",
        world.headers("huajing"),
        {"content_type": "image/jpeg"},
    )
    assert status == 200, upload
    boto3.client("s3").put_object(Bucket=storage.bucket("uploads"), Key=upload["key"], Body=b"\xff" * size)
    return str(upload["key"])


def paid_months(member_id: str) -> dict[str, PaidMonth]:
    return {
        p.month: p
        for p in PaidMonth.query(keys.member_pk(member_id), PaidMonth.sk.startswith(keys.PAID_PREFIX))
        if isinstance(p, PaidMonth)
    }


def bill_months(client: Any, world: World, member_id: str) -> list[str]:
    status, bill = call(client, "GET", f"/members/{member_id}/dues/bill", world.headers("huajing"))
    assert status == 200, bill
    return [m["month"] for m in bill["months"]]


def test_dues_5_the_online_start_month_is_data_versioned_by_date(client: Any, world: World, sim: Simulator) -> None:
    # Given a member admitted in 2017, before online collection began in Guangdong (2018-09)
    member = world.members["huajing"][0]
    set_member(member, join_month="2017-03")
    status, starts = call(client, "GET", "/dues/online-start", member_headers(world, member))
    assert (status, starts["in_force"]) == (200, "2018-09")
    assert bill_months(client, world, member)[0] == "2018-09"
    # When the province sets 2019-01 from today, and 2020-01 from tomorrow
    today = clock.today_in_china()
    for start, day in (("2019-01", today), ("2020-01", today + timedelta(days=1))):
        body = {"start_month": start, "effective_from": day.isoformat(), "document": "团粤发〔2026〕1号"}
        status, version = call(client, "PUT", "/dues/online-start", world.headers("root"), body)
        assert status == 200, version
    # Then today no month before 2019-01 is owed online; tomorrow's version waits for its day
    assert bill_months(client, world, member)[0] == "2019-01"
    assert dues_owed.months_owed(member, today)[0] == "2019-01"
    assert dues_owed.months_owed(member, today + timedelta(days=1))[0] == "2020-01"
    status, starts = call(client, "GET", "/dues/online-start", member_headers(world, member))
    assert starts["in_force"] == "2019-01" and [v["start_month"] for v in starts["versions"]] == [
        "2018-09",
        "2019-01",
        "2020-01",
    ]
    status, answer = call(client, "PUT", "/dues/online-start", world.headers("gz"), body)
    assert (status, answer["code"]) == (403, "PROVINCE_ONLY")


def test_dues_5_offline_months_count_as_paid_show_on_the_card_and_are_audited(
    client: Any, world: World, sim: Simulator
) -> None:
    # Given a member owing three months, who paid the first two to the branch by hand
    member = world.members["huajing"][0]
    assert bill_months(client, world, member) == [months_back(3), months_back(2), months_back(1)]
    key = receipt(client, world, member)
    body = {
        "first_month": months_back(3),
        "last_month": months_back(2),
        "note": "交给支部书记，有收据",
        "receipt_key": key,
    }
    # When the branch records them
    status, written = call(client, "POST", f"/members/{member}/dues/offline-months", world.headers("huajing"), body)
    # Then they count as paid: only the last month is billed, the card shows them as 线下交纳
    assert status == 201, written
    assert [(m["month"], m["offline"], m["amount_fen"]) for m in written] == [
        (months_back(3), True, 0),
        (months_back(2), True, 0),
    ]
    assert bill_months(client, world, member) == [months_back(1)]
    dues = card_sections(member)["dues"]
    assert dues.rows == [(months_back(3), "—", "线下交纳"), (months_back(2), "—", "线下交纳")]
    assert dues.summary is not None and dues.summary.endswith("其中线下交纳 2 个月")
    status, months = call(client, "GET", f"/members/{member}/dues/paid-months", member_headers(world, member))
    assert [m["offline"] for m in months] == [True, True]
    # Counted among the members paid for those months at every level
    month = months_back(2)
    for org in ("huajing", "root"):
        stats = dues_ledger.year_stats(world.orgs[org], int(month[:4]))
        assert stats[int(month[5:7]) - 1].paid_members == 1
    # And audited, with the note and the receipt
    (record,) = [r for r in AuditRecord.query(keys.audit_pk("MEMBER", member)) if r.action == "dues.offline_record"]
    assert record.after["months"] == [months_back(3), months_back(2)] and record.after["receipt_key"] == key
    # A receipt must have been uploaded for the member; months must be the next ones owed
    for change, code in (
        ({"receipt_key": "dues-receipts/x/y.jpg"}, "RECEIPT_MISSING"),
        ({"first_month": months_back(0), "last_month": months_back(0)}, "OFFLINE_MONTH_FUTURE"),
        ({"first_month": months_back(4), "last_month": months_back(4)}, "OFFLINE_BEFORE_JOIN"),
    ):
        status, answer = call(
            client, "POST", f"/members/{member}/dues/offline-months", world.headers("huajing"), body | change
        )
        assert (status, answer["code"]) == (400, code), change


def test_dues_5_offline_months_and_online_orders_never_overlap(client: Any, world: World, sim: Simulator) -> None:
    first, second = world.members["huajing"][0], world.members["huajing"][1]
    # Given an order open for the first member's three months
    status, paying = call(
        client, "POST", f"/members/{first}/dues/pay", member_headers(world, first), {"provider": "wechatpay"}
    )
    assert status == 201, paying
    key = receipt(client, world, first)
    body = {"first_month": months_back(3), "last_month": months_back(1), "note": "现金", "receipt_key": key}
    # When the branch records the same months offline, Then it is refused while the order is open
    status, answer = call(client, "POST", f"/members/{first}/dues/offline-months", world.headers("huajing"), body)
    assert (status, answer["code"]) == (409, "DUES_BILL_CHANGED")
    # And once the order is paid online, those months are paid: recording them offline is refused
    delivery = sim.notification(sim.pay("wechatpay", paying["order"]["order_id"], paying["order"]["amount_fen"]))
    response = client.http.post("/webhooks/wechatpay", headers=dict(delivery.headers), body=delivery.body)
    assert response.status_code in (200, 204)
    assert set(paid_months(first)) == {months_back(3), months_back(2), months_back(1)}
    status, answer = call(client, "POST", f"/members/{first}/dues/offline-months", world.headers("huajing"), body)
    assert (status, answer["code"]) in {(409, "DUES_MONTH_ALREADY_PAID"), (400, "OFFLINE_NOT_NEXT")}
    assert not any(p.offline for p in paid_months(first).values())
    # The reverse: months recorded offline are not billed, so no order pays them
    key = receipt(client, world, second)
    body = {"first_month": months_back(3), "last_month": months_back(2), "note": "现金", "receipt_key": key}
    status, _ = call(client, "POST", f"/members/{second}/dues/offline-months", world.headers("huajing"), body)
    assert status == 201
    status, paying = call(
        client, "POST", f"/members/{second}/dues/pay", member_headers(world, second), {"provider": "alipay"}
    )
    assert status == 201 and paying["order"]["lines"][0]["months"] == [months_back(1)]


@pytest.mark.parametrize("first_to_commit", ["offline", "order"])
def test_dues_5_an_offline_record_racing_an_order_for_the_same_months_only_one_lands(
    client: Any, world: World, sim: Simulator, monkeypatch: pytest.MonkeyPatch, first_to_commit: str
) -> None:
    """Given a member owing three months, When the branch records them offline while the member
    makes an order for them, both having read the bill before either writes, Then exactly one
    commits and the other is refused: the months are claimed by one of them only."""
    member = world.members["huajing"][0]
    key = receipt(client, world, member)
    dues_owed.online_start(clock.today_in_china())  # seeded before the race (their own commits)
    dues_standard.versions()
    arrived, first_done = threading.Barrier(2, timeout=30), threading.Event()
    real_commit = UnitOfWork.commit

    def racing_commit(self: UnitOfWork, idempotency_token: str | None = None) -> None:
        name = threading.current_thread().name
        if name not in ("offline", "order"):
            return real_commit(self, idempotency_token)
        arrived.wait()  # both have read the bill and built their transaction
        if name != first_to_commit:
            first_done.wait(timeout=30)
        try:
            return real_commit(self, idempotency_token)
        finally:
            if name == first_to_commit:
                first_done.set()

    monkeypatch.setattr(UnitOfWork, "commit", racing_commit)
    outcomes: dict[str, Any] = {}
    principal = Principal(world.member_accounts[member], None)  # the member's own session

    def offline() -> None:
        try:
            outcomes["offline"] = dues_ledger.record_offline(
                world.principal("huajing"), member, months_back(3), months_back(1), "现金", key
            )
        except ConflictError as error:
            outcomes["offline"] = error

    def order() -> None:
        try:
            outcomes["order"] = dues_orders.pay_now(principal, member, "wechatpay")[0]
        except ConflictError as error:
            outcomes["order"] = error

    threads = [threading.Thread(target=offline, name="offline"), threading.Thread(target=order, name="order")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    monkeypatch.setattr(UnitOfWork, "commit", real_commit)
    # Then the first to commit wins and the other is refused
    loser = "order" if first_to_commit == "offline" else "offline"
    assert not isinstance(outcomes[first_to_commit], ConflictError), outcomes
    assert isinstance(outcomes[loser], ConflictError), outcomes
    assert outcomes[loser].code in {"BILL_LOCKED", "DUES_BILL_CHANGED"}
    months = paid_months(member)
    if first_to_commit == "offline":
        assert sorted(months) == [months_back(3), months_back(2), months_back(1)]
        assert all(p.offline for p in months.values())
        assert dues_ledger.account_of(member).open_order_id is None  # type: ignore[union-attr]
    else:
        assert months == {}  # the order's months wait for its payment, and nothing else claims them
        order_id = outcomes["order"].order_id
        trade = sim.pay("wechatpay", order_id, int(outcomes["order"].amount_fen))
        delivery = sim.notification(trade)
        client.http.post("/webhooks/wechatpay", headers=dict(delivery.headers), body=delivery.body)
        months = paid_months(member)
        assert sorted(months) == [months_back(3), months_back(2), months_back(1)]
        assert {p.order_id for p in months.values()} == {order_id}


def test_dues_5_a_mate_pays_and_the_right_member_is_credited_once(client: Any, world: World, sim: Simulator) -> None:
    mate, payer = world.members["huajing"][0], world.members["huajing"][1]
    # When a member pays for a mate of the same branch (帮TA交)
    status, paying = call(
        client, "POST", f"/members/{mate}/dues/mate-pay", member_headers(world, payer), {"provider": "wechatpay"}
    )
    assert status == 201, paying
    order = paying["order"]
    assert (order["payer_kind"], order["payer_id"], order["payer_name"]) == ("MEMBER", payer, "黄志强")
    assert [line["member_id"] for line in order["lines"]] == [mate]
    # And the provider's notification arrives three times (the webhook path unchanged)
    delivery = sim.notification(sim.pay("wechatpay", order["order_id"], order["amount_fen"]))
    for attempt in (delivery, sim.resend(delivery), sim.resend(delivery)):
        response = client.http.post("/webhooks/wechatpay", headers=dict(attempt.headers), body=attempt.body)
        assert response.status_code in (200, 204)
    # Then the mate's three months are paid once, naming who paid; the payer's own bill is untouched
    months = paid_months(mate)
    assert sorted(months) == [months_back(3), months_back(2), months_back(1)]
    assert {(p.order_id, p.paid_by_member_id, p.paid_by_name) for p in months.values()} == {
        (order["order_id"], payer, "黄志强")
    }
    assert paid_months(payer) == {} and bill_months(client, world, payer) == [
        months_back(3),
        months_back(2),
        months_back(1),
    ]
    assert all(row[2].endswith("（黄志强代交）") for row in card_sections(mate)["dues"].rows)
    # The payer sees the order among theirs
    status, history = call(client, "GET", f"/members/{payer}/dues/orders", member_headers(world, payer))
    assert [o["order_id"] for o in history["items"]] == [order["order_id"]]
    # Paying again for the mate finds nothing owed
    status, answer = call(
        client, "POST", f"/members/{mate}/dues/mate-pay", member_headers(world, payer), {"provider": "alipay"}
    )
    assert (status, answer["code"]) == (409, "NOTHING_OWED")


def test_dues_5_a_member_of_another_branch_cannot_pay_for_them(client: Any, world: World, sim: Simulator) -> None:
    mate, stranger = world.members["huajing"][0], world.members["lianhua"][0]
    status, answer = call(
        client, "POST", f"/members/{mate}/dues/mate-pay", member_headers(world, stranger), {"provider": "wechatpay"}
    )
    assert (status, answer["code"]) == (403, "NOT_SAME_BRANCH")
    # Nor an operator acting for an organisation (an organisation pays through 代缴), nor oneself
    status, answer = call(
        client, "POST", f"/members/{mate}/dues/mate-pay", world.headers("huajing"), {"provider": "wechatpay"}
    )
    assert (status, answer["code"]) == (403, "NOT_SELF")
    status, answer = call(
        client, "POST", f"/members/{mate}/dues/mate-pay", member_headers(world, mate), {"provider": "wechatpay"}
    )
    assert (status, answer["code"]) == (400, "MATE_IS_SELF")
    assert dues_ledger.account_of(mate) is None or dues_ledger.account_of(mate).open_order_id is None  # type: ignore[union-attr]
