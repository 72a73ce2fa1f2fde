"""The load run's faults that hang (devstack.faults windows): the caller's own timeouts end a silent attempt, a slow
one is answered late, and nothing hangs once the window has closed."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError

from devstack.faults import Faults, open_window

QUEUE_URL = "http://127.0.0.1/123456789012/queue"


class _SQSAnswers(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"MessageId": "sent"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def sqs_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SQSAnswers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def windows(tmp_path):
    return tmp_path / "windows.json"


@pytest.fixture
def sqs(sqs_endpoint, windows, tmp_path):
    """A one-try client with a 1 s read timeout, from a session the faults hook into."""
    session = boto3.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1")
    faults = Faults(windows_file=str(windows), report_dir=str(tmp_path)).install(session)
    config = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=1, read_timeout=1)
    return session.client("sqs", endpoint_url=sqs_endpoint, config=config), faults


def test_a_silent_window_ends_each_attempt_at_the_callers_read_timeout(sqs, windows):
    client, faults = sqs
    open_window(windows, "sqs.SendMessage", for_seconds=30, kind="silent")

    with pytest.raises(ReadTimeoutError):
        client.send_message(QueueUrl=QUEUE_URL, MessageBody="{}")
    assert faults.injected == {"sqs.SendMessage silent": 1}


def test_a_slow_window_answers_after_its_delay_through_the_relay(sqs, windows):
    client, faults = sqs
    open_window(windows, "sqs", for_seconds=30, kind="slow", seconds=0.2, rate=1.0)

    assert client.send_message(QueueUrl=QUEUE_URL, MessageBody="{}")["MessageId"] == "sent"
    assert faults.injected == {"sqs.SendMessage slow": 1}


def test_a_slow_answer_past_the_read_timeout_is_a_timeout(sqs, windows):
    client, _ = sqs
    open_window(windows, "sqs", for_seconds=30, kind="slow", seconds=3, rate=1.0)

    with pytest.raises(ReadTimeoutError):
        client.send_message(QueueUrl=QUEUE_URL, MessageBody="{}")


def test_a_closed_window_injects_nothing(sqs, windows):
    client, faults = sqs
    open_window(windows, "sqs.SendMessage", for_seconds=0, kind="silent")

    assert client.send_message(QueueUrl=QUEUE_URL, MessageBody="{}")["MessageId"] == "sent"
    assert faults.injected == {}


def test_the_database_window_fails_each_statement_after_its_wait(windows):
    # GIVEN a process whose database statements the faults wrap, and a window of 0.1 s waits
    faults = Faults(windows_file=str(windows), database=True)
    open_window(windows, "database", for_seconds=30, seconds=0.1)
    from django.db import OperationalError

    # WHEN a statement runs THEN it fails as a database that did not answer
    with pytest.raises(OperationalError, match="did not answer"):
        faults.database_wrapper(lambda *args: "ran", "SELECT 1", (), False, {})
    assert faults.injected == {"database statement blocked": 1}
