"""Sign-in (ACCT-3), in-process: p50/p99 of a password sign-in through the logic (find the
login, check the lock, Argon2id, open the session: its transaction and one KMS Sign) next to
one Argon2id verification alone; a request's token verification (signature with the cached
public key, then the session's GetItem) next to none (the same GetItem alone); the KMS calls
verification makes once the key is cached (none); and the DynamoDB requests of a sign-in and a
refresh, counted at botocore's request level.

    .venv/bin/python -m bench.signin_bench [sign-ins]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import bench.inprocess  # noqa: F401  (the environment, set before zhtj is imported)

PASSWORD = "bench1234"


def _timed(operation: Callable[[int], Any], count: int) -> dict[str, float]:
    samples = []
    for i in range(count):
        started = time.perf_counter_ns()
        operation(i)
        samples.append(time.perf_counter_ns() - started)
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) / 1e6, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1e6, 2),
    }


@contextmanager
def _requests() -> Iterator[Counter[str]]:
    """AWS requests sent meanwhile, by service and operation."""
    import botocore.client

    counts: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation_name: str, api_params: Any) -> Any:
        counts[f"{self.meta.service_model.service_name}:{operation_name}"] += 1
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def run(count: int = 50) -> dict[str, Any]:
    from moto import mock_aws

    from infra import moto_patches

    moto_patches.apply()
    import zhtj.registry  # noqa: F401  (every item class, once the environment is set)

    with mock_aws():
        from infra.provision import provision
        from zhtj.accounts import login
        from zhtj.signin import passwords, tokens
        from zhtj.signin.models import Session
        from zhtj.table import keys
        from zhtj.table.unit_of_work import SYSTEM_ACTOR, UnitOfWork

        provision()
        phones = [f"+86139{i:08d}" for i in range(count + 1)]
        for phone in phones:
            uow = UnitOfWork(SYSTEM_ACTOR)
            login.new_account(uow, "测试", phone, PASSWORD)
            uow.commit()
        stored = passwords.hash_password(PASSWORD)
        login.sign_in_with_password(phones[-1], PASSWORD)  # warm: clients, the public key

        argon2 = _timed(lambda i: passwords.verify(stored, PASSWORD), count)
        signed: list[Any] = []
        sign_in = _timed(lambda i: signed.append(login.sign_in_with_password(phones[i], PASSWORD)), count)
        headers = [f"Bearer {s.tokens.access_token}" for s in signed]
        verify = _timed(lambda i: tokens.verify(headers[i % len(headers)]), count * 4)
        session_of = [(s.account.account_id, s.tokens.session_id) for s in signed]

        def bare_get(i: int) -> None:
            account_id, session_id = session_of[i % len(session_of)]
            Session.get(keys.account_pk(account_id), keys.session_sk(session_id), consistent_read=True)

        bare = _timed(bare_get, count * 4)
        with _requests() as verifying:
            for header in headers:
                tokens.verify(header)
        with _requests() as signing_in:
            login.sign_in_with_password(phones[0], PASSWORD)
        with _requests() as refreshing:
            login.refresh(signed[1].tokens.refresh_token)

    def dynamodb(counts: Counter[str]) -> int:
        return sum(n for op, n in counts.items() if op.startswith("dynamodb:"))

    return {
        "sign_in": sign_in,
        "argon2_alone": argon2,
        "sign_in_vs_argon2_p50": round(sign_in["p50_ms"] / argon2["p50_ms"], 2),
        "verify_per_request": verify,
        "session_getitem_alone": bare,
        "verify_vs_getitem_p50": round(verify["p50_ms"] / bare["p50_ms"], 2),
        "kms_calls_per_verification": round(
            sum(n for op, n in verifying.items() if op.startswith("kms:")) / len(headers), 3
        ),
        "dynamodb_requests": {
            "sign_in": dynamodb(signing_in),
            "refresh": dynamodb(refreshing),
            "verify": dynamodb(verifying) / len(headers),
        },
        "all_requests": {"sign_in": dict(signing_in), "refresh": dict(refreshing)},
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 50), ensure_ascii=False, indent=2))
