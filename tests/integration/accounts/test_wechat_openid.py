"""WEB-1 / MSG-1: the person's openid under the league's WeChat official account, bound once as
the members' app enters inside WeChat (GET /wechat/authorize-url → WeChat's silent authorization
→ back with a code → PUT /me/wechat-openid) and kept on their account, whether they sign in as a
member or as a cadre; both the JSAPI payment (tests/integration/dues/test_dues_mobile.py) and the
WeChat notifications (tests/integration/messages/test_wechat.py) read it there. Each test reads
Given / When / Then."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote, urlsplit

import pytest

from infra.local import wechat_outbox
from tests.support import World, call, wechat
from tests.support.http import member_headers
from zhtj.accounts import wechat as account_wechat
from zhtj.accounts.models import Account
from zhtj.core.settings import WECHAT_PROVIDER_ENV, public_api_url
from zhtj.table import keys
from zhtj.table.audit_record import AuditRecord


def app_page(path: str = "/m/") -> str:
    return public_api_url() + path


def authorize(client: Any, headers: dict[str, str], redirect_uri: str) -> tuple[int, Any]:
    return call(client, "GET", f"/wechat/authorize-url?redirect_uri={quote(redirect_uri, safe='')}", headers)


def test_web_1_msg_1_a_member_entering_inside_wechat_binds_the_openid_once(client: Any, world: World) -> None:
    # Given a member signed in, the app opened inside WeChat on its dues page
    member_id = world.members["huajing"][0]
    account_id = world.member_accounts[member_id]
    headers = member_headers(world, member_id)
    # When the app asks where to send the browser
    status, answer = authorize(client, headers, app_page("/m/dues"))
    # Then it is WeChat's silent authorization (snsapi_base) coming back to that page, with a state
    assert status == 200, answer
    parts = urlsplit(answer["url"])
    assert parts.fragment == "wechat_redirect"
    query = parse_qsl(parts.query)
    assert [k for k, _ in query] == ["appid", "redirect_uri", "response_type", "scope", "state"]
    assert dict(query)["scope"] == "snsapi_base" and dict(query)["redirect_uri"] == app_page("/m/dues")
    assert dict(query)["state"] == answer["state"]
    # When WeChat sends the browser back with a code and the app hands the code over
    back = urlsplit(wechat_outbox.authorize(answer["url"], user="huajing-0"))
    assert back.path == "/m/dues" and parse_qs(back.query)["state"] == [answer["state"]]
    code = parse_qs(back.query)["code"][0]
    status, bound = call(client, "PUT", "/me/wechat-openid", headers, {"code": code})
    # Then the member's account holds that WeChat user's openid, audited without it
    assert (status, bound) == (200, {"bound": True})
    openid = wechat_outbox.openid_of_user("huajing-0")
    assert account_wechat.openid_of(account_id) == openid
    [record] = [a for a in AuditRecord.query(keys.audit_pk("ACCOUNT", account_id)) if a.action == "account.wechat_bind"]
    assert openid not in str(record.after) and openid not in str(record.before)
    # And the same code is good once
    status, again = call(client, "PUT", "/me/wechat-openid", headers, {"code": code})
    assert (status, again["code"], again["field"]) == (400, "WECHAT_CODE_INVALID", "code")
    assert account_wechat.openid_of(account_id) == openid


def test_web_1_msg_1_a_cadre_session_binds_its_own_account(client: Any, world: World) -> None:
    # Given Tianhe's administrator, acting for Tianhe, inside WeChat
    headers = world.headers("tianhe")
    # When the app binds WeChat
    openid = wechat.enter_inside_wechat(client, headers, user="tianhe-admin")
    # Then the openid is on the administrator's own account, nobody else's
    assert Account.get(keys.account_pk(world.admins["tianhe"]), keys.META).wechat_openid == openid
    assert account_wechat.openid_of(world.admins["gz"]) is None
    # When the same person opens the app from another WeChat (another phone)
    other = wechat.enter_inside_wechat(client, headers, user="tianhe-admin-new-phone")
    # Then the account holds the newer openid
    assert other != openid and account_wechat.openid_of(world.admins["tianhe"]) == other


def test_web_1_msg_1_a_bad_code_and_a_way_back_off_the_app_are_refused(client: Any, world: World) -> None:
    # Given a member signed in
    member_id = world.members["huajing"][0]
    headers = member_headers(world, member_id)
    # When the app hands over a code WeChat refuses
    status, answer = call(client, "PUT", "/me/wechat-openid", headers, {"code": "bad-expired"})
    # Then it is refused beside the code, and nothing is bound
    assert (status, answer["code"], answer["field"]) == (400, "WECHAT_CODE_INVALID", "code")
    assert "重新进入" in answer["message"]
    assert account_wechat.openid_of(world.member_accounts[member_id]) is None
    # When an authorization would come back to a page that is not the app's
    for elsewhere in ("https://evil.example/m/", app_page("/console/"), app_page("/m/").replace("://", "://u@")):
        status, answer = authorize(client, headers, elsewhere)
        # Then it is refused beside redirect_uri (no open redirect)
        assert (status, answer["code"], answer["field"]) == (400, "RETURN_URL_NOT_ALLOWED", "redirect_uri")
    # And without a session nothing is answered
    assert authorize(client, {}, app_page())[0] == 401


def test_web_1_msg_1_wechat_silent_or_absent_is_a_clear_conflict(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a member signed in, and WeChat not answering the code exchange
    headers = member_headers(world, world.members["huajing"][0])

    def silent(self: Any, code: str) -> str:
        raise TimeoutError("no answer")

    with monkeypatch.context() as patched:
        patched.setattr(wechat_outbox.Outbox, "openid_for", silent)
        # When the app hands a code over
        status, answer = call(client, "PUT", "/me/wechat-openid", headers, {"code": "code-silent"})
    # Then it is told to try again
    assert (status, answer["code"]) == (409, "WECHAT_UNAVAILABLE")
    # When the deployment has no official account
    monkeypatch.setenv(WECHAT_PROVIDER_ENV, "")
    # Then neither route does anything
    status, answer = authorize(client, headers, app_page())
    assert (status, answer["code"]) == (409, "WECHAT_CHANNEL_OFF")
    status, answer = call(client, "PUT", "/me/wechat-openid", headers, {"code": "code-off"})
    assert (status, answer["code"]) == (409, "WECHAT_CHANNEL_OFF")
