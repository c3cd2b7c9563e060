"""The WeChat simulator's outbox on the local stack (`./dev up`): `GET /dev/wechat-outbox?openid=`
on the API's port lists what the app "sent" as WeChat subscribe messages
(infra/local/wechat_outbox.py), newest first; the stack's own path, never a route of the app."""

from __future__ import annotations

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
