"""A person's WeChat openid (MSG-1's WeChat channel): the members' app sends the code of an
OAuth snsapi_base redirect; the adapter exchanges it for the openid (sns/oauth2/access_token),
kept on the account (audited, never the openid itself in the record). Subscribe messages then go
to it (zhtj.messages.delivery)."""

from __future__ import annotations

from zhtj.accounts.models import Account
from zhtj.core import clock
from zhtj.core.errors import ConflictError, ValidationError
from zhtj.core.observability import logger
from zhtj.integrations.wechat import registry
from zhtj.integrations.wechat.base import WechatNotConfigured, WechatRefused
from zhtj.table import keys
from zhtj.table.unit_of_work import Actor, UnitOfWork

CHANNEL_OFF = ConflictError("WECHAT_CHANNEL_OFF", "本系统未开通微信通知", None)
BAD_CODE = ValidationError("WECHAT_CODE_INVALID", "微信授权码无效或已使用，请重新授权", "code")
UNAVAILABLE = ConflictError("WECHAT_UNAVAILABLE", "微信服务暂时无法访问，请稍后重试", None)
NO_ACCOUNT = ConflictError("ACCOUNT_GONE", "账号不存在", None)


def bind(account_id: str, code: str) -> str:
    """Exchange `code` for the person's openid and keep it on the account. Returns the openid.
    Raises ConflictError when the channel is off or WeChat does not answer, ValidationError for
    a code WeChat refuses (invalid, expired or used)."""
    if not registry.enabled():
        raise CHANNEL_OFF
    try:
        openid = registry.sender().openid_for(code)
    except WechatNotConfigured as error:
        logger.error("WeChat not configured", extra={"reason": str(error)})
        raise CHANNEL_OFF from error
    except WechatRefused as error:
        logger.info("WeChat code refused", extra={"errcode": error.errcode})
        raise BAD_CODE from error
    except TimeoutError as error:
        raise UNAVAILABLE from error
    uow = UnitOfWork(Actor(account_id=account_id, org_id=None))
    uow.update(
        Account(keys.account_pk(account_id), keys.META),
        [Account.wechat_openid.set(openid)],
        condition=Account.pk.exists(),
        on_fail=NO_ACCOUNT,
        versioned=False,
    )
    uow.audit("account.wechat_bind", "ACCOUNT", account_id, "", after={"wechat": True, "at": clock.now().isoformat()})
    uow.commit()
    return openid
