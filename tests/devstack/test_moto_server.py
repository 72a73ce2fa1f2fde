"""The local stack's moto server: moto's own list of its services is read from disk once, routing still works,
connections are kept alive as AWS keeps them, and a stopped server gives its port back."""

import http.client
import socket
import subprocess
import sys
import time

import boto3
import pytest
from moto import backends

from devstack import moto_server
from devstack.stack import ROOT


@pytest.fixture
def port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(port):
    """A threaded moto server on `port`, stopped after the test."""
    server = moto_server.start_in_thread(port=port)
    yield server
    server.stop()


@pytest.fixture
def clients(server, port, monkeypatch):
    """S3 and SQS clients of the threaded server."""
    for name, value in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}.items():
        monkeypatch.setenv(name, value)
    endpoint = {"endpoint_url": f"http://127.0.0.1:{port}", "region_name": "us-east-1"}
    return boto3.client("s3", **endpoint), boto3.client("sqs", **endpoint)


def test_moto_modules_are_listed_once_and_unchanged(monkeypatch):
    # GIVEN moto's own listing, as it reads it from disk
    monkeypatch.setattr(backends, "list_of_moto_modules", backends.list_of_moto_modules)
    expected = list(backends.list_of_moto_modules())

    # WHEN the local stack's fix is applied twice
    moto_server.read_moto_modules_once()
    moto_server.read_moto_modules_once()

    # THEN the same services are listed, and the second call did not wrap the cached one again
    assert list(backends.list_of_moto_modules()) == expected
    assert "s3" in expected and "sqs" in expected
    assert backends.list_of_moto_modules() is backends.list_of_moto_modules()


def test_the_threaded_server_answers_s3_and_sqs(clients):
    s3, sqs = clients
    s3.create_bucket(Bucket="darkroom-moto-server-test")
    s3.put_object(Bucket="darkroom-moto-server-test", Key="k", Body=b"pixels")
    queue_url = sqs.create_queue(QueueName="darkroom-moto-server-test")["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody="{}")

    assert s3.head_object(Bucket="darkroom-moto-server-test", Key="k")["ContentLength"] == 6
    assert sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0)["Messages"][0]["Body"] == "{}"


def test_boto3_calls_reuse_their_connection(clients, monkeypatch):
    # GIVEN an S3 and an SQS client, and every TCP connect of this process counted
    s3, sqs = clients
    connects = []
    real_connect = socket.socket.connect

    def counted_connect(sock, address):
        connects.append(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", counted_connect)

    # WHEN each makes several calls, some with bodies, some HEADs (no body in the response)
    s3.create_bucket(Bucket="darkroom-keepalive")
    queue_url = sqs.create_queue(QueueName="darkroom-keepalive")["QueueUrl"]
    for number in range(5):
        s3.put_object(Bucket="darkroom-keepalive", Key=f"k{number}", Body=b"pixels" * 1000)
        s3.head_object(Bucket="darkroom-keepalive", Key=f"k{number}")
        sqs.send_message(QueueUrl=queue_url, MessageBody="{}")
    assert len(sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)["Messages"]) == 5

    # THEN each client opened one connection and kept it, as boto3 does against AWS (werkzeug closed every one)
    assert len(connects) == 2


def test_two_requests_share_one_socket(server, port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    sockets = []
    try:
        for _ in range(2):
            connection.request("GET", "/moto-api/data.json")
            response = connection.getresponse()
            response.read()
            assert response.status == 200 and response.getheader("Connection") is None
            sockets.append(connection.sock)  # None once a response said "Connection: close"
    finally:
        connection.close()
    assert sockets[0] is sockets[1] is not None


def test_a_stopped_server_frees_its_port_for_the_next_one(port):
    # GIVEN a server that was started (listening as soon as start_in_thread returns) and then stopped, with a
    # client's kept-alive connection open (answered once, so the server holds it, not the kernel's backlog)
    first = moto_server.start_in_thread(port=port)
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    client.request("GET", "/moto-api/data.json")
    assert client.getresponse().read()
    first.stop()

    # THEN nothing listens there any more, and the client's connection was closed
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1)
    assert client.sock.recv(1) == b""
    client.close()

    # WHEN a second server starts on the same port, as the stack does when it starts again in one process
    second = moto_server.start_in_thread(port=port)
    try:
        # THEN it answers at once
        with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
            probe.sendall(b"GET /moto-api/data.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert probe.recv(12) == b"HTTP/1.1 200"
    finally:
        second.stop()


def test_the_server_process_exits_cleanly_when_terminated(port):
    # GIVEN moto server in a process of its own, as the latency benchmark runs it
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.moto_server", f"--port={port}"], cwd=ROOT, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except ConnectionRefusedError:
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "moto server did not listen within 30 s"
                time.sleep(0.1)

        # WHEN it is terminated (SIGTERM)
        process.terminate()

        # THEN it exits at once with status 0, quietly
        assert process.wait(timeout=10) == 0
        assert process.stderr.read() == b""
    finally:
        process.kill()
        process.stderr.close()
