"""moto server as the local stack runs it: in a thread of the stack's process, or as a process of its own.

    python -m devstack.moto_server --port 5055

The same WSGI app as plain `moto.server`, with two fixes:

- moto lists the folders of its own package on disk (a listdir and ~180 stats) twice for every request it routes,
  about 0.8 ms of a 3 ms S3 or SQS call. That list cannot change while the process runs, so it is read once.
- moto.server serves the app with werkzeug's development server, which (since werkzeug 2.1) closes the connection
  after every response: each boto3 call opened a TCP connection and the server a thread for it. AWS keeps
  connections alive and boto3 reuses them, so here waitress serves the app, with HTTP/1.1 keep-alive and a pool
  of threads: 50 HEADs from one client open no connection instead of 50 and take 0.3-0.5 ms less each; the
  upload benchmark's confirm request (then four calls, now three) was 2-3 ms faster at p50.

Everything AWS-like (responses, errors, state) is moto's own. One difference from moto's server: both servers drop
request headers with an underscore in their name, and moto's request handler for werkzeug puts back those of S3
user metadata (`x-amz-meta-my_key`); under waitress they stay dropped. Darkroom sets no S3 user metadata.
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

# A long poll holds a thread for its whole wait (the pollers ask for 1 s, the queues' default is 20 s): room for every
# poller of the load run (6) beside the site's and the users' calls; that run peaks at 13 busy. werkzeug started a
# thread per connection, without bound.
THREADS = 16
# Every client's idle keep-alive connections count against waitress's limit (default 100; the load run peaks at 37),
# and at the limit it stops accepting until one has been idle for channel_timeout (120 s): a stall, not an error.
# Hence a high limit, and poll(), since select() cannot watch a descriptor numbered past 1024.
CONNECTION_LIMIT = 1000
# Request and response bodies up to the site's largest upload (25 MiB) stay in memory: by default waitress spills
# those over 512 KiB (in) or 1 MiB (out) to temporary files and reads 8 KiB at a time, which made a 2.5 MB PutObject
# 19 ms instead of werkzeug's 14 (now 12). waitress's max_request_body_size, 1 GiB, is far above any upload.
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
