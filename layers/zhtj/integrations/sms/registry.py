"""Which SMS provider sends: the one settings name (ZHTJ_SMS_PROVIDER), among the adapters
registered in this process.

The real adapters shipped in the layer are listed in REAL_SENDERS and registered on import.
Anything else registers from outside the layer: the local stack and the tests register their
outbox (infra/local/sms_outbox.py) and select it in their environment. The cloud template
accepts only a real adapter's name.
"""

from __future__ import annotations

from collections.abc import Callable

from zhtj.core import settings
from zhtj.integrations.sms.base import SenderNotConfigured, SmsSender

Factory = Callable[[], SmsSender]


def _alibaba() -> SmsSender:
    # The SDKs are imported when a sender is first made, not with the registry: together they
    # take about half a second to import, which every cold start of the API would pay.
    from zhtj.integrations.sms import alibaba, config

    return alibaba.AlibabaSms(config.alibaba())


def _tencent() -> SmsSender:
    from zhtj.integrations.sms import config, tencent

    return tencent.TencentSms(config.tencent())


# Name -> factory of every real adapter in the layer (the cloud template's allowed values). Each
# reads its secret once per process (zhtj.integrations.sms.config).
REAL_SENDERS: dict[str, Factory] = {"alibaba": _alibaba, "tencent": _tencent}

_registered: dict[str, Factory] = dict(REAL_SENDERS)


def register(name: str, factory: Factory) -> None:
    """Make `name` selectable in this process (idempotent for the same factory)."""
    _registered[name] = factory


def unregister(name: str) -> None:
    """Forget an adapter registered from outside the layer (a real one stays)."""
    if name not in REAL_SENDERS:
        _registered.pop(name, None)


def registered() -> tuple[str, ...]:
    return tuple(sorted(_registered))


def sender() -> SmsSender:
    """The configured sender, made afresh (a sender reads its own configuration)."""
    name = settings.sms_provider()
    if not name:
        raise SenderNotConfigured(f"no SMS provider is configured ({settings.SMS_PROVIDER_ENV})")
    factory = _registered.get(name)
    if factory is None:
        raise SenderNotConfigured(
            f"SMS provider {name!r} is not registered here (registered: {', '.join(registered()) or 'none'})"
        )
    return factory()
