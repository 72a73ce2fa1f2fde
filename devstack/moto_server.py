"""moto server as the local stack runs it: in a thread of the stack's process, or as a process of its own.

    python -m devstack.moto_server --port 5055

moto's own WSGI app (responses, errors and state are moto's), served by waitress with keep-alive and a thread pool
instead of werkzeug's development server, and with moto's module listing read once: devstack/README.md says why.
"""

import argparse
import logging
import os
import signal
import sys
import threading
from functools import cache

from moto import backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from waitress import create_server, wasyncore
from waitress.server import BaseWSGIServer

# A long poll holds a thread for its whole wait: room for every poller of the load run beside the site's calls.
THREADS = 16
# Idle keep-alive connections count against the limit, and at the limit waitress stalls new ones for minutes.
# poll(), since select() cannot watch a descriptor numbered past 1024.
CONNECTION_LIMIT = 1000
# Bodies up to the site's largest upload (25 MiB) stay in memory rather than spill to temporary files.
BUFFERED_BODY_BYTES = 32 * 1024 * 1024
# How long stop() may wait for the serving thread to notice it: one poll() of the loop.
STOP_POLL_SECONDS = 0.05


def read_moto_modules_once() -> None:
    """moto's request routing calls backends.list_of_moto_modules() by module attribute, so it sees this one."""
    if not hasattr(backends.list_of_moto_modules, "cache_info"):
        listed = backends.list_of_moto_modules
        backends.list_of_moto_modules = cache(lambda: tuple(listed()))


def create(*, port: int, sockets: dict | None = None) -> BaseWSGIServer:
    """moto's app, as moto.server builds it, under waitress: listening once this returns; `sockets` is its map."""
    read_moto_modules_once()
    # "Task queue depth is N" whenever every thread is busy for a moment: the local stack's normal, not news.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    return create_server(
        DomainDispatcherApplication(create_backend_app),
        map=sockets,
        host="127.0.0.1",
        port=port,
        threads=THREADS,
        connection_limit=CONNECTION_LIMIT,
        asyncore_use_poll=True,
        recv_bytes=64 * 1024,
        inbuf_overflow=BUFFERED_BODY_BYTES,
        outbuf_overflow=BUFFERED_BODY_BYTES,
    )


class ThreadedServer:
    """Serves in a daemon thread until stop(), which closes the listening socket and every connection."""

    def __init__(self, *, port: int):
        self._sockets: dict = {}
        self._server = create(port=port, sockets=self._sockets)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"moto-server-{port}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        # Our own loop, not waitress's run(): stop() then needs no wake-up through waitress's trigger pipe, whose
        # descriptor was found closed under it in a long test run, and the sockets are closed in this thread only.
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=STOP_POLL_SECONDS, map=self._sockets, use_poll=True, count=1)
        finally:
            wasyncore.close_all(self._sockets)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        self._server.task_dispatcher.shutdown()  # waits up to 5 s for requests still running


def start_in_thread(*, port: int) -> ThreadedServer:
    return ThreadedServer(port=port)


def exit_cleanly(signum, frame) -> None:
    sys.exit(0)  # waitress's run() stops its threads on SystemExit, as on Ctrl-C


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))  # as moto.server does: moto builds URLs to itself from it
    signal.signal(signal.SIGTERM, exit_cleanly)
    create(port=args.port).run()


if __name__ == "__main__":
    main()
