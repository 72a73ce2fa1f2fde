"""The local stack runs the site's tasks worker as one more poller, with the site's environment."""

import json
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader

import pytest

from devstack import stack as stack_module
from devstack.stack import ROOT, LocalStack

QUEUE_URL = "http://127.0.0.1:5055/123456789012/darkroom-site-tasks-queue"
SITE_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "web.settings",
    "DARKROOM_LOCAL": "1",
    "DATABASE_URL": "sqlite:////tmp/site.sqlite3",
    "DATABASE_CONN_MAX_AGE": "0",
    "DARKROOM_TASKS_QUEUE_URL": QUEUE_URL,
    "DARKROOM_TASKS_DLQ_URL": "http://127.0.0.1:5055/123456789012/darkroom-site-tasks-dead-letter-queue",
}


class FakeProcess:
    """What LocalStack asks of a poller process, without starting one (web/tasks may not be importable yet)."""

    started: list["FakeProcess"] = []

    def __init__(self, command, *, env, cwd, stdout, stderr):
        self.command, self.env, self.cwd = command, env, cwd
        self.returncode = None
        FakeProcess.started.append(self)

    def poll(self):
        return self.returncode

    def kill(self):
        self.returncode = -9

    terminate = kill

    def wait(self, timeout=None):
        return self.returncode


@pytest.fixture
def local_stack(monkeypatch):
    FakeProcess.started = []
    monkeypatch.setattr(stack_module.subprocess, "Popen", FakeProcess)
    local = LocalStack(moto_port=5055, site_origin="http://127.0.0.1:8000")
    local.resources = {"DARKROOM_TASKS_QUEUE_URL": QUEUE_URL}
    yield local
    local.stop()


def zappa_env():
    loader = SourceFileLoader("zappa_env", str(ROOT / "scripts" / "zappa-env"))
    module = module_from_spec(spec_from_loader("zappa_env", loader))
    loader.exec_module(module)
    return module


def test_the_site_worker_polls_the_tasks_queue_as_the_zappa_stage_does(local_stack):
    local_stack.start_site_worker(SITE_ENVIRONMENT)

    (process,) = FakeProcess.started
    deployed = zappa_env()
    site_timeout = json.loads((ROOT / "zappa_settings.json").read_text())["common"]["timeout_seconds"]
    assert process.command[1:] == [
        "-m",
        "devstack.lambda_sqs",
        "--name=tasks",
        f"--handler={deployed.SITE_TASKS_WORKER}",
        f"--queue-url={QUEUE_URL}",
        f"--batch-size={deployed.SITE_TASKS_BATCH_SIZE}",
        f"--timeout={site_timeout}",
    ]
    assert process.cwd == ROOT


def test_the_site_worker_gets_the_sites_settings_and_database(local_stack):
    local_stack.start_site_worker(SITE_ENVIRONMENT)

    (process,) = FakeProcess.started
    assert SITE_ENVIRONMENT.items() <= process.env.items()
    assert process.env["PYTHONPATH"] == str(ROOT)  # the site's code, as Zappa's package root is on sys.path
    assert process.env["AWS_ENDPOINT_URL"] == local_stack.moto_url


def test_the_site_worker_can_be_killed_and_restarted_like_a_function(local_stack):
    local_stack.start_site_worker(SITE_ENVIRONMENT)
    assert local_stack.functions_alive() == {"tasks": True}

    local_stack.kill_function("tasks")
    assert local_stack.functions_alive() == {"tasks": False}

    local_stack.restart_function("tasks")
    assert local_stack.functions_alive() == {"tasks": True}
    assert FakeProcess.started[1].command == FakeProcess.started[0].command
