"""REG-5's real-name provider behind an interface: the registry hands out the provider settings
select, refuses to guess when none is selected, and the layer holds no fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.local import fake_identity
from infra.local.fake_identity import FakeIdentityProvider
from zhtj.core.settings import IDENTITY_PROVIDER_ENV
from zhtj.integrations.identity import registry
from zhtj.integrations.identity.base import IdentityProvider, ProviderNotConfigured

LAYER = Path(__file__).resolve().parents[3] / "layers" / "zhtj"


class Recording:
    """A provider that answers as told and remembers what it was asked."""

    def __init__(self, answer: bool) -> None:
        self.answer, self.asked = answer, list[tuple[str, str, str | None, int]]()

    def verify(self, name: str, id_number: str, phone: str | None, attempt: int) -> bool:
        self.asked.append((name, id_number, phone, attempt))
        return self.answer


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recording]:
    provider = Recording(answer=False)
    registry.register("recording", lambda: provider)
    monkeypatch.setenv(IDENTITY_PROVIDER_ENV, "recording")
    yield provider
    registry.unregister("recording")


def test_no_provider_selected_is_a_deployment_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an environment that selects no identity provider
    monkeypatch.delenv(IDENTITY_PROVIDER_ENV, raising=False)
    # When the registry is asked for one, Then it refuses rather than pick one itself
    with pytest.raises(ProviderNotConfigured, match=IDENTITY_PROVIDER_ENV):
        registry.provider()


def test_a_selected_provider_that_is_not_registered_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a name no adapter was registered under
    monkeypatch.setenv(IDENTITY_PROVIDER_ENV, "nobody")
    # When the registry is asked, Then it names the problem and what is registered
    with pytest.raises(ProviderNotConfigured, match="'nobody' is not registered"):
        registry.provider()


def test_the_test_environment_selects_the_local_fake_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the test environment (tests/conftest.py selects and installs the fake)
    # When the registry is asked for the configured provider
    provider: IdentityProvider = registry.provider()
    # Then it is the local fake, with its shares read from the environment
    assert isinstance(provider, FakeIdentityProvider)
    assert fake_identity.NAME in registry.registered()
    monkeypatch.setenv(fake_identity.FAIL_PERCENT_ENV, "100")
    monkeypatch.setenv(fake_identity.REFAIL_PERCENT_ENV, "0")
    provider = registry.provider()
    assert not provider.verify("李晓明", "11010519491231002X", None, attempt=1)
    assert provider.verify("李晓明", "11010519491231002X", None, attempt=2)


def test_the_fake_decides_by_the_id_number_so_runs_repeat() -> None:
    # Given the fake failing half of first checks
    provider = FakeIdentityProvider(fail_percent=50, refail_percent=0)
    numbers = [f"44010620000101{n:03d}X" for n in range(200)]
    # When every number is checked twice
    first = [provider.verify("", n, None, 1) for n in numbers]
    # Then each number gets the same answer both times, and about half fail
    assert first == [provider.verify("", n, None, 1) for n in numbers]
    assert 60 < first.count(False) < 140
    assert all(provider.verify("", n, None, 2) for n in numbers)


def test_unregister_keeps_the_real_adapters() -> None:
    # Given the layer's real adapters and an outside one
    registry.register("outside", lambda: Recording(answer=True))
    # When both are unregistered
    registry.unregister("outside")
    for name in registry.REAL_PROVIDERS:
        registry.unregister(name)
    # Then only the outside one is gone
    assert "outside" not in registry.registered()
    assert set(registry.REAL_PROVIDERS) <= set(registry.registered())


def test_the_layer_holds_no_fake_identity_provider() -> None:
    # Given every module of the layer
    sources = {path: path.read_text(encoding="utf-8") for path in LAYER.rglob("*.py")}
    # When they are searched for a fake's class, its settings, or an import of infra/
    marks = ("class Fake", "ZHTJ_FAKE_IDP", "from infra", "import infra")
    offenders = [str(path.relative_to(LAYER)) for path, text in sources.items() if any(m in text for m in marks)]
    # Then there are none: the fake lives in infra/local, which the layer never imports
    assert offenders == []
