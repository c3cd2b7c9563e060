"""Which identity provider answers: the one settings name (ZHTJ_IDENTITY_PROVIDER), among the
adapters registered in this process.

The real adapters shipped in the layer (Tencent Cloud faceid, Alibaba Cloud cloudauth) are listed
in REAL_PROVIDERS and are registered on import. Anything else registers from outside the
layer: the local stack and the tests register their fake (infra/local/fake_identity.py) and
select it in their environment. The cloud template accepts only a real adapter's name.
"""

from __future__ import annotations

from collections.abc import Callable

from zhtj.core import settings
from zhtj.integrations.identity.base import IdentityProvider, ProviderNotConfigured

Factory = Callable[[], IdentityProvider]


def _tencent() -> IdentityProvider:
    # The SDKs are imported when a provider is first made, not with the registry: together they
    # take about half a second to import, which every cold start would pay.
    from zhtj.integrations.identity import config, tencent

    return tencent.TencentIdentity(config.tencent())


def _alibaba() -> IdentityProvider:
    from zhtj.integrations.identity import alibaba, config

    return alibaba.AlibabaIdentity(config.alibaba())


# Name -> factory of every real adapter in the layer (the cloud template's allowed values). Each
# reads its secret once per process (zhtj.integrations.identity.config).
REAL_PROVIDERS: dict[str, Factory] = {"tencent": _tencent, "alibaba": _alibaba}

_registered: dict[str, Factory] = dict(REAL_PROVIDERS)


def register(name: str, factory: Factory) -> None:
    """Make `name` selectable in this process (idempotent for the same factory)."""
    _registered[name] = factory


def unregister(name: str) -> None:
    """Forget an adapter registered from outside the layer (a real one stays)."""
    if name not in REAL_PROVIDERS:
        _registered.pop(name, None)


def registered() -> tuple[str, ...]:
    return tuple(sorted(_registered))


def provider() -> IdentityProvider:
    """The configured provider, made afresh (a provider reads its own configuration)."""
    name = settings.identity_provider()
    if not name:
        raise ProviderNotConfigured(f"no identity provider is configured ({settings.IDENTITY_PROVIDER_ENV})")
    factory = _registered.get(name)
    if factory is None:
        raise ProviderNotConfigured(
            f"identity provider {name!r} is not registered here (registered: {', '.join(registered()) or 'none'})"
        )
    return factory()
