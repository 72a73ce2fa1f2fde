"""The site in a benchmark's own process (Django set up here, a fresh SQLite file) against moto server in a process
of its own: how bench/upload_latency.py and bench/task_latency.py time what a request spends on the server.

moto server runs apart, as AWS is remote: in this process its request handling would hold the GIL the site's
request needs, and the site's parallel SQS sends would queue behind each other.
"""

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.local_site import free_port

# WAL and synchronous=NORMAL: a commit without SQLite's rollback-journal fsyncs (three per confirm), closer to the
# PostgreSQL the site uses in production.
SQLITE_WAL = "PRAGMA%20journal_mode%3DWAL%3B%20PRAGMA%20synchronous%3DNORMAL"


@contextmanager
def site_beside_moto(database: Path) -> Iterator[None]:
    """This process's environment made the site's, against a moto server started (and stopped) for it; Django is
    set up by the caller, inside the block."""
    from devstack import template
    from devstack.stack import aws_environment

    port = free_port()
    moto = subprocess.Popen(
        [sys.executable, "-m", "devstack.moto_server", f"--port={port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        os.environ.update(aws_environment(f"http://127.0.0.1:{port}"))
        wait_for(f"http://127.0.0.1:{port}/moto-api/")
        os.environ.update(template.provision(site_origin="http://testserver"))
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "web.settings",
                "DARKROOM_LOCAL": "1",
                "DJANGO_ALLOWED_HOSTS": "testserver",
                "DARKROOM_SITE_URL": "http://testserver/",
                "DATABASE_URL": f"sqlite:///{database}?init_command={SQLITE_WAL}",
            }
        )
        yield
    finally:
        moto.terminate()
        moto.wait(timeout=10)


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
