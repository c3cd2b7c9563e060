"""Shared fixtures. Every test runs against moto: in-process (`aws`, with `world` and `client` on
it) for unit, integration, security and fault tests, or the moto server of the local stack for
e2e tests. Helpers live in tests/support/."""

from __future__ import annotations

import os

# Settings are read once at import: fix them before anything of zhtj is imported.
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "cn-north-1",
        "AWS_REGION": "cn-north-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "ZHTJ_TABLE": "zhtj",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "zhtj",
        "POWERTOOLS_DEV": "false",
        # REG-5: the local fake identity provider (infra/local/fake_identity.py), selected
        # explicitly; it passes everyone unless a test asks for failures.
        "ZHTJ_IDENTITY_PROVIDER": "fake",
        "ZHTJ_FAKE_IDP_FAIL_PERCENT": "0",
        # REG-5's pacing (zhtj.table.rate_budget): the fake has no rate of its own; the pacing
        # tests set a provider's.
        "ZHTJ_IDENTITY_RATE_PER_SECOND": "1000",
        # SMS: the local outbox (infra/local/sms_outbox.py); tests read it (tests/support/sms.py).
        "ZHTJ_SMS_PROVIDER": "outbox",
        # WeChat subscribe messages: the simulator (infra/local/wechat_outbox.py), read by
        # tests/support/wechat.py.
        "ZHTJ_WECHAT_PROVIDER": "outbox",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws
from moto.core.config import default_user_config

# After the settings above (importing a model reads them): every item class, and the support
# code, which imports the capabilities.
import zhtj.registry  # noqa: F401
from infra import moto_patches
from infra.local import fake_identity, sms_outbox, wechat_outbox
from tests.support import World, moto_state

moto_patches.apply()
fake_identity.install()
sms_outbox.install()
wechat_outbox.install()
moto_state.remember_environment()
# One boto3 default session for the test process (moto would start a fresh one per mock): a
# client costs ~50 ms on a fresh session, which reads the service models from disk again, and
# ~3 ms on a warm one. Each test still makes clients of its own (the reset hooks below).
default_user_config["core"]["reset_boto3_session"] = False


@pytest.fixture(scope="session", autouse=True)
def no_plaintext_id_numbers() -> Iterator[None]:
    """Personal data: every response, log line, table item and queue message of the whole run is read
    for plaintext ID numbers (tests/support/plaintext_ids.py); any outside the one permitted
    answer fails the session here, at its end."""
    from tests.support import plaintext_ids

    plaintext_ids.install()
    yield
    problem = plaintext_ids.report()
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.fixture
def aws(request: pytest.FixtureRequest) -> Iterator[None]:
    """A fresh in-process moto with the system's resources provisioned (and, when the test asks
    for `world`, the small province of tests/support/world.py in it). Both are built once per test
    process and each test gets a deep copy of the saved state (tests/support/moto_state.py)."""
    from infra.provision import provision

    with mock_aws():
        moto_state.reset_caches()
        moto_state.prepare(request, "provisioned", provision)
        yield
        moto_state.reset_caches()


@pytest.fixture
def world(aws: None) -> Iterator[World]:
    """build_world()'s province: the `aws` fixture restored it with the rest of moto's state
    (tests/support/moto_state.py); this is the test's own copy of the World that describes it."""
    yield moto_state.current_value()


@pytest.fixture
def client(aws: None) -> Iterator[Any]:
    """The Chalice test client over the test's in-process moto."""
    from chalice.test import Client

    from app import app
    from chalicelib import routing

    # Every route module loaded once per process, before a test patches what they import (a
    # route module imported at a request inside a patched test would keep the patched names):
    # the app imports each at its route's first request (chalicelib/routing.py), which
    # tests/integration/test_wiring.py checks in a fresh interpreter.
    routing.import_all()
    with Client(app) as test_client:
        yield test_client


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every AWS operation any botocore client makes from now on, by name (what a read costs)."""
    import botocore.client

    made: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def spy(self: Any, operation: str, params: dict[str, Any]) -> Any:
        made.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    yield made
