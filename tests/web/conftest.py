import json

import boto3
import pytest
from botocore.exceptions import ClientError
from django.utils import timezone
from moto import mock_aws

from devstack import template
from web import aws
from web.accounts.models import User


@pytest.fixture(autouse=True)
def aws_mock(settings):
    """Every web test runs against moto's S3 and SQS, built from template.yaml's own definitions."""
    aws.clear_clients()
    with mock_aws():
        resources = template.provision(site_origin="http://testserver")
        settings.DARKROOM_BUCKET = resources["DARKROOM_BUCKET"]
        settings.DARKROOM_RESIZE_QUEUE_URL = resources["DARKROOM_RESIZE_QUEUE_URL"]
        settings.DARKROOM_NOTIFY_QUEUE_URL = resources["DARKROOM_NOTIFY_QUEUE_URL"]
        settings.DARKROOM_TASKS_QUEUE_URL = resources["DARKROOM_TASKS_QUEUE_URL"]
        settings.DARKROOM_TASKS_DLQ_URL = resources["DARKROOM_TASKS_DLQ_URL"]
        settings.DARKROOM_RESIZE_DLQ_URL = resources["DARKROOM_RESIZE_DLQ_URL"]
        settings.DARKROOM_NOTIFY_DLQ_URL = resources["DARKROOM_NOTIFY_DLQ_URL"]
        yield resources
    aws.clear_clients()


@pytest.fixture
def sqs_down(monkeypatch):
    """Every SQS send fails until `sqs_down.undo()`."""

    def fail(**kwargs):
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "SQS is down"}}, "SendMessage")

    monkeypatch.setattr(aws, "send_message", fail)
    return monkeypatch


@pytest.fixture
def s3():
    return boto3.client("s3")


def _drain(queue_url: str, parse=json.loads) -> list:
    sqs = boto3.client("sqs")
    bodies = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            return bodies
        for message in batch:
            bodies.append(parse(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def resize_messages(settings):
    return lambda: _drain(settings.DARKROOM_RESIZE_QUEUE_URL)


@pytest.fixture
def notify_messages(settings):
    return lambda: _drain(settings.DARKROOM_NOTIFY_QUEUE_URL)


@pytest.fixture
def task_messages(settings):
    return lambda: _drain(settings.DARKROOM_TASKS_QUEUE_URL)


@pytest.fixture
def dead_task_messages(settings):
    """The bodies in the site-tasks dead-letter queue, as sent: some are not JSON."""
    return lambda: _drain(settings.DARKROOM_TASKS_DLQ_URL, parse=str)


@pytest.fixture
def user(db):
    """An account whose owner confirmed their address (web/accounts/verification.py)."""
    return User.objects.create_user(
        email="ada@example.com", password="a-long-enough-passphrase", email_verified_at=timezone.now()
    )


@pytest.fixture
def other_user(db):
    return User.objects.create_user(
        email="grace@example.com", password="another-long-passphrase", email_verified_at=timezone.now()
    )


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client
