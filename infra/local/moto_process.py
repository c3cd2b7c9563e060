"""moto's server in a process of its own, with infra/moto_patches applied.

The local stack starts it as a child: moto then has a core (and a GIL) of its own, apart from
the HTTP API and the event runner, and its Step Functions execution threads live and die
with it. Prints `PORT <n>` once it listens; stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from moto.server import ThreadedMotoServer

from infra import moto_patches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    moto_patches.apply()
    # One line per request is noise at a burst's rate; errors still show.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    # moto's Step Functions send their service calls (sqs:sendMessage) to localhost:$MOTO_PORT.
    os.environ["MOTO_PORT"] = str(server.get_host_and_port()[1])
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print(f"PORT {server.get_host_and_port()[1]}", flush=True)
    # Nobody reads the pipe after the handshake: a full pipe would block moto mid-request.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    stop.wait()
    server.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
