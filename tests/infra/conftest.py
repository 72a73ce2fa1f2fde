"""Fixtures for the deployability proofs: the template as data, its CloudFormation translation, a moto server,
and a stand-in for the Lambda runtime's own libraries. Build outputs go under build/ (git-ignored)."""

import copy
import json
import os
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from samtranslator.translator.transform import transform

from devstack import template as devstack_template

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "infra"
# What the python3.12 Lambda runtime provides beside the function's own code; notify and the Zappa package rely on
# it (their zips leave boto3 out). Pinned to the project's own boto3 so the test does not depend on PyPI's newest.
LAMBDA_RUNTIME_LIBRARIES = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "urllib3", "six")


@pytest.fixture(scope="session")
def template() -> dict:
    return devstack_template.template()


@pytest.fixture(scope="session")
def resources(template) -> dict[str, dict]:
    return template["Resources"]


class _NoManagedPolicies:
    """The translator's policy loader: the template names no SAM policy templates or managed policies."""

    def load(self) -> dict:
        return {}


def translate(template: dict, *, code_bucket: str) -> dict:
    """The SAM template as plain CloudFormation, with each function's local CodeUri replaced by an S3 location."""
    sam = copy.deepcopy(template)
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            folder = resource["Properties"]["CodeUri"].strip("/").replace("/", "-")
            resource["Properties"]["CodeUri"] = f"s3://{code_bucket}/{folder}.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return transform(sam, {}, _NoManagedPolicies())


@pytest.fixture(scope="session")
def code_bucket() -> str:
    return "darkroom-code"


@pytest.fixture(scope="session")
def cloudformation_template(template, code_bucket) -> dict:
    return translate(template, code_bucket=code_bucket)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def moto_environment(moto_server: str):
    """moto server emptied, and boto3 in this process pointed at it (fake credentials) until the block ends."""
    requests.post(f"{moto_server}/moto-api/reset", timeout=10)
    environment = {
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        yield environment
    finally:
        for name, value in saved.items():
            os.environ.pop(name) if value is None else os.environ.update({name: value})


@pytest.fixture(scope="session")
def moto_server():
    """The local stack's moto server on loopback; yields its URL. Reset it with POST /moto-api/reset where state
    matters."""
    from devstack import moto_server as server_module

    port = free_port()
    server = server_module.start_in_thread(port=port)
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def lambda_runtime() -> Path:
    """boto3 and its dependencies in their own folder, as /var/runtime holds them on Lambda."""
    import boto3

    target = BUILD / "lambda-runtime"
    stamp = target / f".boto3-{boto3.__version__}"
    if not stamp.exists():
        pins = [f"boto3=={boto3.__version__}", *LAMBDA_RUNTIME_LIBRARIES[1:]]
        pip_install(target, *pins)
        stamp.touch()
    return target


def pip_install(target: Path, *arguments: str) -> None:
    """pip install --target into an empty folder, with the project's interpreter (Python 3.12)."""
    subprocess.run(["rm", "-rf", str(target)], check=True)
    target.mkdir(parents=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target"]
    subprocess.run([*command, str(target), *arguments], check=True, capture_output=True, text=True)


# Lambda's context object, for handler runs in a clean process (Powertools reads these attributes).
LAMBDA_CONTEXT = """
class LambdaContext:
    def __init__(self, function_name, timeout_seconds=30, memory_limit_in_mb=512):
        import time
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.memory_limit_in_mb = memory_limit_in_mb
        self.aws_request_id = "8f5b2c39-9a0c-4f5e-8d6e-0a1b2c3d4e5f"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "2026/03/10/[$LATEST]0123456789abcdef"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self):
        import time
        return max(0, int((self._deadline - time.monotonic()) * 1000))
"""


def clean_python() -> list[str]:
    """The base Python 3.12, with no site-packages at all (-S) and no user site (-s): only what the test adds."""
    return [str(Path(sys.base_prefix) / "bin" / "python3.12"), "-S", "-s"]


def run_clean(
    code: str, *, cwd: Path, path: list[Path], env: dict[str, str], timeout: int = 120, arguments: list[str] = ()
) -> dict:
    """Runs `code` in a clean process whose sys.path is cwd plus `path`; it must print one JSON document last."""
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(str(p) for p in path), **env}
    completed = subprocess.run(
        [*clean_python(), "-c", code, *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])
