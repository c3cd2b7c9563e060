"""The real-name providers' configuration, from the selected provider's Secrets Manager secret
(read once per process, zhtj.integrations.secrets). The secret's name comes from
zhtj.core.settings.identity_secret_name (ZHTJ_IDENTITY_SECRET; by default zhtj/identity); its
SecretString is the selected provider's JSON (ZHTJ_IDENTITY_PROVIDER names the provider):

    tencent: {"secret_id", "secret_key", "region"?: "ap-guangzhou", "endpoint"?: "faceid.tencentcloudapi.com"}
    alibaba: {"access_key_id", "access_key_secret", "endpoint"?: "cloudauth.aliyuncs.com"}

An operator fills it (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any

import msgspec

from zhtj.core.settings import identity_secret_name
from zhtj.integrations import secrets

TENCENT_ENDPOINT = "faceid.tencentcloudapi.com"
TENCENT_REGION = "ap-guangzhou"
ALIBABA_ENDPOINT = "cloudauth.aliyuncs.com"
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 5


class TencentIdentityConfig(msgspec.Struct, frozen=True):
    secret_id: str
    secret_key: str
    region: str = TENCENT_REGION
    endpoint: str = TENCENT_ENDPOINT


class AlibabaIdentityConfig(msgspec.Struct, frozen=True):
    access_key_id: str
    access_key_secret: str
    endpoint: str = ALIBABA_ENDPOINT


def tencent_config(document: dict[str, Any]) -> TencentIdentityConfig:
    return TencentIdentityConfig(
        secret_id=document["secret_id"],
        secret_key=document["secret_key"],
        region=document.get("region") or TENCENT_REGION,
        endpoint=document.get("endpoint") or TENCENT_ENDPOINT,
    )


def alibaba_config(document: dict[str, Any]) -> AlibabaIdentityConfig:
    return AlibabaIdentityConfig(
        access_key_id=document["access_key_id"],
        access_key_secret=document["access_key_secret"],
        endpoint=document.get("endpoint") or ALIBABA_ENDPOINT,
    )


def tencent() -> TencentIdentityConfig:
    """Tencent Cloud faceid's configuration, from its secret (read once per process)."""
    return tencent_config(secrets.read_json(identity_secret_name()))


def alibaba() -> AlibabaIdentityConfig:
    """Alibaba Cloud cloudauth's configuration, from its secret (read once per process)."""
    return alibaba_config(secrets.read_json(identity_secret_name()))
