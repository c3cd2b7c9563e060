"""The official account's configuration, from its Secrets Manager secret (read once per process,
zhtj.integrations.secrets): the one place its AppSecret lives. The secret's name comes from
zhtj.core.settings.wechat_secret_name (ZHTJ_WECHAT_SECRET; by default zhtj/wechat); its
SecretString:

    {"appid": "wx…", "secret": "<the official account's AppSecret>",
     "templates": {"<notification kind>": {"id": "<template id>",
                                           "data": {"thing1": "title", "time2": "at", …}}, …},
     "page"?: "<the web page a tap on a notification opens>",
     "endpoint"?: "https://api.weixin.qq.com"}

`appid` is the official account's, the same the WeChat Pay secret names (the merchant's bound
appid: an openid is per appid, so JSAPI takes only this account's openids). `templates` maps
each notification kind sent by WeChat (zhtj.messages.rules.Kind's names; a kind not listed is not
sent by WeChat) to the subscribe-notification template the console approved and which value
fills each of its fields (integrations/wechat/base.py); none: nothing is sent by WeChat, the web
authorization still serves payments. `page`: by default the members' app's messages page
(zhtj.core.settings.app_origin() + /m/messages). An operator fills the secret (docs/deploy.md).
"""

from __future__ import annotations

from typing import Any

import msgspec

from zhtj.core.settings import app_origin, wechat_secret_name
from zhtj.integrations import secrets

ENDPOINT = "https://api.weixin.qq.com"
TIMEOUT_SECONDS = 5
# The members' app's page of messages: what a tap on a notification opens by default.
MESSAGES_PAGE = "/m/messages"


class Template(msgspec.Struct, frozen=True):
    template_id: str
    data: dict[str, str]  # field (thing1) -> value name (title)


class WechatConfig(msgspec.Struct, frozen=True):
    appid: str
    secret: str
    templates: dict[str, Template]
    page: str | None = None
    endpoint: str = ENDPOINT

    def page_url(self) -> str:
        """The web page a tap on a notification opens."""
        return self.page or f"{app_origin()}{MESSAGES_PAGE}"


def wechat_config(document: dict[str, Any]) -> WechatConfig:
    """The configuration of a secret's JSON; KeyError or ValueError naming what is wrong."""
    templates = {
        str(kind): Template(str(spec["id"]), {str(f): str(v) for f, v in dict(spec["data"]).items()})
        for kind, spec in dict(document.get("templates") or {}).items()
    }
    return WechatConfig(
        appid=str(document["appid"]),
        secret=str(document["secret"]),
        templates=templates,
        page=document.get("page") or None,
        endpoint=str(document.get("endpoint") or ENDPOINT).rstrip("/"),
    )


def wechat() -> WechatConfig:
    """The official account's configuration, from its secret (read once per process)."""
    return wechat_config(secrets.read_json(wechat_secret_name()))
