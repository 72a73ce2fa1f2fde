"""Everything the site asks of AWS, in one place: cached clients (never made at import time) and thin calls.

Tests swap the clients by running under moto's mock_aws and clearing the caches (see tests/web/conftest.py);
the local stack points them at moto server through AWS_ENDPOINT_URL, which boto3 honours on its own.
"""

import json
from functools import cache

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from django.conf import settings

# A fixed User-Agent: botocore rebuilds its long one on every call; this one also names the caller in CloudTrail.
USER_AGENT = "darkroom-site"
# SQS's longest DelaySeconds.
SQS_MAX_DELAY_SECONDS = 900

# The clients most calls use: a few attempts, each short, so a service that hangs costs a call seconds, not the
# Lambda's 30 s. S3 and SQS answer these calls in milliseconds in-region; 3 s of silence is a hang.
_ATTEMPTS, _CONNECT_SECONDS, _READ_SECONDS = 3, 1, 3
# The longest one call of those clients can take before it raises (backoff between attempts is milliseconds): what a
# deadline must keep in hand for the call already under way (web/scheduled.py).
CALL_MAX_SECONDS = _ATTEMPTS * (_CONNECT_SECONDS + _READ_SECONDS)
_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": _ATTEMPTS},
    connect_timeout=_CONNECT_SECONDS,
    read_timeout=_READ_SECONDS,
    signature_version="s3v4",
    user_agent=USER_AGENT,
)
# The request's own send right after its commit: one short attempt. The outbox keeps what fails and the sweeper
# re-sends it with the retrying client, so a request never waits out SQS's retries.
_ONE_TRY_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 1},
    connect_timeout=1,
    read_timeout=1,
    user_agent=USER_AGENT,
)


@cache
def s3_client():
    return boto3.client("s3", config=_CLIENT_CONFIG)


@cache
def sqs_client():
    return boto3.client("sqs", config=_CLIENT_CONFIG)


@cache
def sqs_client_one_try():
    return boto3.client("sqs", config=_ONE_TRY_CONFIG)


def clear_clients() -> None:
    s3_client.cache_clear()
    sqs_client.cache_clear()
    sqs_client_one_try.cache_clear()


def not_answering(error: Exception) -> bool:
    """The service did not answer in time (or at all): its next call would most likely wait as long."""
    return isinstance(error, ConnectTimeoutError | ReadTimeoutError | EndpointConnectionError)


# Every upload is stored with this tag, so it expires unless a photo keeps it: docs/architecture.md#the-pending-tag
PENDING_UPLOAD_TAGGING = (
    "<Tagging><TagSet><Tag><Key>darkroom-upload</Key><Value>pending</Value></Tag></TagSet></Tagging>"
)


def presigned_post(*, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict:
    return s3_client().generate_presigned_post(
        Bucket=settings.DARKROOM_BUCKET,
        Key=key,
        Fields={"Content-Type": content_type, "tagging": PENDING_UPLOAD_TAGGING},
        Conditions=[
            {"Content-Type": content_type},
            {"tagging": PENDING_UPLOAD_TAGGING},
            ["content-length-range", 1, max_bytes],
        ],
        ExpiresIn=expires_in,
    )


def keep_original(*, key: str) -> bool:
    """Take a recorded photo's original out of the unconfirmed-uploads expiry. False when it does not exist."""
    try:
        s3_client().delete_object_tagging(Bucket=settings.DARKROOM_BUCKET, Key=key)
    except ClientError as error:
        if _is_missing(error):
            return False
        raise
    return True


def head_object(*, key: str) -> dict | None:
    """The object's metadata, or None when it does not exist."""
    try:
        return s3_client().head_object(Bucket=settings.DARKROOM_BUCKET, Key=key)
    except ClientError as error:
        if _is_missing(error):
            return None
        raise


def _is_missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}


def read_json(*, key: str) -> dict | None:
    """A JSON document from the bucket, or None when it does not exist (yet)."""
    try:
        body = s3_client().get_object(Bucket=settings.DARKROOM_BUCKET, Key=key)["Body"].read()
    except s3_client().exceptions.NoSuchKey:
        return None
    return json.loads(body)


def presigned_get(*, key: str, expires_in: int, download_as: tuple[str, str] | None = None) -> str:
    """A GET URL for `key`; with download_as=(Content-Disposition, Content-Type), S3 answers with those headers."""
    params = {"Bucket": settings.DARKROOM_BUCKET, "Key": key}
    if download_as is not None:
        params["ResponseContentDisposition"], params["ResponseContentType"] = download_as
    # Signing is local computation: a gallery of ready photos makes no S3 request.
    return s3_client().generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)


def delete_objects(*, keys: list[str]) -> None:
    client = s3_client()
    for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
        batch = [{"Key": key} for key in keys[start : start + 1000]]
        response = client.delete_objects(Bucket=settings.DARKROOM_BUCKET, Delete={"Objects": batch, "Quiet": True})
        if response.get("Errors"):
            raise RuntimeError(f"S3 refused to delete {len(response['Errors'])} object(s): {response['Errors'][0]}")


def list_keys(*, prefix: str) -> list[str]:
    paginator = s3_client().get_paginator("list_objects_v2")
    return [
        item["Key"]
        for page in paginator.paginate(Bucket=settings.DARKROOM_BUCKET, Prefix=prefix)
        for item in page.get("Contents", [])
    ]


def send_message(*, queue_url: str, body: str, delay_seconds: int = 0, one_try: bool = False) -> str:
    client = sqs_client_one_try() if one_try else sqs_client()
    return client.send_message(QueueUrl=queue_url, MessageBody=body, DelaySeconds=delay_seconds)["MessageId"]
