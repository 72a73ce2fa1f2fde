"""The local stack's moto server: moto's own list of its services is read from disk once, and routing still works."""

import socket

import boto3
import pytest
from moto import backends

from devstack import moto_server


@pytest.fixture
def port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


def test_the_threaded_server_answers_s3_and_sqs(port, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}.items():
        monkeypatch.setenv(name, value)
    server = moto_server.start_in_thread(port=port)
    try:
        endpoint = {"endpoint_url": f"http://127.0.0.1:{port}", "region_name": "us-east-1"}
        s3, sqs = boto3.client("s3", **endpoint), boto3.client("sqs", **endpoint)
        s3.create_bucket(Bucket="darkroom-moto-server-test")
        s3.put_object(Bucket="darkroom-moto-server-test", Key="k", Body=b"pixels")
        queue_url = sqs.create_queue(QueueName="darkroom-moto-server-test")["QueueUrl"]
        sqs.send_message(QueueUrl=queue_url, MessageBody="{}")

        assert s3.head_object(Bucket="darkroom-moto-server-test", Key="k")["ContentLength"] == 6
        assert sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0)["Messages"][0]["Body"] == "{}"
    finally:
        server.stop()
