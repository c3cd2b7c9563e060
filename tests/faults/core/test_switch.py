"""The fault switch itself (zhtj.faults): which names it takes, that each fault is what it says
(a crash of the named handler before or after its work, a commit cancelled as DynamoDB cancels
it, a real concurrent write, a provider that does not answer), that shares are shares, and that
nothing happens while it is off."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from infra.local.payments_simulator import Simulator
from tests.support import World
from zhtj.core import faults
from zhtj.core.errors import ConflictError
from zhtj.core.manifest import ScheduleTrigger, SqsTrigger, StreamTrigger, load_manifest
from zhtj.dues import webhook as dues_webhook
from zhtj.integrations.payments import PaymentError
from zhtj.integrations.payments import provider as payment_provider
from zhtj.members.models import Member
from zhtj.registration import identity_check
from zhtj.table import keys, unit_of_work
from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork


class Always:
    """A random source that always draws `value` (0.0: every crash before the handler runs)."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value

    def randrange(self, n: int) -> int:
        return 0

    def choice(self, items: list[Any]) -> Any:
        return items[0]


@pytest.fixture
def draws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[float], None]]:
    def fix(value: float) -> None:
        def source() -> Always:
            return Always(value)

        source.cache_clear = lambda: None  # type: ignore[attr-defined]  # as faults.forget() expects
        monkeypatch.setattr(faults, "_random", source)

    yield fix


def test_every_manifest_handler_and_both_webhooks_can_be_named_and_nothing_else(
    faults_on: Callable[[str], None],
) -> None:
    assert faults.handler_names() == set(load_manifest().functions) | {"webhook_wechatpay", "webhook_alipay"}
    faults_on(",".join(f"{name}=0.5" for name in sorted(faults.handler_names())) + ",dynamodb_conflict=0.1")
    assert faults.active()
    for spec, error in (("registration_workr=0.1", "names no handler"), ("card_worker=1.5", "between 0 and 1")):
        faults_on(spec)
        with pytest.raises(ValueError, match=error):
            faults.maybe_crash("card_worker", "before")
    faults_on("")
    assert not faults.active()


def test_a_share_is_the_share_of_invocations_half_before_and_half_after(faults_on: Callable[[str], None]) -> None:
    # Given
    faults_on("timer_worker=0.3", seed=11)
    where: Counter[str] = Counter()
    # When
    for _ in range(4000):
        for phase in ("before", "after"):
            try:
                faults.maybe_crash("timer_worker", phase)
            except faults.InjectedFault as crash:
                where[phase] += 1
                assert f"({phase})" in str(crash)
                break
        else:
            where["ran"] += 1
    # Then
    assert 0.27 < (where["before"] + where["after"]) / 4000 < 0.33
    assert 0.4 < where["before"] / (where["before"] + where["after"]) < 0.6
    faults.maybe_crash("card_worker", "after")  # not named: never crashes


def event_for(trigger: Any) -> dict[str, Any]:
    if isinstance(trigger, (SqsTrigger, StreamTrigger)):
        return {"Records": []}
    assert isinstance(trigger, ScheduleTrigger)
    return {
        "version": "0",
        "id": "e",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-01-05T02:00:00Z",
        "region": "cn-north-1",
        "resources": ["arn:aws-cn:events:cn-north-1:123456789012:rule/r"],
        "detail": {},
    }


def test_each_wired_handler_crashes_when_named(
    aws: None, client: Any, faults_on: Callable[[str], None], draws: Callable[[float], None]
) -> None:
    # Given
    import app as app_module
    from infra.local.runner import LambdaContext

    # Every named invocation crashes before its work (draw 0): the handlers' work is not the point here.
    # When
    for name, function in load_manifest().functions.items():
        faults_on(f"{name}=0.01")
        draws(0.0)
        # Then
        with pytest.raises(faults.InjectedFault, match=name):
            context = LambdaContext(name, function, "aws-cn", "cn-north-1")
            getattr(app_module, name)(event_for(function.trigger), context)
    for provider in ("wechatpay", "alipay"):
        faults_on(f"webhook_{provider}=0.01")
        draws(0.0)
        response = client.http.post(f"/webhooks/{provider}", headers={"Content-Type": "application/json"}, body=b"{}")
        assert response.status_code == 500  # the provider re-sends


def test_a_conflict_cancels_the_whole_transaction_as_dynamodb_does(
    world: World, faults_on: Callable[[str], None]
) -> None:
    # Given
    member_id = world.members["huajing"][0]
    member = Member.get(keys.member_pk(member_id), keys.META, consistent_read=True)
    faults_on("dynamodb_conflict=1")
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.update(member, [Member.name.set("改名")])
    uow.audit("member.edit", "MEMBER", member_id, member.branch_id, after={"name": "改名"})
    # When / Then
    with pytest.raises(ConflictError) as raised:
        uow.commit()
    assert raised.value is unit_of_work.BUSY and unit_of_work.lost_race(raised.value)
    after = Member.get(keys.member_pk(member_id), keys.META, consistent_read=True)
    assert (after.name, after.version) == (member.name, member.version)  # nothing written


def test_a_concurrent_writer_really_writes_first_and_the_condition_fails(
    world: World, faults_on: Callable[[str], None]
) -> None:
    # Given
    member_id = world.members["huajing"][0]
    member = Member.get(keys.member_pk(member_id), keys.META, consistent_read=True)
    faults_on("dynamodb_stale=1")
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.update(member, [Member.name.set("改名")])
    # When / Then
    with pytest.raises(ConflictError) as raised:
        uow.commit()
    assert raised.value is unit_of_work.STALE
    after = Member.get(keys.member_pk(member_id), keys.META, consistent_read=True)
    assert (after.name, after.version) == (member.name, member.version + 1)  # the other writer's version
    # A transaction with nothing written under a version condition has nobody to race with.
    uow = UnitOfWork(SYSTEM_ACTOR)
    uow.update(after, [Member.name.set("改名")], versioned=False)
    uow.commit()
    assert Member.get(keys.member_pk(member_id), keys.META, consistent_read=True).name == "改名"


def test_providers_time_out_and_answer_when_the_switch_is_off(aws: None, faults_on: Callable[[str], None]) -> None:
    # Given
    dues_webhook.forget()
    Simulator.local().install()
    faults_on("identity_timeout=1,payments_timeout=1")
    # When / Then
    with pytest.raises(TimeoutError):
        identity_check.first_check("李晓明", "11010519491231002X", None)
    for name in ("wechatpay", "alipay"):
        with pytest.raises(PaymentError) as raised:
            payment_provider(name).query("d-nobody-00000001")
        assert (raised.value.code, raised.value.retryable) == ("GATEWAY_UNREACHABLE", True)
    faults_on("")
    assert identity_check.first_check("李晓明", "11010519491231002X", None) == identity_check.PASSED
    assert payment_provider("wechatpay").query("d-nobody-00000001") is None
