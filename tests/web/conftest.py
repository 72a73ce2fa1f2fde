import json
import os
from unittest import mock

import boto3
import pytest
from botocore.exceptions import ClientError
from django.utils import timezone
from moto import mock_aws
from moto.core.base_backend import BackendDict

from devstack import template
from web import aws
from web.accounts.models import User

# Services whose resources template.provision() makes once for tests/web: emptied between tests, never reset.
PROVISIONED_SERVICES = {"s3", "sqs", "dynamodb", "ses", "sesv2"}


@pytest.fixture(scope="package")
def aws_resources():
    """moto with template.yaml's bucket, queues, table and sender identity, made once while the run is in tests/web
    (provisioning takes longer than most web tests)."""
    with mock_aws():
        yield template.provision(site_origin="http://testserver")


@pytest.fixture(scope="package")
def aws_emptier(aws_resources):
    """Empties the resources again (with clients made once: making them costs more than emptying)."""
    s3, sqs, dynamodb = boto3.client("s3"), boto3.client("sqs"), boto3.client("dynamodb")
    queue_urls = [value for name, value in aws_resources.items() if name.endswith("_URL")]

    def empty() -> None:
        _empty_bucket(s3, aws_resources["DARKROOM_BUCKET"])
        _purge_queues(sqs, queue_urls)
        _empty_table(dynamodb, aws_resources["DARKROOM_IDEMPOTENCY_TABLE"])
        _reset_other_services()

    return empty


@pytest.fixture(autouse=True)
def aws_mock(aws_resources, aws_emptier, settings):
    """Every web test runs against moto's AWS, built from template.yaml's own definitions, and starts it empty."""
    aws.clear_clients()
    for name, value in aws_resources.items():
        if name.endswith("_URL") or name == "DARKROOM_BUCKET":
            setattr(settings, name, value)
    yield aws_resources
    aws.clear_clients()
    aws_emptier()


def _empty_bucket(s3, bucket: str) -> None:
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        versions = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        if versions:
            objects = [{"Key": version["Key"], "VersionId": version["VersionId"]} for version in versions]
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
    for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])


def _purge_queues(sqs, queue_urls: list[str]) -> None:
    # SQS (and moto) allow one purge a minute per queue; tests purge far more often.
    with mock.patch.dict(os.environ, {"MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR": "false"}):
        for url in queue_urls:
            sqs.purge_queue(QueueUrl=url)


def _empty_table(dynamodb, table: str) -> None:
    key_names = [key["AttributeName"] for key in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]]
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            dynamodb.delete_item(TableName=table, Key={name: item[name] for name in key_names})


def _reset_other_services() -> None:
    """Whatever a test made in a service nobody provisioned (CloudWatch metrics, …): moto's list of the services in
    use is the one mock_aws resets on exit."""
    for backends in BackendDict._instances:
        if backends.service_name not in PROVISIONED_SERVICES:
            for backend in backends.values():
                backend.reset()


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
