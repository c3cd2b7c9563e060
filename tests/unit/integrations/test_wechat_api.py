"""The official account's adapter (WEB-1, MSG-1) against WeChat's documented requests and answers,
through an intercepted transport: the web authorization's address and its code exchange, the
stable token fetched once and kept, the subscribe notification's body (bizsend, the official
account's), 43101 never retried, an invalid token refreshed once, busy or silent WeChat a
TimeoutError. Each test reads Given / When / Then."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

from zhtj.core.settings import APP_ORIGIN_ENV
from zhtj.integrations.wechat.api import AUTHORIZE_URL, WechatApi
from zhtj.integrations.wechat.base import WechatNotConfigured, WechatRefused, field_value, js_signature
from zhtj.integrations.wechat.config import wechat_config

SECRET = {
    "appid": "wx1234567890abcdef",
    "secret": "s3cret",
    "templates": {
        "TRANSFER_STEP_WAITING": {"id": "tpl-waiting", "data": {"thing1": "title", "thing2": "text", "time3": "at"}}
    },
    "page": "https://zhtj.example/m/messages",
}
VALUES = {
    "title": "有待审批的组织关系转接",
    "text": "团员张三的组织关系转接等待本组织审批，请在12月08日 18:00前处理。",
    "at": "2026-12-05 12:00",
}


@dataclass
class FakeWechat:
    """WeChat's side: answers stable_token, subscribe/bizsend and sns/oauth2 as documented; the
    answers of bizsend are taken in turn from `sends`. Any other path is not found."""

    sends: list[dict[str, Any]] = field(default_factory=lambda: [{"errcode": 0, "errmsg": "ok", "msgid": 42}])
    calls: list[tuple[str, str, dict[str, Any] | None]] = field(default_factory=list)
    exchanged: list[str] = field(default_factory=list)  # the code exchanges' URLs
    tokens: int = 0
    tickets: list[dict[str, Any]] = field(default_factory=list)  # getticket's answers in turn
    token_answer: Callable[[], dict[str, Any]] | None = None

    def __call__(self, method: str, url: str, body: bytes | None) -> tuple[int, bytes]:
        parts = urlsplit(url)
        payload = json.loads(body) if body else None
        self.calls.append((method, parts.path, payload))
        if parts.path == "/cgi-bin/stable_token":
            if self.token_answer is not None:
                return 200, json.dumps(self.token_answer()).encode()
            self.tokens += 1
            return 200, json.dumps({"access_token": f"token-{self.tokens}", "expires_in": 7200}).encode()
        if parts.path == "/cgi-bin/message/subscribe/bizsend":
            assert parse_qs(parts.query)["access_token"] == [f"token-{self.tokens}"]
            answer = self.sends.pop(0) if len(self.sends) > 1 else self.sends[0]
            return 200, json.dumps(answer).encode()
        if parts.path == "/cgi-bin/ticket/getticket":
            query = parse_qs(parts.query)
            assert query["type"] == ["jsapi"]
            if self.tickets:
                return 200, json.dumps(self.tickets.pop(0)).encode()
            assert query["access_token"] == [f"token-{self.tokens}"]
            return 200, json.dumps({"errcode": 0, "errmsg": "ok", "ticket": "ticket-1", "expires_in": 7200}).encode()
        if parts.path == "/sns/oauth2/access_token":
            self.exchanged.append(url)
            query = parse_qs(parts.query)
            if query["secret"] != [SECRET["secret"]]:
                return 200, json.dumps({"errcode": 40125, "errmsg": "invalid appsecret"}).encode()
            if query["code"] == ["made-up"]:
                return 200, json.dumps({"errcode": 40029, "errmsg": "invalid code"}).encode()
            if query["code"] == ["used"]:
                return 200, json.dumps({"errcode": 40163, "errmsg": "code been used"}).encode()
            return 200, json.dumps(
                {"access_token": "web", "expires_in": 7200, "openid": f"o-{query['code'][0]}"}
            ).encode()
        return 404, b"{}"

    def sent(self) -> list[dict[str, Any]]:
        return [p or {} for m, path, p in self.calls if path == "/cgi-bin/message/subscribe/bizsend"]


def adapter(fake: FakeWechat, **changes: Any) -> WechatApi:
    return WechatApi(wechat_config({**SECRET, **changes}), transport=fake)


def test_msg_1_wechat_a_subscribe_notification_as_bizsend_documents_it_with_one_stable_token() -> None:
    # Given the adapter and WeChat answering ok
    fake = FakeWechat()
    wechat = adapter(fake)
    # When two messages are sent
    assert wechat.send("o-person", "TRANSFER_STEP_WAITING", VALUES) == "42"
    wechat.send("o-person", "TRANSFER_STEP_WAITING", VALUES)
    # Then the token was fetched once (stable_token, client_credential) and kept
    token_calls = [p for m, path, p in fake.calls if path == "/cgi-bin/stable_token"]
    assert token_calls == [
        {"grant_type": "client_credential", "appid": "wx1234567890abcdef", "secret": "s3cret", "force_refresh": False}
    ]
    # And it went to the official account's subscribe/bizsend (never the mini program's …/send),
    # with exactly bizsend's body: the person, the template, the web page a tap opens, each
    # field's {"value"} within its type's limit (no mini-program state, no lang)
    assert [path for m, path, p in fake.calls][-1] == "/cgi-bin/message/subscribe/bizsend"
    body = fake.sent()[0]
    assert set(body) == {"touser", "template_id", "page", "data"}
    assert body["touser"] == "o-person" and body["template_id"] == "tpl-waiting"
    assert body["page"] == "https://zhtj.example/m/messages"
    assert body["data"] == {
        "thing1": {"value": "有待审批的组织关系转接"},
        "thing2": {"value": VALUES["text"][:19] + "…"},
        "time3": {"value": "2026-12-05 12:00"},
    }


def test_msg_1_wechat_a_tap_opens_the_members_apps_messages_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a secret naming no page, the apps served at their own origin
    monkeypatch.setenv(APP_ORIGIN_ENV, "https://tuan.example.cn")
    fake = FakeWechat()
    secret = {k: v for k, v in SECRET.items() if k != "page"}
    # When a notification is sent
    WechatApi(wechat_config(secret), transport=fake).send("o-person", "TRANSFER_STEP_WAITING", VALUES)
    # Then a tap opens the members' app's messages page
    assert fake.sent()[0]["page"] == "https://tuan.example.cn/m/messages"


def test_msg_1_wechat_a_person_who_did_not_subscribe_is_refused_and_not_retried() -> None:
    # Given WeChat answering 43101 (the person refused the subscription)
    fake = FakeWechat(sends=[{"errcode": 43101, "errmsg": "user refuse to accept the msg"}])
    # When a message is sent
    with pytest.raises(WechatRefused) as refused:
        adapter(fake).send("o-person", "TRANSFER_STEP_WAITING", VALUES)
    # Then it is refused as the person's choice, after one call only
    assert refused.value.user_refused and refused.value.errcode == 43101
    assert len(fake.sent()) == 1


@pytest.mark.parametrize("errcode", [40001, 42001, 40014])
def test_msg_1_wechat_an_invalid_token_is_refreshed_once_and_the_message_sent_again(errcode: int) -> None:
    # Given WeChat saying the token is invalid (refreshed elsewhere, expired), then ok
    fake = FakeWechat(sends=[{"errcode": errcode, "errmsg": "invalid credential"}, {"errcode": 0, "msgid": 7}])
    # When a message is sent
    msgid = adapter(fake).send("o-person", "TRANSFER_STEP_WAITING", VALUES)
    # Then the token was fetched again with force_refresh and the message sent once more
    assert msgid == "7"
    refreshes = [p["force_refresh"] for m, path, p in fake.calls if path == "/cgi-bin/stable_token" and p]
    assert refreshes == [False, True]
    assert len(fake.sent()) == 2


def test_msg_1_wechat_a_token_invalid_twice_is_refused_after_one_refresh() -> None:
    # Given WeChat refusing every token
    fake = FakeWechat(sends=[{"errcode": 40001, "errmsg": "invalid credential"}])
    # When a message is sent
    with pytest.raises(WechatRefused) as refused:
        adapter(fake).send("o-person", "TRANSFER_STEP_WAITING", VALUES)
    # Then one refresh, two sends, and the refusal
    assert refused.value.errcode == 40001 and len(fake.sent()) == 2


def test_msg_1_wechat_busy_or_silent_is_a_timeout_worth_a_retry() -> None:
    # Given WeChat busy (-1), then a transport that gets no answer
    busy = FakeWechat(sends=[{"errcode": -1, "errmsg": "system error"}])
    with pytest.raises(TimeoutError):
        adapter(busy).send("o-person", "TRANSFER_STEP_WAITING", VALUES)

    def silent(method: str, url: str, body: bytes | None) -> tuple[int, bytes]:
        raise TimeoutError("no answer")

    # When / Then the silent one raises TimeoutError too, and an HTTP 502 likewise
    with pytest.raises(TimeoutError):
        WechatApi(wechat_config(SECRET), transport=silent).send("o-person", "TRANSFER_STEP_WAITING", VALUES)
    with pytest.raises(TimeoutError):
        WechatApi(wechat_config(SECRET), transport=lambda m, u, b: (502, b"bad gateway")).access_token()


def test_msg_1_wechat_refused_credentials_are_a_deployment_error() -> None:
    # Given WeChat refusing the appsecret (40125)
    fake = FakeWechat(token_answer=lambda: {"errcode": 40125, "errmsg": "invalid appsecret"})
    # When / Then
    with pytest.raises(WechatNotConfigured):
        adapter(fake).send("o-person", "TRANSFER_STEP_WAITING", VALUES)


def test_web_1_msg_1_wechat_the_web_authorization_as_documented_and_its_code_exchanged() -> None:
    # Given the adapter
    fake = FakeWechat()
    wechat = adapter(fake)
    # When the app asks where to send the browser
    url = wechat.authorize_url("https://zhtj.example/m/dues?back=1", "s1")
    # Then it is WeChat's address, the parameters in WeChat's order, silent (snsapi_base), #wechat_redirect
    parts = urlsplit(url)
    assert url.startswith(AUTHORIZE_URL + "?appid=") and parts.fragment == "wechat_redirect"
    assert parse_qsl(parts.query) == [
        ("appid", "wx1234567890abcdef"),
        ("redirect_uri", "https://zhtj.example/m/dues?back=1"),
        ("response_type", "code"),
        ("scope", "snsapi_base"),
        ("state", "s1"),
    ]
    # When a code WeChat brought back is exchanged
    assert wechat.openid_for("abc") == "o-abc"
    method, path, _ = fake.calls[-1]
    # Then with the AppSecret, as authorization_code
    assert (method, path) == ("GET", "/sns/oauth2/access_token")
    query = dict(parse_qsl(urlsplit(fake.exchanged[-1]).query))
    assert query == {
        "appid": "wx1234567890abcdef",
        "secret": "s3cret",
        "code": "abc",
        "grant_type": "authorization_code",
    }
    # And a made-up or used code is refused as a bad code, with WeChat's errcode
    for code, errcode in (("made-up", 40029), ("used", 40163)):
        with pytest.raises(WechatRefused) as refused:
            wechat.openid_for(code)
        assert refused.value.errcode == errcode and refused.value.bad_code and not refused.value.user_refused
    # And a refused AppSecret is the deployment's matter, not the person's code
    with pytest.raises(WechatNotConfigured):
        adapter(fake, secret="wrong").openid_for("abc")


def test_msg_1_wechat_field_values_are_cut_to_their_types_limits() -> None:
    # Given / When / Then: thing 20, phrase 5, name 10; time fields as given
    assert field_value("thing1", "一" * 25) == "一" * 19 + "…"
    assert field_value("phrase2", "已审核通过了") == "已审核通…"
    assert field_value("name3", "欧阳" * 3) == "欧阳" * 3
    assert field_value("time4", "2026-12-05 12:00") == "2026-12-05 12:00"


def test_msg_1_wechat_js_signature_matches_the_js_sdk_documents_example() -> None:
    # Given the example of WeChat's JS-SDK documentation (附录1-JS-SDK使用权限签名算法)
    ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
    # When it is signed (the page's fragment is not signed)
    signature = js_signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value#x")
    # Then the signature is the documented one
    assert signature == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"


def test_msg_1_wechat_the_jsapi_ticket_is_fetched_once_and_kept() -> None:
    # Given the adapter
    fake = FakeWechat()
    api = adapter(fake)
    # When the ticket is asked for twice
    first, second = api.jsapi_ticket(), api.jsapi_ticket()
    # Then WeChat was asked once, with the access token, and the template ids are the config's
    assert first == second == "ticket-1"
    assert [path for _, path, _ in fake.calls] == ["/cgi-bin/stable_token", "/cgi-bin/ticket/getticket"]
    assert api.appid == SECRET["appid"] and api.template_ids() == ["tpl-waiting"]


def test_msg_1_wechat_the_ticket_refreshes_an_invalid_token_once_then_refuses() -> None:
    # Given WeChat calling the token invalid, then answering a ticket
    fake = FakeWechat(tickets=[{"errcode": 40001, "errmsg": "invalid credential"}])
    # When the ticket is asked for, Then the token is fetched again once and the ticket given
    assert adapter(fake).jsapi_ticket() == "ticket-1"
    assert fake.tokens == 2
    # Given WeChat refusing the ticket outright
    refusing = FakeWechat(tickets=[{"errcode": 40164, "errmsg": "invalid ip"}])
    # When the ticket is asked for, Then it is refused (no ticket kept)
    with pytest.raises(WechatRefused):
        adapter(refusing).jsapi_ticket()
