"""The WeChat application's configuration, from its Secrets Manager secret (read once per
process, zhtj.integrations.secrets). The secret's name comes from
zhtj.core.settings.wechat_secret_name (ZHTJ_WECHAT_SECRET; by default zhtj/wechat); its
SecretString:

    {"appid": "wx…", "secret": "…",
     "templates": {"<notification kind>": {"id": "<template id>",
                                           "data": {"thing1": "title", "time2": "at", …}}, …},
     "api"?: "send" | "bizsend", "page"?: "<page or path opened from the message>",
     "endpoint"?: "https://api.weixin.qq.com"}

`templates` maps each notification kind sent by WeChat (zhtj.messages.rules.Kind's names; a kind
not listed is not sent by WeChat) to the template the console approved and which value fills each
of its fields (integrations/wechat/base.py). `api`: "send" (cgi-bin/message/subscribe/send, the
mini program's subscribe messages; the default) or "bizsend" (cgi-bin/message/subscribe/bizsend,
an official account's). An operator fills the secret (docs/deploy.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zhtj.core.settings import wechat_secret_name
from zhtj.integrations import secrets

ENDPOINT = "https://api.weixin.qq.com"
TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Template:
    template_id: str
    data: dict[str, str]  # field (thing1) -> value name (title)


@dataclass(frozen=True)
class WechatConfig:
    appid: str
    secret: str
    templates: dict[str, Template]
    api: str = "send"
    page: str | None = None
    endpoint: str = ENDPOINT


def wechat_config(document: dict[str, Any]) -> WechatConfig:
    """The configuration of a secret's JSON; KeyError or ValueError naming what is wrong."""
    templates = {
        str(kind): Template(str(spec["id"]), {str(f): str(v) for f, v in dict(spec["data"]).items()})
        for kind, spec in dict(document.get("templates") or {}).items()
    }
    api = str(document.get("api") or "send")
    if api not in ("send", "bizsend"):
        raise ValueError(f"the WeChat secret's api is send or bizsend, not {api!r}")
    return WechatConfig(
        appid=str(document["appid"]),
        secret=str(document["secret"]),
        templates=templates,
        api=api,
        page=document.get("page") or None,
        endpoint=str(document.get("endpoint") or ENDPOINT).rstrip("/"),
    )


def wechat() -> WechatConfig:
    """The application's configuration, from its secret (read once per process)."""
    return wechat_config(secrets.read_json(wechat_secret_name()))
