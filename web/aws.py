"""Everything the site asks of AWS, in one place: cached clients (never made at import time) and thin calls.

Tests swap the clients by running under moto's mock_aws and clearing the caches (see tests/web/conftest.py);
the local stack points them at moto server through AWS_ENDPOINT_URL, which boto3 honours on its own.
"""

import json
from concurrent.futures import ThreadPoolExecutor, wait
from functools import cache

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings

# Requests wait on these calls, so fail fast and let the outbox and the sweeper retry later.
_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=2,
    read_timeout=5,
    signature_version="s3v4",
)


@cache
def s3_client():
    return boto3.client("s3", config=_CLIENT_CONFIG)


@cache
def sqs_client():
    return boto3.client("sqs", config=_CLIENT_CONFIG)


@cache
def _side_call_pool() -> ThreadPoolExecutor:
    """Threads for an S3 call a request runs beside another one. Lambda serves one request per process; the
    extra workers are for runserver's threads. A full pool only makes a request wait as long as before."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="darkroom-s3")


def clear_clients() -> None:
    s3_client.cache_clear()
    sqs_client.cache_clear()


# Every browser upload is stored with this tag; confirm removes it. The bucket's lifecycle rule (template.yaml,
# ExpireUnconfirmedUploads) deletes originals still tagged after two days: uploads nobody confirmed.
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


def mark_upload_confirmed(*, key: str) -> None:
    """Take the original out of the unconfirmed-uploads expiry, before any row points at it."""
    s3_client().delete_object_tagging(Bucket=settings.DARKROOM_BUCKET, Key=key)


def head_object(*, key: str) -> dict | None:
    """The object's metadata, or None when it does not exist."""
    try:
        return s3_client().head_object(Bucket=settings.DARKROOM_BUCKET, Key=key)
    except s3_client().exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise


def head_and_mark_confirmed(*, key: str) -> tuple[dict | None, Exception | None]:
    """HEAD the upload and clear its pending tag at the same time, so the request waits for one round trip, not two.

    Returns (head, tag_error): head is None when the object does not exist, and then tag_error is whatever the tag
    call failed with (NoSuchKey on S3). For an object that exists, tag_error is the ClientError that left the tag
    on, or None once it is off; any other failure of either call is raised, after both calls have finished.
    """
    s3_client()  # made here, not by two threads at once: boto3's default session is not thread-safe
    marking = _side_call_pool().submit(mark_upload_confirmed, key=key)
    try:
        head = head_object(key=key)
    finally:
        wait([marking])  # nothing outlives the request (Lambda freezes the process once it answers)
    tag_error = marking.exception()
    if head is not None and tag_error is not None and not isinstance(tag_error, ClientError):
        raise tag_error
    return head, tag_error


def read_json(*, key: str) -> dict | None:
    """A JSON document from the bucket, or None when it does not exist (yet)."""
    try:
        body = s3_client().get_object(Bucket=settings.DARKROOM_BUCKET, Key=key)["Body"].read()
    except s3_client().exceptions.NoSuchKey:
        return None
    return json.loads(body)


def presigned_get(*, key: str, expires_in: int) -> str:
    # Signing is local computation: a gallery of ready photos makes no S3 request.
    return s3_client().generate_presigned_url(
        "get_object", Params={"Bucket": settings.DARKROOM_BUCKET, "Key": key}, ExpiresIn=expires_in
    )


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


def send_message(*, queue_url: str, body: str) -> str:
    return sqs_client().send_message(QueueUrl=queue_url, MessageBody=body)["MessageId"]
