"""The whole local stack for a benchmark or a load run: moto server, the function pollers and the site-tasks worker
(devstack's LocalStack, in this process), and the site in its own process (bench/site_server.py) on a fresh SQLite
file. The worker gets the site's environment (settings, database, faults), as tests/e2e and `make run` give it,
except the database fault: that one hangs only the site's requests and its sweep. With `sweeper`, the scheduled
sweep runs in a process of its own too (bench/load_sweeper.py), with the site's environment.

    with LocalSite(workdir, concurrency={"resize": 2}) as site:
        client = SiteClient(site.url)
"""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

from devstack.stack import ROOT, LocalStack, aws_environment


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalSite:
    def __init__(
        self,
        workdir: Path,
        *,
        concurrency: dict[str, int] | None = None,
        function_faults: dict | None = None,
        site_faults: dict | None = None,
        visibility_timeout: int | None = None,
        sweeper: dict | None = None,  # bench/load_sweeper.py's --every, --outbox-retry-after, --processing-deadline...
        site_environment: dict[str, str] | None = None,  # over the defaults below (Lighthouse: production settings)
    ):
        self.workdir = Path(workdir)
        self.site_port = free_port()
        self.url = f"http://127.0.0.1:{self.site_port}"
        self.database = self.workdir / "site.sqlite3"
        self.site_faults = site_faults
        self.sweeper = sweeper or {}
        self.site_environment = site_environment or {}
        self.stack = LocalStack(
            moto_port=free_port(),
            site_origin=self.url,
            faults=function_faults,
            log_path=self.workdir / "functions.log",
            visibility_timeout=visibility_timeout,
            concurrency=concurrency or {},
        )
        self._saved_environment = dict(os.environ)
        self._site: subprocess.Popen | None = None
        self._sweeper: subprocess.Popen | None = None
        self._environment: dict[str, str] = {}

    def __enter__(self) -> "LocalSite":
        self.workdir.mkdir(parents=True, exist_ok=True)
        # moto keeps its state per process: start from nothing, not from an earlier stack's queues and emails
        # (the e2e tests run one in the same pytest process).
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()
        try:
            self.stack.start_aws()
            self.stack.start_functions()
            environment = self._environment = self._site_environment()
            self._start_site(environment)
            # Once the site has migrated the database they share.
            self.stack.start_site_worker(self._without_database_fault(environment))
            if self.sweeper:
                self._start_sweeper(environment)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _site_environment(self) -> dict[str, str]:
        environment = {
            **os.environ,
            **aws_environment(self.stack.moto_url),
            **self.stack.resources,
            "DJANGO_SETTINGS_MODULE": "web.settings",
            "DARKROOM_LOCAL": "1",
            # No collectstatic here: pages link the plain file names, which whitenoise serves from the apps
            # (WHITENOISE_USE_FINDERS). The manifest storage would 500 on every page without a collected manifest.
            "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "DARKROOM_SITE_URL": self.url + "/",
            # settings.py makes SQLite transactions IMMEDIATE; 300 uploads at once wait longer than its 20 s default.
            "DATABASE_URL": f"sqlite:///{self.database}?timeout=30",
            # Every simulated user signs up from 127.0.0.1: the per-network cap on signups would refuse the eleventh.
            "DARKROOM_EMAIL_FORMS_PER_NETWORK_PER_HOUR": "1000000",
            "PYTHONPATH": str(ROOT),
            **self.site_environment,
        }
        environment.pop("DEVSTACK_FAULTS", None)
        if self.site_faults:
            environment["DEVSTACK_FAULTS"] = json.dumps(self.site_faults)
        return environment

    def _without_database_fault(self, environment: dict[str, str]) -> dict[str, str]:
        if not self.site_faults:
            return environment
        return {**environment, "DEVSTACK_FAULTS": json.dumps({**self.site_faults, "database": False})}

    @property
    def sweep_runs_file(self) -> Path:
        return self.workdir / "sweeps.jsonl"

    def sweep_runs(self) -> list[dict]:
        """Every finished sweep run: its seconds, budget, summary (and error, if it ended in one)."""
        if not self.sweep_runs_file.exists():
            return []
        return [json.loads(line) for line in self.sweep_runs_file.read_text().splitlines()]

    def backlog_record(self, photos: int) -> None:
        """Record `photos` photos stuck in processing past the sweeper's deadline (bench/load_sweeper.py)."""
        command = [sys.executable, "-m", "bench.load_sweeper", f"--backlog={photos}"]
        deadline = self.sweeper.get("processing_deadline")
        command += [f"--processing-deadline={deadline}"] if deadline else []
        with open(self.workdir / "sweeper.log", "a") as log:
            subprocess.run(command, cwd=ROOT, env=self._environment, stdout=log, stderr=log, check=True)

    def _start_sweeper(self, environment: dict[str, str]) -> None:
        command = [sys.executable, "-m", "bench.load_sweeper", f"--runs-file={self.sweep_runs_file}"]
        command += [f"--{name.replace('_', '-')}={value}" for name, value in self.sweeper.items()]
        log = open(self.workdir / "sweeper.log", "a")  # noqa: SIM115 - the child keeps it; closed with the process
        self._sweeper = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
        log.close()

    def _start_site(self, environment: dict[str, str]) -> None:
        with sqlite3.connect(self.database) as connection:
            # WAL: the load run's status polls and the report read while the site and its worker write.
            connection.execute("PRAGMA journal_mode=WAL")
        command = [sys.executable, "-m", "bench.site_server", f"--port={self.site_port}"]
        log = open(self.workdir / "site.log", "a")  # noqa: SIM115 - the child keeps it; closed with the process
        self._site = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._site.poll() is not None:
                raise RuntimeError(f"the site exited; see {self.workdir / 'site.log'}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the site did not answer in 60 s; see {self.workdir / 'site.log'}")

    def query(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        """Read the site's database (the report's counts); the site keeps writing meanwhile."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30) as connection:
            return connection.execute(sql, parameters).fetchall()

    def sent_emails(self) -> list[tuple[str, str]]:
        """(recipient, subject) of every email moto's SES accepted: moto server runs in this process."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        messages = list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)
        return [(to, message.subject) for message in messages for to in message.destinations.get("ToAddresses", [])]

    def email_bodies_to(self, address: str) -> list[str]:
        """The body of every email moto's SES accepted for `address`, oldest first."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        messages = list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)
        return [message.body for message in messages if address in message.destinations.get("ToAddresses", [])]

    def stop(self) -> None:
        for process in (self._sweeper, self._site):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        self._sweeper = self._site = None
        self.stack.stop()
        os.environ.clear()
        os.environ.update(self._saved_environment)
