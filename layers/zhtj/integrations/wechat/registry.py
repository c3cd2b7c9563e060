"""Which official-account adapter is used: the one settings name (ZHTJ_WECHAT_PROVIDER), among
the adapters registered in this process; none (no official account: no web authorization, so
no JSAPI payment inside WeChat, and no subscribe notifications) when the setting is empty.

The real adapter (api.py, "wechat") is registered on import. The local stack and the tests
register their simulator (infra/local/wechat_outbox.py) and select it in their environment. The
cloud template accepts only the real adapter's name (or none).
"""

from __future__ import annotations

from collections.abc import Callable

from zhtj.core import settings
from zhtj.integrations.wechat.base import OfficialAccount, WechatNotConfigured

Factory = Callable[[], OfficialAccount]


def _wechat() -> OfficialAccount:
    from zhtj.integrations.wechat import api, config

    return api.shared(config.wechat())


REAL_ADAPTERS: dict[str, Factory] = {"wechat": _wechat}

_registered: dict[str, Factory] = dict(REAL_ADAPTERS)


def register(name: str, factory: Factory) -> None:
    _registered[name] = factory


def unregister(name: str) -> None:
    if name not in REAL_ADAPTERS:
        _registered.pop(name, None)


def enabled() -> bool:
    """Whether this deployment has the official account."""
    return bool(settings.wechat_provider())


def official_account() -> OfficialAccount:
    """The configured adapter. WechatNotConfigured when there is none or it is not registered here."""
    name = settings.wechat_provider()
    if not name:
        raise WechatNotConfigured(f"no WeChat official account ({settings.WECHAT_PROVIDER_ENV} is empty)")
    factory = _registered.get(name)
    if factory is None:
        raise WechatNotConfigured(f"WeChat adapter {name!r} is not registered here")
    return factory()
