"""A WSGI face on the Chalice app, so that schemathesis (which speaks WSGI in-process) drives
the same path API Gateway does: chalice.test's HTTP client turns each request into a proxy
event and runs the app's real route handler, with the stage's environment. No server, no socket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from chalice import Chalice
from chalice.test import Client

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class ChaliceWSGI:
    """Call with a WSGI environ; answers what the Chalice app answers through API Gateway."""

    def __init__(self, app: Chalice) -> None:
        self.client = Client(app)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        # PATH_INFO is decoded (as latin-1 bytes): encode it again as the client sent it, every
        # reserved character but "/" escaped (a bare ";" would end the path in chalice's matcher).
        # chalice's local gateway hands path parameters on still encoded (API Gateway decodes them).
        path = quote(environ.get("PATH_INFO", "/").encode("latin-1"), safe="/")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        response = self.client.http.request(environ["REQUEST_METHOD"], path, headers=headers, body=body)
        status = response.status_code
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        start_response(f"{status} {reason}", [(k, str(v)) for k, v in response.headers.items()])
        return [response.body if isinstance(response.body, bytes) else str(response.body or "").encode("utf-8")]
