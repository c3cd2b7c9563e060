"""The provider by name: `provider(name)`, configured from its Secrets Manager secret. The only
module that knows both protocols (whoever needs a provider by name imports this one).

The secret's name comes from zhtj.core.settings.payment_secret_name (ZHTJ_WECHATPAY_SECRET /
ZHTJ_ALIPAY_SECRET, with defaults there). Its SecretString is JSON:

    wechatpay: {"mchid", "appid", "apiv3_key", "merchant_serial", "merchant_private_key",
                "platform_keys": {"<certificate serial or PUB_KEY_ID_…>": "<PEM>", …}, "gateway"?}
               (`appid`: the league's official account, bound to the merchant; its AppSecret is
               in the official account's secret, zhtj.integrations.wechat.config, not here)
    alipay:    {"app_id", "seller_id", "app_private_key", "alipay_public_key", "gateway"?}

In the cloud an operator fills them (docs/deploy.md); locally infra/provision.py stores keys
generated once per process (infra/local/payments_simulator.py local_material): the secret's
`gateway` is what points a provider at the simulator locally; in the cloud the template pins
each provider's gateway (ZHTJ_*_GATEWAY, the provider's own addresses only), which wins. Loaded once per process:
a Lambda container reads each secret on its first notification only. Rotating a platform key
means adding the new serial to `platform_keys` before WeChat starts using it; containers pick
it up when they are recycled — until then the new serial is refused as UnknownSerial, which
WeChat re-sends.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from typing import Any

from zhtj.core.settings import payment_gateway, payment_secret_name
from zhtj.integrations.payments import transport
from zhtj.integrations.payments.alipay import Alipay, AlipayConfig
from zhtj.integrations.payments.base import PROVIDERS, Provider
from zhtj.integrations.payments.wechat import WeChatPay, WeChatPayConfig
from zhtj.table.clients import aws


@lru_cache(maxsize=1)
def _secrets() -> Any:
    return aws("secretsmanager")


def read_secret(provider_name: str) -> dict[str, Any]:
    answer = _secrets().get_secret_value(SecretId=payment_secret_name(provider_name))
    document: dict[str, Any] = json.loads(answer["SecretString"])
    return document


def wechatpay_config(document: dict[str, Any]) -> WeChatPayConfig:
    return WeChatPayConfig(
        mchid=document["mchid"],
        appid=document["appid"],
        apiv3_key=document["apiv3_key"],
        merchant_serial=document["merchant_serial"],
        merchant_private_key=document["merchant_private_key"],
        platform_keys=dict(document["platform_keys"]),
        gateway=payment_gateway("wechatpay") or document.get("gateway") or WeChatPayConfig.gateway,
    )


def alipay_config(document: dict[str, Any]) -> AlipayConfig:
    return AlipayConfig(
        app_id=document["app_id"],
        seller_id=document["seller_id"],
        app_private_key=document["app_private_key"],
        alipay_public_key=document["alipay_public_key"],
        gateway=payment_gateway("alipay") or document.get("gateway") or AlipayConfig.gateway,
    )


_LOAD_LOCK = threading.Lock()


def provider(name: str) -> Provider:
    """The configured provider `name` ("wechatpay" | "alipay"), keys loaded from its secret once
    per process (cached). Loaded under a lock: concurrent first requests (a threaded server)
    would each build a client and read the secret otherwise."""
    with _LOAD_LOCK:
        return _load_provider(name)


@lru_cache(maxsize=len(PROVIDERS))
def _load_provider(name: str) -> Provider:
    if name not in PROVIDERS:
        raise ValueError(f"unknown payment provider {name!r}")
    document = read_secret(name)
    if name == "wechatpay":
        wechat = wechatpay_config(document)
        return WeChatPay(wechat, transport.transport_for(wechat.gateway))
    alipay = alipay_config(document)
    return Alipay(alipay, transport.transport_for(alipay.gateway))


def forget() -> None:
    """Forget loaded providers, the client and in-process gateways (tests switch moto between runs)."""
    _load_provider.cache_clear()
    _secrets.cache_clear()
    transport.forget()
