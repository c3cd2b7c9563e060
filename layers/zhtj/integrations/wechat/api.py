"""The official account's adapter over WeChat's API, over HTTPS (urllib: no SDK).

- The web authorization (网页授权, snsapi_base: silent, no consent page), as WeChat documents it:
  the browser (inside WeChat) is sent to
  https://open.weixin.qq.com/connect/oauth2/authorize?appid=…&redirect_uri=<encoded>&response_type=code&scope=snsapi_base&state=…#wechat_redirect
  (the parameters in that order) and comes back to redirect_uri?code=…&state=…; the code (good
  once, for 5 minutes) is exchanged with the AppSecret:
  GET sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code
  → {access_token, expires_in, refresh_token, openid, scope}; 40029 (invalid), 40163 (used),
  41008 (missing) → WechatRefused (`bad_code`); a refused appid or AppSecret → WechatNotConfigured.
- The access token: POST cgi-bin/stable_token {grant_type: client_credential, appid, secret,
  force_refresh} → {access_token, expires_in}. The stable token is the same for every caller
  until it expires (a call does not invalidate the tokens other processes hold); each process
  keeps it until a minute before `expires_in`.
- The JS-SDK's ticket: GET cgi-bin/ticket/getticket?access_token=…&type=jsapi → {errcode: 0,
  ticket, expires_in}; calls are few per day, so each process keeps it until a minute before
  `expires_in`, like the token (40001/40014/42001 fetch the token again once).
- A subscribe notification (订阅通知, the official account's: sendNewSubscribeMsg):
  POST cgi-bin/message/subscribe/bizsend?access_token=… {touser: openid, template_id, page: the
  web page a tap opens, data: {thing1: {value}, …}} → {errcode: 0, errmsg: "ok", msgid}. Not
  cgi-bin/message/subscribe/send: that is the mini program's (its page a mini-program path, its
  miniprogram_state and lang), and this app is an official account's H5 page. errcode 43101 (the
  person has not subscribed, or used up a one-time subscription) → WechatRefused, never retried;
  40003 (a bad openid), 40037 (a bad template), 47003 (a field refused) → WechatRefused; 40001,
  40014, 42001 (the token is invalid or expired, e.g. refreshed elsewhere with force_refresh) →
  the token is fetched again once (force_refresh) and the message sent once more; -1 (system
  busy) or no answer → TimeoutError (the queue retries).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from zhtj.integrations.wechat.base import SCOPE, WechatNotConfigured, WechatRefused, field_value
from zhtj.integrations.wechat.config import TIMEOUT_SECONDS, WechatConfig

NAME = "wechat"
AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
SEND_PATH = "cgi-bin/message/subscribe/bizsend"
TICKET_PATH = "cgi-bin/ticket/getticket"
TOKEN_INVALID = frozenset({40001, 40014, 42001})
SYSTEM_BUSY = -1
# The application's credentials or the server's address are refused: nothing a retry cures.
CREDENTIALS_REFUSED = frozenset({40013, 40125, 40164, 41002, 41004})
TOKEN_MARGIN_SECONDS = 60

# (method, url, JSON body or None) -> (HTTP status, body). urllib in the cloud; tests pass their own.
Transport = Callable[[str, str, bytes | None], tuple[int, bytes]]


def https(method: str, url: str, body: bytes | None) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url, data=body, method=method, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            return int(answer.status), answer.read()
    except urllib.error.HTTPError as answer:
        return int(answer.code), answer.read()
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise TimeoutError(f"WeChat did not answer: {error}") from error


class WechatApi:
    """The OfficialAccount over WeChat's API."""

    def __init__(self, config: WechatConfig, transport: Transport = https) -> None:
        self.config = config
        self._transport = transport
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_until = 0.0
        self._ticket: str | None = None
        self._ticket_until = 0.0

    @property
    def appid(self) -> str:
        return self.config.appid

    def template_ids(self) -> list[str]:
        return sorted({template.template_id for template in self.config.templates.values()})

    def kinds(self) -> frozenset[str]:
        return frozenset(self.config.templates)

    # --- calls ---

    def _call(self, method: str, path: str, query: dict[str, str], body: dict[str, Any] | None) -> dict[str, Any]:
        url = f"{self.config.endpoint}/{path}" + (f"?{urlencode(query)}" if query else "")
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        status, raw = self._transport(method, url, payload)
        if status >= 500:
            raise TimeoutError(f"WeChat failed: HTTP {status}")
        try:
            answer = json.loads(raw.decode("utf-8"))
        except ValueError as error:
            raise TimeoutError(f"WeChat answered HTTP {status} without JSON") from error
        if not isinstance(answer, dict):
            raise TimeoutError("WeChat answered without a JSON object")
        if int(answer.get("errcode") or 0) == SYSTEM_BUSY:
            raise TimeoutError(f"WeChat is busy: {answer.get('errmsg')}")
        return answer

    def access_token(self, force_refresh: bool = False) -> str:
        """The stable access token, fetched when this process has none, it is about to expire,
        or WeChat said it is invalid (`force_refresh`)."""
        with self._lock:
            if not force_refresh and self._token and time.monotonic() < self._token_until:
                return self._token
            body = {
                "grant_type": "client_credential",
                "appid": self.config.appid,
                "secret": self.config.secret,
                "force_refresh": force_refresh,
            }
            answer = self._call("POST", "cgi-bin/stable_token", {}, body)
            errcode = int(answer.get("errcode") or 0)
            if errcode in CREDENTIALS_REFUSED:
                raise WechatNotConfigured(f"WeChat refused the application's credentials: {errcode} {answer}")
            if errcode or not answer.get("access_token"):
                raise WechatRefused(errcode, str(answer.get("errmsg") or "no access_token"))
            self._token = str(answer["access_token"])
            expires_in = int(answer.get("expires_in") or 7200)
            self._token_until = time.monotonic() + max(0, expires_in - TOKEN_MARGIN_SECONDS)
            return self._token

    def jsapi_ticket(self) -> str:
        """The JS-SDK's jsapi_ticket, fetched when this process has none or it is about to expire."""
        if self._ticket and time.monotonic() < self._ticket_until:
            return self._ticket
        token = self.access_token()
        for attempt in range(2):
            answer = self._call("GET", TICKET_PATH, {"access_token": token, "type": "jsapi"}, None)
            errcode = int(answer.get("errcode") or 0)
            if errcode in TOKEN_INVALID and attempt == 0:
                token = self.access_token(force_refresh=True)
                continue
            if errcode or not answer.get("ticket"):
                raise WechatRefused(errcode, str(answer.get("errmsg") or "no ticket"))
            with self._lock:
                self._ticket = str(answer["ticket"])
                expires_in = int(answer.get("expires_in") or 7200)
                self._ticket_until = time.monotonic() + max(0, expires_in - TOKEN_MARGIN_SECONDS)
                return self._ticket
        raise AssertionError("unreachable")

    def message(self, openid: str, kind: str, values: dict[str, str]) -> dict[str, Any]:
        """bizsend's body: the template of `kind`, its fields filled from `values`, the page."""
        template = self.config.templates.get(kind)
        if template is None:
            raise WechatRefused(0, f"no WeChat template for {kind}")
        data = {field: {"value": field_value(field, values.get(name, ""))} for field, name in template.data.items()}
        return {"touser": openid, "template_id": template.template_id, "page": self.config.page_url(), "data": data}

    def send(self, openid: str, kind: str, values: dict[str, str]) -> str:
        body = self.message(openid, kind, values)
        token = self.access_token()
        for attempt in range(2):
            answer = self._call("POST", SEND_PATH, {"access_token": token}, body)
            errcode = int(answer.get("errcode") or 0)
            if errcode == 0:
                return str(answer.get("msgid") or "")
            if errcode in TOKEN_INVALID and attempt == 0:
                token = self.access_token(force_refresh=True)
                continue
            raise WechatRefused(errcode, str(answer.get("errmsg") or ""))
        raise AssertionError("unreachable")

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        query = {
            "appid": self.config.appid,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": SCOPE,
            "state": state,
        }
        return f"{AUTHORIZE_URL}?{urlencode(query)}#wechat_redirect"

    def openid_for(self, code: str) -> str:
        query = {
            "appid": self.config.appid,
            "secret": self.config.secret,
            "code": code,
            "grant_type": "authorization_code",
        }
        answer = self._call("GET", "sns/oauth2/access_token", query, None)
        errcode = int(answer.get("errcode") or 0)
        if errcode in CREDENTIALS_REFUSED:
            raise WechatNotConfigured(f"WeChat refused the application's credentials: {errcode} {answer}")
        if errcode or not answer.get("openid"):
            raise WechatRefused(errcode, str(answer.get("errmsg") or "no openid"))
        return str(answer["openid"])


_shared: dict[str, WechatApi] = {}
_shared_lock = threading.Lock()


def shared(config: WechatConfig) -> WechatApi:
    """The process's adapter for this application (its access token kept between calls)."""
    with _shared_lock:
        found = _shared.get(config.appid)
        if found is None or found.config != config:
            found = _shared[config.appid] = WechatApi(config)
        return found
