"""The SMS outbox on the local stack (`./dev up`): `GET /dev/sms-outbox?phone=` on the API's
port lists what the app "sent" (infra/local/sms_outbox.py), newest first; it is the stack's
own path, never a route of the app (the cloud has no such thing)."""

from __future__ import annotations

import pytest
import requests

from tests.support.stack import RunningStack

pytestmark = pytest.mark.e2e

PHONE = "13700137000"


def test_the_outbox_answers_json_on_the_api_port_and_is_no_route_of_the_app(stack: RunningStack) -> None:
    # When the outbox is read for a phone nothing was sent to
    response = requests.get(f"{stack.api_url}/dev/sms-outbox", params={"phone": PHONE}, timeout=10)
    # Then it answers an empty list, as JSON
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"messages": []}
    # And the app's own document does not know the path (the stack serves it, not Chalice)
    paths = requests.get(f"{stack.api_url}/openapi.json", timeout=10).json()["paths"]
    assert not [path for path in paths if path.startswith("/dev/sms")]
    # And a bad phone or a write is refused in the API's {code, message, field} shape
    bad = requests.get(f"{stack.api_url}/dev/sms-outbox", params={"phone": "12345"}, timeout=10)
    assert (bad.status_code, bad.json()["field"]) == (400, "phone")
    written = requests.post(f"{stack.api_url}/dev/sms-outbox", json={}, timeout=10)
    assert written.status_code == 405 and written.json()["code"] == "METHOD_NOT_ALLOWED"


def test_a_code_sent_by_the_app_is_read_from_the_outbox(stack: RunningStack) -> None:
    # Given the sign-in route that sends codes (issue 14: POST /auth/sms-codes)
    paths = requests.get(f"{stack.api_url}/openapi.json", timeout=10).json()["paths"]
    if "/auth/sms-codes" not in paths:
        pytest.skip("POST /auth/sms-codes is not served yet (the sign-in routes of issue 14)")
    # When a sign-up code is asked for a phone
    asked = requests.post(
        f"{stack.api_url}/auth/sms-codes", json={"phone": "13600136000", "purpose": "sign_up"}, timeout=10
    )
    assert asked.status_code in (200, 202, 204), asked.text
    # Then the outbox holds it, newest first, with its code and the text a member reads
    messages = requests.get(f"{stack.api_url}/dev/sms-outbox", params={"phone": "+8613600136000"}, timeout=10).json()[
        "messages"
    ]
    assert messages and messages[0]["template"] == "VERIFICATION_CODE"
    code = messages[0]["params"]["code"]
    assert code.isdigit() and code in messages[0]["text"] and messages[0]["phone"] == "13600136000"
