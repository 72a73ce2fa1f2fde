"""Fixtures for the resize function: moto S3, SQS-shaped events, a Lambda context, and images made on the spot."""

import io
import json
import logging
import os
import uuid

import boto3
import pytest
from moto import mock_aws

from devstack import template
from devstack.lambda_sqs import LambdaContext
from tests.resize.helpers import BUCKET, encode, quadrants, sqs_record
from tests.web.conftest import _empty_bucket, _empty_table, _purge_queues, _reset_other_services

# Read by Powertools when resize.py is imported, as the template sets it on the function.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "resize")


@pytest.fixture(scope="package")
def aws_emptier():
    """moto with template.yaml's resources, made once for tests/resize (provisioning takes longer than most tests),
    and a function that empties them again with clients made once."""
    with mock_aws():
        resources = template.provision(site_origin="http://testserver")
        s3, sqs, dynamodb = boto3.client("s3"), boto3.client("sqs"), boto3.client("dynamodb")
        queue_urls = [value for name, value in resources.items() if name.endswith("_URL")]

        def empty() -> None:
            _empty_bucket(s3, BUCKET)
            _purge_queues(sqs, queue_urls)  # the bucket's notifications land there
            _empty_table(dynamodb, resources["DARKROOM_IDEMPOTENCY_TABLE"])
            _reset_other_services()

        yield empty


@pytest.fixture
def s3(monkeypatch, aws_emptier):
    """The template's bucket in moto, empty, named by DARKROOM_BUCKET, and the handler's cached client made inside
    the mock."""
    import resize

    getter = resize.s3_client  # tests may swap it; clear the real one
    monkeypatch.setenv("DARKROOM_BUCKET", BUCKET)
    getter.cache_clear()
    yield boto3.client("s3")
    getter.cache_clear()
    aws_emptier()


@pytest.fixture
def logs():
    """Reads (and clears) the handler's JSON log lines, formatted by its own Powertools formatter."""
    import resize

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(resize.logger.registered_formatter)
    resize.logger.addHandler(handler)

    def read() -> list[dict]:
        lines = stream.getvalue().splitlines()
        stream.seek(0)
        stream.truncate()
        return [json.loads(line) for line in lines]

    yield read
    resize.logger.removeHandler(handler)


@pytest.fixture
def lambda_context():
    # The same stand-in for Lambda's context object the local stack's poller passes.
    return LambdaContext(function_name="darkroom-resize", timeout_seconds=60, memory_limit_in_mb=1769)


@pytest.fixture
def sqs_event():
    def make(*bodies: str | dict, message_ids: list[str] | None = None) -> dict:
        ids = message_ids or [None] * len(bodies)
        return {
            "Records": [
                sqs_record(body if isinstance(body, str) else json.dumps(body), message_id)
                for body, message_id in zip(bodies, ids, strict=True)
            ]
        }

    return make


@pytest.fixture
def resize_message():
    """A valid request for a fresh photo of user 42, shaped like web.contracts.resize_requested."""

    def make(photo_id: str | None = None) -> dict:
        photo_id = photo_id or str(uuid.uuid4())
        return {
            "version": 1,
            "kind": "resize.requested",
            "photo_id": photo_id,
            "source_key": f"uploads/42/{photo_id}",
            "output_prefix": f"renditions/{photo_id}/",
            "correlation_id": uuid.uuid4().hex,
        }

    return make


@pytest.fixture
def jpeg_bytes():
    def make(size: tuple[int, int] = (1200, 900), **options) -> bytes:
        return encode(quadrants(size), "JPEG", quality=92, **options)

    return make
