"""SMS in the tests: every test sends to the outbox (infra/local/sms_outbox.py, selected by
tests/conftest.py, emptied around each test); these read it. `intercept_http` answers the HTTP
requests the providers' SDKs make (both send through `requests`), so the real adapters are
tested against their request format without a network."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest, Response

from infra.local import sms_outbox
from infra.local.sms_outbox import SentSms
from zhtj.integrations.sms.base import Template


def outbox(phone: str | None = None) -> list[SentSms]:
    """What was sent in this test (to `phone`), newest first."""
    return sms_outbox.messages(phone)


def last_code(phone: str) -> str:
    """The code of the latest verification SMS sent to `phone`; AssertionError when none was."""
    for sms in sms_outbox.messages(phone):
        if sms.template is Template.VERIFICATION_CODE:
            return sms.params["code"]
    raise AssertionError(f"no verification code was sent to {phone}")


def clear() -> None:
    sms_outbox.clear()


@dataclass
class Intercepted:
    """The requests an SDK made, and how the next ones are answered."""

    requests: list[PreparedRequest] = field(default_factory=list)
    answer: Callable[[PreparedRequest], tuple[int, Any]] = lambda request: (200, {})

    def last(self) -> PreparedRequest:
        assert self.requests, "the SDK made no HTTP request"
        return self.requests[-1]


@contextmanager
def intercept_http(monkeypatch: pytest.MonkeyPatch) -> Iterator[Intercepted]:
    """Every HTTP request made through `requests` is recorded and answered by `answer(request)`:
    (status, a JSON-able body); an `answer` that raises (requests.ReadTimeout …) fails the
    request as the transport would."""
    seen = Intercepted()

    def send(adapter: HTTPAdapter, request: PreparedRequest, **options: Any) -> Response:
        seen.requests.append(request)
        status, body = seen.answer(request)
        response = Response()
        response.status_code = status
        response._content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        response.headers["Content-Type"] = "application/json"  # exactly: the Tencent SDK compares it
        response.request, response.url = request, request.url or ""
        return response

    monkeypatch.setattr(HTTPAdapter, "send", send)
    yield seen
