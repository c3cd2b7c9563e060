"""Which WeChat sender is used: the one settings name (ZHTJ_WECHAT_PROVIDER), among the adapters
registered in this process; none (the channel off) when the setting is empty.

The real adapter (api.py, "wechat") is registered on import. The local stack and the tests
register their simulator (infra/local/wechat_outbox.py) and select it in their environment. The
cloud template accepts only the real adapter's name (or none).
"""

from __future__ import annotations

from collections.abc import Callable

from zhtj.core import settings
from zhtj.integrations.wechat.base import WechatNotConfigured, WechatSender

Factory = Callable[[], WechatSender]


def _wechat() -> WechatSender:
    from zhtj.integrations.wechat import api, config

    return api.shared(config.wechat())


REAL_SENDERS: dict[str, Factory] = {"wechat": _wechat}

_registered: dict[str, Factory] = dict(REAL_SENDERS)


def register(name: str, factory: Factory) -> None:
    _registered[name] = factory


def unregister(name: str) -> None:
    if name not in REAL_SENDERS:
        _registered.pop(name, None)


def enabled() -> bool:
    """Whether the WeChat channel is on in this deployment."""
    return bool(settings.wechat_provider())


def sender() -> WechatSender:
    """The configured sender. WechatNotConfigured when the channel is off or its adapter is not
    registered here."""
    name = settings.wechat_provider()
    if not name:
        raise WechatNotConfigured(f"the WeChat channel is off ({settings.WECHAT_PROVIDER_ENV} is empty)")
    factory = _registered.get(name)
    if factory is None:
        raise WechatNotConfigured(f"WeChat sender {name!r} is not registered here")
    return factory()
