"""GET /wechat/js-config (MSG-1): a page of the members' app inside WeChat gets wx.config's
signature (the JS-SDK's, over the official account's jsapi_ticket; here the simulator's) and the
subscribe button's template ids; a page that is not the app's is refused, and without an official
account the route answers WECHAT_CHANNEL_OFF. Each test reads Given / When / Then."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from infra.local import wechat_outbox
from tests.support import World, call
from tests.support.http import member_headers
from zhtj.core.settings import WECHAT_PROVIDER_ENV, public_api_url
from zhtj.integrations.wechat.base import js_signature


def js_config(client: Any, headers: dict[str, str], url: str) -> tuple[int, Any]:
    return call(client, "GET", f"/wechat/js-config?url={quote(url, safe='')}", headers)


def test_msg_1_wechat_js_config_signs_the_app_page_without_its_fragment(client: Any, world: World) -> None:
    # Given a member signed in, on the app's messages page inside WeChat
    headers = member_headers(world, world.members["huajing"][0])
    page = public_api_url() + "/m/messages?tab=prefs"
    # When the page asks for its JS-SDK configuration (with a fragment in its address)
    status, answer = js_config(client, headers, page + "#top")
    # Then the signature is the JS-SDK's over the ticket, the nonce, the timestamp and the page
    # without its fragment, for the official account, with a template per kind
    assert status == 200, answer
    assert answer["appid"] == wechat_outbox.APPID
    expected = js_signature(wechat_outbox.JSAPI_TICKET, answer["nonce_str"], answer["timestamp"], page)
    assert answer["signature"] == expected and len(expected) == 40
    assert answer["template_ids"] and all(t.startswith("sim-") for t in answer["template_ids"])
    # And each call has its own nonce
    assert js_config(client, headers, page)[1]["nonce_str"] != answer["nonce_str"]


def test_msg_1_wechat_js_config_only_for_the_apps_pages_and_an_official_account(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = member_headers(world, world.members["huajing"][0])
    # When a page that is not the members' app asks
    for elsewhere in ("https://evil.example/m/", public_api_url() + "/console/"):
        status, answer = js_config(client, headers, elsewhere)
        # Then it is refused beside url
        assert (status, answer["code"], answer["field"]) == (400, "JS_CONFIG_URL_NOT_ALLOWED", "url")
    # And without a session nothing is answered
    assert js_config(client, {}, public_api_url() + "/m/")[0] == 401

    # Given WeChat not giving a ticket
    def silent(self: Any) -> str:
        raise TimeoutError("no answer")

    with monkeypatch.context() as patched:
        patched.setattr(wechat_outbox.Outbox, "jsapi_ticket", silent)
        # When the page asks, Then it is told to try again
        status, answer = js_config(client, headers, public_api_url() + "/m/messages")
        assert (status, answer["code"]) == (409, "WECHAT_UNAVAILABLE")
    # When the deployment has no official account
    monkeypatch.setenv(WECHAT_PROVIDER_ENV, "")
    # Then the route answers WECHAT_CHANNEL_OFF
    status, answer = js_config(client, headers, public_api_url() + "/m/messages")
    assert (status, answer["code"]) == (409, "WECHAT_CHANNEL_OFF")
