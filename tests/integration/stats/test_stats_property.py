"""STAT-1: the counters are exact after any sequence of registrations, approvals, returns,
transfers, exits and payments (hypothesis), compared with a recount of the base items and
with a plain count of the members in the table."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import World, build_world, call, drain, drain_stream, moto_state, pay_dues
from tests.support.registration import form, make_id, submit
from tests.support.stats import recount
from tests.support.transfers import start
from zhtj.registration.service import today_in_china

BRANCHES = ("huajing", "lianhua", "cs2024")
OPS = st.lists(
    st.tuples(
        st.sampled_from(("register", "approve", "return", "transfer", "exit", "pay")),
        st.integers(min_value=0, max_value=50),
        st.sampled_from(BRANCHES),
    ),
    min_size=4,
    max_size=10,
)


class Run:
    """One example's province and what has happened in it."""

    def __init__(self, client: Any, world: World) -> None:
        self.client, self.world = client, world
        self.pending: list[tuple[str, str]] = []  # (reg_id, branch)
        self.members: dict[str, str] = {m: b for b in ("huajing", "lianhua") for m in world.members[b]}
        self.names = {v: k for k, v in world.orgs.items()}
        self.seq = 200

    def step(self, op: str, n: int, branch: str) -> None:
        getattr(self, op)(n, branch)

    def register(self, n: int, branch: str) -> None:
        self.seq += 1
        body = form(
            self.world,
            branch_id=self.world.orgs[branch],
            id_number=make_id(seq=self.seq),
            development_number=f"2021440{self.seq:05d}",
            ethnicity="汉族" if n % 2 else "回族",
        )
        status, answer = submit(self.client, body)
        assert status == 202, answer
        drain(self.client)
        self.pending.append((answer["registration_id"], branch))

    def _pending(self, n: int) -> tuple[str, str] | None:
        return self.pending.pop(n % len(self.pending)) if self.pending else None

    def approve(self, n: int, _: str) -> None:
        if found := self._pending(n):
            reg_id, branch = found
            status, answer = call(self.client, "POST", f"/registrations/{reg_id}/approve", self.world.headers(branch))
            assert status == 200, answer
            self.members[answer["member_id"]] = branch

    def return_(self, n: int, _: str) -> None:
        if found := self._pending(n):
            reg_id, branch = found
            status, answer = call(
                self.client,
                "POST",
                f"/registrations/{reg_id}/return",
                self.world.headers(branch),
                {"reason": "信息有误"},
            )
            assert status == 200, answer

    def _member(self, n: int) -> tuple[str, str] | None:
        if not self.members:
            return None
        member_id = sorted(self.members)[n % len(self.members)]
        return member_id, self.members[member_id]

    def transfer(self, n: int, target: str) -> None:
        found = self._member(n)
        if found is None or found[1] == target:
            return
        member_id, branch = found
        pay_dues(member_id)
        t = start(self.client, self.world, branch, member_id, to_branch_id=self.world.orgs[target])
        while t["state"] == "OPEN":
            who = self.names[t["step_org_id"]]
            path = f"/members/{member_id}/transfers/{t['transfer_id']}/approve"
            status, t = call(self.client, "POST", path, self.world.headers(who), {"step": t["step_index"]})
            assert status == 200, t
        assert t["state"] == "COMPLETED"
        self.members[member_id] = target

    def exit(self, n: int, _: str) -> None:
        found = self._member(n)
        if found is None:
            return
        member_id, branch = found
        body = {"kind": "VOLUNTARY", "resolution_date": today_in_china().isoformat(), "resolution": "支部大会表决通过"}
        status, answer = call(self.client, "POST", f"/members/{member_id}/exit", self.world.headers(branch), body)
        assert status == 201, answer
        above = {"huajing": "tianhe", "lianhua": "futian", "cs2024": "sysu"}[branch]
        status, answer = call(self.client, "POST", f"/members/{member_id}/exit/approve", self.world.headers(above))
        assert status == 200, answer
        del self.members[member_id]

    def pay(self, n: int, _: str) -> None:
        if found := self._member(n):
            pay_dues(found[0])


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_stat_1_counters_equal_a_recount_after_any_sequence(client: Any, aws: None, ops: list[Any]) -> None:
    # Given
    world = moto_state.restore("provisioned/world", build_world)
    run = Run(client, world)
    # When
    for op, n, branch in ops:
        run.step("return_" if op == "return" else op, n, branch)
    drain_stream(client)
    # Then
    drift, plain = recount()
    assert drift == []
    for name in ("root", "gz", "sz", "sysu", "cs2024", *BRANCHES):
        status, figures = call(client, "GET", f"/orgs/{world.orgs[name]}/stats", world.headers("root"))
        assert status == 200
        below = sum(n for b, n in plain.items() if world.orgs[name] in _path(b))
        assert figures["members"]["normal"] == below, (name, ops)


def _path(org_id: str) -> str:
    from zhtj.orgs.authz import get_org

    return get_org(org_id).path
