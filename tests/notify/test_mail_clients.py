"""AWS clients: explicit retry and timeout configuration, one per execution environment, none at import."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import mail_clients

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("getter", [mail_clients.ses, mail_clients.sqs, mail_clients.dynamodb])
def test_client_has_explicit_retries_and_timeouts(notify_env, getter):
    config = getter().meta.config

    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert (config.connect_timeout, config.read_timeout) == (2, 5)


@pytest.mark.parametrize("getter", [mail_clients.ses, mail_clients.sqs, mail_clients.dynamodb])
def test_client_is_made_once(notify_env, getter):
    assert getter() is getter()


def test_importing_the_handler_makes_no_client():
    # GIVEN boto3 that fails on any client creation, WHEN the handler module is imported, THEN nothing breaks.
    script = (
        "import boto3, botocore.session\n"
        "def refuse(*args, **kwargs): raise AssertionError('client created at import time')\n"
        "botocore.session.Session.create_client = refuse\n"
        "import notify\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "functions" / "notify")}

    result = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
