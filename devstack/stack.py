"""The local stack as one object: moto server, the template's resources, a Lambda-like poller per function, and one
for the site's tasks worker.

`make run` (devstack/__main__.py) and the end-to-end tests (tests/e2e/conftest.py) both start exactly this.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from devstack import template

ROOT = Path(__file__).resolve().parent.parent
# The site's tasks worker: on AWS the site's own Lambda, through the SQS event source scripts/zappa-env puts in the
# Zappa stage (its function and batch size are these), with the site's timeout.
SITE_TASKS_WORKER = "tasks"
SITE_TASKS_HANDLER = "web.tasks.worker.handle_sqs_event"
SITE_TASKS_BATCH_SIZE = 10


def aws_environment(moto_url: str) -> dict[str, str]:
    """Fake credentials and moto's endpoint: boto3 honours AWS_ENDPOINT_URL for every client."""
    return {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


@dataclass
class LocalStack:
    moto_port: int
    site_origin: str
    faults: dict | None = None  # DEVSTACK_FAULTS for the functions' processes (tests and load runs only)
    log_path: Path | None = None  # functions' output; None means this terminal
    visibility_timeout: int | None = None  # tests shorten the template's value so retries come back quickly
    # Poller processes per function (default one). Lambda runs many invocations at once, up to the event
    # source's ScalingConfig.MaximumConcurrency; benchmarks and load runs give a function more than one here.
    concurrency: dict[str, int] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    _moto: object = None
    _pollers: dict[str, list[subprocess.Popen]] = field(default_factory=dict)
    _commands: dict[str, tuple[list[str], dict[str, str]]] = field(default_factory=dict)
    _log_file: object = None

    @property
    def moto_url(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    def start_aws(self) -> dict[str, str]:
        """Start moto server, create the template's resources in it; return the site's environment."""
        from devstack import moto_server

        os.environ.update(aws_environment(self.moto_url))
        os.environ.pop("AWS_PROFILE", None)
        self._moto = moto_server.start_in_thread(port=self.moto_port)
        self.resources = template.provision(site_origin=self.site_origin, visibility_timeout=self.visibility_timeout)
        return self.resources

    def start_functions(self) -> None:
        """One process per function, as on Lambda: its folder on the path, its own environment."""
        self._open_log()
        for source in template.event_sources():
            env = {
                **os.environ,
                **aws_environment(self.moto_url),
                **source.environment(self.resources, site_origin=self.site_origin),
                "PYTHONPATH": os.pathsep.join([str(ROOT / source.code_uri), str(ROOT)]),
                "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            }
            if self.faults:
                env["DEVSTACK_FAULTS"] = json.dumps(self.faults)
            command = [
                sys.executable,
                "-m",
                "devstack.lambda_sqs",
                f"--name={source.name}",
                f"--handler={source.handler}",
                f"--queue-url={self.resources[source.queue_url_variable]}",
                f"--batch-size={source.batch_size}",
                f"--batching-window={source.batching_window_seconds}",
                f"--timeout={source.timeout_seconds}",
            ]
            self._commands[source.name] = (command, env)
            self._pollers[source.name] = [self._spawn(source.name) for _ in range(self.concurrency.get(source.name, 1))]

    def start_site_worker(self, site_environment: dict[str, str]) -> None:
        """The site-tasks poller: the site's code with the site's environment (its settings and database, every
        DARKROOM_* and DATABASE_* variable), as the site's Lambda runs it. kill_function("tasks") and friends work."""
        self._open_log()
        env = {**site_environment, **aws_environment(self.moto_url), "PYTHONPATH": str(ROOT)}
        timeout = json.loads((ROOT / "zappa_settings.json").read_text())["common"]["timeout_seconds"]
        command = [
            sys.executable,
            "-m",
            "devstack.lambda_sqs",
            f"--name={SITE_TASKS_WORKER}",
            f"--handler={SITE_TASKS_HANDLER}",
            f"--queue-url={self.resources['DARKROOM_TASKS_QUEUE_URL']}",
            f"--batch-size={SITE_TASKS_BATCH_SIZE}",
            f"--timeout={timeout}",
        ]
        self._commands[SITE_TASKS_WORKER] = (command, env)
        count = self.concurrency.get(SITE_TASKS_WORKER, 1)
        self._pollers[SITE_TASKS_WORKER] = [self._spawn(SITE_TASKS_WORKER) for _ in range(count)]

    def _open_log(self) -> None:
        if self.log_path is not None and self._log_file is None:
            self._log_file = open(self.log_path, "a", buffering=1)  # noqa: SIM115 - closed in stop()

    def _spawn(self, name: str) -> subprocess.Popen:
        command, env = self._commands[name]
        output = self._log_file
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=output)

    def kill_function(self, name: str) -> None:
        """SIGKILL every poller of a function, mid-batch if it is in one: what they had received comes back later."""
        for poller in self._pollers[name]:
            poller.kill()
            poller.wait(timeout=10)

    def restart_function(self, name: str) -> None:
        """Start again the function's pollers that are no longer running."""
        self._pollers[name] = [poller if poller.poll() is None else self._spawn(name) for poller in self._pollers[name]]

    def functions_alive(self) -> dict[str, bool]:
        return {name: all(poller.poll() is None for poller in pollers) for name, pollers in self._pollers.items()}

    def stop(self) -> None:
        pollers = [poller for processes in self._pollers.values() for poller in processes]
        for poller in pollers:
            poller.terminate()
        for poller in pollers:
            try:
                poller.wait(timeout=10)
            except subprocess.TimeoutExpired:
                poller.kill()
        self._pollers.clear()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
