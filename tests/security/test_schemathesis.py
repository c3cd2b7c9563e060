"""Property-based requests from the served OpenAPI document (bad input): every
operation of /openapi.json, with bodies, queries and path parameters schemathesis generates
(valid ones and deliberately invalid ones), signed in as each role of the small province
(provincial administrator, city administrator, branch secretary, plain member), in-process
against moto. Every answer must be no 5xx, a status the document declares for the operation,
the content type it declares and a body its schema accepts; invalid input must be refused
with a 4xx.

Path parameters are random strings (a 404 must come back cleanly) or, on most examples, the
real ids of the province (so that the route's logic runs, not only its 404), drawn by the
example itself so that hypothesis can shrink a failure to one role and one id.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from app import app
from tests.support import World
from tests.support.chalice_wsgi import ChaliceWSGI
from tests.support.sessions import session_token

# Examples per operation (~140 operations; the roles and ids are drawn by each example). The
# whole file stays under ~90 s on two shared cores; raise it locally to search harder.
EXAMPLES = 8
ROLES = ("province", "city", "branch", "member")

schema = schemathesis.openapi.from_wsgi("/openapi.json", ChaliceWSGI(app))
CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]


def _negative_data_rejected(ctx: Any, response: Any, case: Any) -> Any:
    """schemathesis's rejection check, with 413 counted as a rejection: an invalid body too big
    to read (over the adapter's 64 KB) is refused before any schema check can name it."""
    if response.status_code == 413:
        return None
    return negative_data_rejection(ctx, response, case)


CHECKS = [not_a_server_error, *CONFORMANCE, _negative_data_rejected]
# What each operation answered, by status (the coverage guard at the end reads it).
ANSWERED: dict[str, Counter[int]] = defaultdict(Counter)


def _token(world: World, role: str) -> str:
    if role == "member":
        member_id = world.members["huajing"][0]
        return session_token(world.member_accounts[member_id])
    return world.token({"province": "root", "city": "gz", "branch": "huajing"}[role])


def _real_ids(world: World) -> dict[str, list[str]]:
    members = [m for ids in world.members.values() for m in ids]
    return {
        "org_id": list(world.orgs.values()),
        "member_id": members,
        "year": ["2026", "2025"],
        "provider_name": ["wechatpay", "alipay"],
    }


def _pick(choices: list[str], generated: Any) -> str:
    # The generated value chooses, so the choice is part of the example (shrinks, replays).
    return choices[zlib.crc32(repr(generated).encode()) % len(choices)]


def _unsigned_never_accepted(ctx: Any, response: Any, case: Any) -> None:
    """No generated notification carries a valid provider signature: none may be acknowledged
    (WeChat: 204; Alipay: the body `success`)."""
    provider = case.path.removeprefix("/webhooks/")
    accepted = response.status_code == 204 if provider == "wechatpay" else response.text.strip() == "success"
    if accepted:
        raise AssertionError(f"{provider} acknowledged an unsigned notification: {response.status_code}")


# One pytest item per operation, parametrized here rather than by schemathesis's own collector:
# its items all share one node id, and pytest-xdist (the suite's `-n 2`) then ran one of them.
OPERATIONS = {result.ok().label: result.ok() for result in schema.get_all_operations()}


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_operation_answers_as_documented(label: str, world: World) -> None:
    """One operation from the saved province (the examples of an operation share its state, so
    what one example wrote, the next may meet): valid and invalid examples alike."""
    operation = OPERATIONS[label]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, role=st.sampled_from(ROLES), real_ids=st.integers(0, 3))
    def example(case: Any, role: str, real_ids: int) -> None:
        _example(world, case, role, real_ids)

    example()


def _example(world: World, case: Any, role: str, real_ids: int) -> None:
    # Given a caller of one role and, on three valid examples in four, the province's real ids
    # (and the first page: a generated cursor is never one the system handed out). An invalid
    # example is sent as generated: replacing its invalid part would make it valid.
    if real_ids and case.meta.generation.mode.is_positive:
        real = _real_ids(world)
        for name, value in list((case.path_parameters or {}).items()):
            if name in real:
                case.path_parameters[name] = _pick(real[name], value)
        if case.query and "cursor" in case.query:
            del case.query["cursor"]
    headers = {"Authorization": f"Bearer {_token(world, role)}"}
    # When the operation is called
    response = case.call(headers=headers)
    ANSWERED[case.operation.label][response.status_code] += 1
    # Then the answer is what the document says; a provider's webhook answers in the provider's
    # contract (WeChat re-sends on a 5xx {"code": "FAIL"}, Alipay reads `fail` at 200) and
    # acknowledges nothing unsigned
    if case.path.startswith("/webhooks/"):
        case.validate_response(response, checks=[*CONFORMANCE, _unsigned_never_accepted], headers=headers)
    else:
        case.validate_response(response, checks=CHECKS, headers=headers)


def test_the_examples_reached_the_logic_of_most_operations() -> None:
    """Guard against a vacuous run (every request a 401 or a 404): most operations must have
    answered with something other than a refusal of the caller or the path."""
    if len(ANSWERED) < len(OPERATIONS):
        pytest.skip("only part of the operations ran (-k)")
    reached = [label for label, statuses in ANSWERED.items() if set(statuses) - {401, 404}]
    succeeded = [label for label, statuses in ANSWERED.items() if any(200 <= s < 300 for s in statuses)]
    assert len(reached) >= 0.9 * len(ANSWERED), sorted(set(ANSWERED) - set(reached))
    # A third at least succeed outright; the others' examples meet rules (409, 422) and ids
    # the small province does not have (a registration, a transfer, an order).
    assert len(succeeded) >= len(ANSWERED) / 3, sorted(set(ANSWERED) - set(succeeded))
