"""The SMS providers' configuration, from the selected provider's Secrets Manager secret (read
once per process, zhtj.integrations.secrets). The secret's name comes from
zhtj.core.settings.sms_secret_name (ZHTJ_SMS_SECRET; by default zhtj/sms); its SecretString is
the selected provider's JSON (ZHTJ_SMS_PROVIDER names the provider):

    alibaba: {"access_key_id", "access_key_secret", "sign_name",
              "templates": {"VERIFICATION_CODE": "SMS_…", "CADRE_INVITATION": "SMS_…", "NOTICE": "SMS_…"},
              "endpoint"?: "dysmsapi.aliyuncs.com"}
    tencent: {"secret_id", "secret_key", "sdk_app_id", "sign_name",
              "templates": {"VERIFICATION_CODE": "<template id>", …},
              "region"?: "ap-guangzhou", "endpoint"?: "sms.tencentcloudapi.com"}

`templates` maps every zhtj.integrations.sms.base.Template to the id its console approved, with
the parameters in base.PARAMETERS' order. An operator fills the secret (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any

import msgspec

from zhtj.core.settings import sms_secret_name
from zhtj.integrations import secrets
from zhtj.integrations.sms.base import Template

ALIBABA_ENDPOINT = "dysmsapi.aliyuncs.com"
TENCENT_ENDPOINT = "sms.tencentcloudapi.com"
TENCENT_REGION = "ap-guangzhou"
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 5


class AlibabaSmsConfig(msgspec.Struct, frozen=True):
    access_key_id: str
    access_key_secret: str
    sign_name: str
    templates: dict[Template, str]
    endpoint: str = ALIBABA_ENDPOINT


class TencentSmsConfig(msgspec.Struct, frozen=True):
    secret_id: str
    secret_key: str
    sdk_app_id: str
    sign_name: str
    templates: dict[Template, str]
    region: str = TENCENT_REGION
    endpoint: str = TENCENT_ENDPOINT


def templates(document: dict[str, Any]) -> dict[Template, str]:
    """Every Template's approved id; KeyError naming the first one the secret lacks."""
    given = document["templates"]
    missing = [template.value for template in Template if not given.get(template.value)]
    if missing:
        raise KeyError(f"the SMS secret has no template id for {', '.join(missing)}")
    return {template: str(given[template.value]) for template in Template}


def alibaba_config(document: dict[str, Any]) -> AlibabaSmsConfig:
    return AlibabaSmsConfig(
        access_key_id=document["access_key_id"],
        access_key_secret=document["access_key_secret"],
        sign_name=document["sign_name"],
        templates=templates(document),
        endpoint=document.get("endpoint") or ALIBABA_ENDPOINT,
    )


def tencent_config(document: dict[str, Any]) -> TencentSmsConfig:
    return TencentSmsConfig(
        secret_id=document["secret_id"],
        secret_key=document["secret_key"],
        sdk_app_id=str(document["sdk_app_id"]),
        sign_name=document["sign_name"],
        templates=templates(document),
        region=document.get("region") or TENCENT_REGION,
        endpoint=document.get("endpoint") or TENCENT_ENDPOINT,
    )


def alibaba() -> AlibabaSmsConfig:
    """Alibaba Cloud SMS's configuration, from its secret (read once per process)."""
    return alibaba_config(secrets.read_json(sms_secret_name()))


def tencent() -> TencentSmsConfig:
    """Tencent Cloud SMS's configuration, from its secret (read once per process)."""
    return tencent_config(secrets.read_json(sms_secret_name()))
