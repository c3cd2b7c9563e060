"""The WeChat official account's simulator on the local stack (`./dev up`,
infra/local/wechat_outbox.py): `GET /dev/wechat-outbox?openid=` on the API's port lists what the
app "sent" as subscribe notifications, newest first; `GET /dev/wechat-authorize` is WeChat's web
authorization, coming straight back with a code the app binds. The stack's own paths, never
routes of the app."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support.stack import RunningStack

pytestmark = pytest.mark.e2e


def test_msg_1_wechat_the_outbox_answers_json_on_the_api_port_and_is_no_route_of_the_app(stack: RunningStack) -> None:
    # When the outbox is read for an openid nothing was sent to
    response = requests.get(f"{stack.api_url}/dev/wechat-outbox", params={"openid": "oSIMnobody"}, timeout=10)
    # Then it answers an empty list, as JSON
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"messages": []}
    # And the app's own document does not know the path; a write is refused in the API's shape
    paths = requests.get(f"{stack.api_url}/openapi.json", timeout=10).json()["paths"]
    assert not [path for path in paths if path.startswith("/dev/wechat")]
    written = requests.post(f"{stack.api_url}/dev/wechat-outbox", json={}, timeout=10)
    assert written.status_code == 405 and written.json()["code"] == "METHOD_NOT_ALLOWED"


def test_web_1_wechat_the_authorization_page_comes_back_with_a_code_the_app_binds(stack: RunningStack) -> None:
    # Given the demo member signed in, the app opened inside WeChat
    assert stack.demo is not None
    headers = {"Authorization": f"Bearer {stack.demo['member']}"}
    page = f"{stack.api_url}/m/dues"
    found = requests.get(
        f"{stack.api_url}/wechat/authorize-url", params={"redirect_uri": page}, headers=headers, timeout=10
    )
    assert found.status_code == 200, found.text
    # When the browser opens the authorization address (on the stack's own port)
    assert found.json()["url"].startswith(f"{stack.api_url}/dev/wechat-authorize?")
    back = requests.get(found.json()["url"].split("#")[0], allow_redirects=False, timeout=10)
    # Then it is sent straight back to the page with a code and the state
    assert back.status_code == 302, back.text
    location = urlsplit(back.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == page
    query = parse_qs(location.query)
    assert query["state"] == [found.json()["state"]]
    # And the app binds the code once
    bound = requests.put(
        f"{stack.api_url}/me/wechat-openid", json={"code": query["code"][0]}, headers=headers, timeout=10
    )
    assert (bound.status_code, bound.json()) == (200, {"bound": True})
    again = requests.put(
        f"{stack.api_url}/me/wechat-openid", json={"code": query["code"][0]}, headers=headers, timeout=10
    )
    assert (again.status_code, again.json()["code"]) == (400, "WECHAT_CODE_INVALID")
    # And a page WeChat would refuse (another appid) says so
    refused = requests.get(f"{stack.api_url}/dev/wechat-authorize", params={"appid": "wxother"}, timeout=10)
    assert refused.status_code == 400 and "appid" in refused.text
