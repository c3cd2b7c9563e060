"""moto's server in a process of its own, with infra/moto_patches applied.

The local stack starts it as a child: moto then has a core (and a GIL) of its own, apart from
the HTTP API and the event runner, and its Step Functions execution threads live and die
with it. Prints `PORT <n>` once it listens; stops on SIGTERM or SIGINT.

Unlike moto's own `ThreadedMotoServer`, it keeps connections alive (`KeepAliveHandler`):
werkzeug's development server answers every request `Connection: close`, so every AWS request
of the stack (and every PutItem of the bench's baseline) paid a TCP connection and a new
server thread.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from infra import moto_patches


class _Body:
    """A request's body: at most `length` bytes of the connection's stream. Given to the WSGI
    app as its input, and read by werkzeug's drain after the answer (which would otherwise read
    the next request on the connection)."""

    def __init__(self, stream: Any, length: int) -> None:
        self._stream = stream
        self._left = length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        data: bytes = self._stream.read(self._left if size < 0 else min(size, self._left))
        self._left -= len(data)
        if not data:
            self._left = 0
        return data

    def readline(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        line: bytes = self._stream.readline(self._left if size < 0 else min(size, self._left))
        self._left -= len(line)
        if not line:
            self._left = 0
        return line

    def discard(self) -> None:
        """Read what the app left of the body, so the connection is at the next request."""
        while self.read(65536):
            pass


class KeepAliveHandler(MotoRequestHandler):
    """moto's request handler, keeping HTTP/1.1 connections open between requests.

    werkzeug closes every connection because its server cannot tell where a request's body
    ends once the app has read part of it. Here a request that states its length (every
    botocore request but a streamed upload; none is a body-less request) gets the body alone
    as its input, and what the app left of it is read before the next request; a request sent
    in chunks, or that asks to close, is answered `Connection: close` as before."""

    protocol_version = "HTTP/1.1"
    _keep_alive = False

    def setup(self) -> None:
        super().setup()
        # The headers and the body go out in two writes: without this, Nagle's algorithm holds
        # the body until the client's delayed ACK of the headers (≈ 40 ms a request).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def run_wsgi(self) -> None:
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        asked_close = self.headers.get("Connection", "").lower() == "close"
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if chunked or asked_close or length < 0:
            self._keep_alive = False
            super().run_wsgi()
            return
        stream, body = self.rfile, _Body(self.rfile, length)
        self._keep_alive = True
        self.rfile = body  # type: ignore[assignment]
        try:
            super().run_wsgi()
        finally:
            self.rfile = stream
            self._keep_alive = False
        try:
            body.discard()
        except OSError:
            self.close_connection = True

    def send_header(self, keyword: str, value: str) -> None:
        if self._keep_alive and keyword.lower() == "connection" and value.lower() == "close":
            return  # werkzeug's unconditional close; the connection stays open
        super().send_header(keyword, value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument(
        "--close-connections", action="store_true", help="answer every request Connection: close (werkzeug's way)"
    )
    args = parser.parse_args()
    moto_patches.apply()
    # One line per request is noise at a burst's rate; errors still show.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    handler = MotoRequestHandler if args.close_connections else KeepAliveHandler
    server = make_server(
        args.host, args.port, DomainDispatcherApplication(create_backend_app), threaded=True, request_handler=handler
    )
    port = server.server_address[1]
    # moto's Step Functions send their service calls (sqs:sendMessage) to localhost:$MOTO_PORT.
    os.environ["MOTO_PORT"] = str(port)
    thread = threading.Thread(target=server.serve_forever, name="moto-server", daemon=True)
    thread.start()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print(f"PORT {port}", flush=True)
    # Nobody reads the pipe after the handshake: a full pipe would block moto mid-request.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    stop.wait()
    server.shutdown()
    sys.exit(0)


if __name__ == "__main__":
    main()
