"""How query calls reach a provider: a `Transport` takes one HTTP request and returns the answer.

The protocols build and sign requests and verify answers; the transport only moves bytes. In
the cloud it is HTTPS (urllib, no extra dependency in the layer); in tests an in-process
handler (the simulator) is addressed as `inproc://<name>`; the local stack serves the
simulator over HTTP on localhost. The gateway address comes with each provider's secret.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

import msgspec

from zhtj.core import faults
from zhtj.integrations.payments.base import PaymentError


class HttpRequest(msgspec.Struct, frozen=True):
    method: str
    url: str
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    body: bytes = b""


class HttpResponse(msgspec.Struct, frozen=True):
    status: int
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    body: bytes = b""


Transport = Callable[[HttpRequest], HttpResponse]

_in_process: dict[str, Transport] = {}


def register(name: str, handler: Transport) -> None:
    """Make `inproc://<name>` reach `handler` in this process (the simulator in tests)."""
    _in_process[name] = handler


def forget() -> None:
    _in_process.clear()


def http_transport(timeout: float = 5.0) -> Transport:
    """Plain HTTP(S) with a short timeout: a query runs in a schedule, never in a webhook."""

    def send(request: HttpRequest) -> HttpResponse:
        prepared = urllib.request.Request(
            request.url, data=request.body or None, headers=request.headers, method=request.method
        )
        try:
            with urllib.request.urlopen(prepared, timeout=timeout) as answer:
                return HttpResponse(answer.status, dict(answer.headers.items()), answer.read())
        except urllib.error.HTTPError as answer:
            return HttpResponse(answer.code, dict(answer.headers.items()), answer.read())
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise PaymentError(f"支付渠道网关不可达：{error}", code="GATEWAY_UNREACHABLE", retryable=True) from error

    return send


def transport_for(gateway: str) -> Transport:
    """The transport that reaches `gateway` (an https/http URL or inproc://name). With
    ZHTJ_FAULTS=payments_timeout=<share> that share of its calls time out (zhtj.faults)."""
    send = _transport_for(gateway)

    def with_faults(request: HttpRequest) -> HttpResponse:
        try:
            faults.maybe_time_out(faults.PAYMENTS_TIMEOUT, f"the payment gateway ({urlsplit(request.url).netloc})")
        except TimeoutError as error:  # what http_transport raises on a real timeout
            raise PaymentError(f"支付渠道网关不可达：{error}", code="GATEWAY_UNREACHABLE", retryable=True) from error
        return send(request)

    return with_faults


def _transport_for(gateway: str) -> Transport:
    parts = urlsplit(gateway)
    if parts.scheme == "inproc":

        def in_process(request: HttpRequest) -> HttpResponse:
            handler = _in_process.get(parts.netloc)
            if handler is None:
                raise PaymentError(f"进程内网关 {parts.netloc} 未启动", code="GATEWAY_UNREACHABLE", retryable=True)
            return handler(request)

        return in_process
    if parts.scheme in ("http", "https"):
        return http_transport()
    raise ValueError(f"unsupported gateway {gateway!r}")
