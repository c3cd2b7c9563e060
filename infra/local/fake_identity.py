"""The identity provider of the local stack and the tests: a stand-in for the real-name
authority (REG-5) that fails a configurable share of first checks and a smaller share of
re-checks, decided by a hash of the ID number so that runs repeat.

The shares come from the environment on every check (ZHTJ_FAKE_IDP_FAIL_PERCENT, default 5;
ZHTJ_FAKE_IDP_REFAIL_PERCENT, default 2), so a test can change them mid-run. `install()`
registers it with zhtj.integrations.identity.registry under NAME; the environment selects it
(ZHTJ_IDENTITY_PROVIDER=fake). It is never part of the layer, so the cloud cannot select it.
"""

from __future__ import annotations

import hashlib
import os

from zhtj.integrations.identity import registry

NAME = "fake"
FAIL_PERCENT_ENV = "ZHTJ_FAKE_IDP_FAIL_PERCENT"
REFAIL_PERCENT_ENV = "ZHTJ_FAKE_IDP_REFAIL_PERCENT"


class FakeIdentityProvider:
    """Fails `fail_percent`% of first checks and `refail_percent`% of re-checks."""

    def __init__(self, fail_percent: int, refail_percent: int) -> None:
        self.fail_percent, self.refail_percent = fail_percent, refail_percent

    @classmethod
    def from_environment(cls) -> FakeIdentityProvider:
        return cls(
            fail_percent=int(os.environ.get(FAIL_PERCENT_ENV, "5")),
            refail_percent=int(os.environ.get(REFAIL_PERCENT_ENV, "2")),
        )

    def verify(self, name: str, id_number: str, phone: str | None, attempt: int) -> bool:
        bucket = int(hashlib.sha256(id_number.encode()).hexdigest()[:8], 16) % 100
        return bucket >= (self.fail_percent if attempt == 1 else self.refail_percent)


def install() -> None:
    """Make the fake selectable in this process (ZHTJ_IDENTITY_PROVIDER=fake selects it)."""
    registry.register(NAME, FakeIdentityProvider.from_environment)
