"""One boto3 client per service for notify, made on first use (never at import) and reused by warm invocations.

boto3 honours AWS_ENDPOINT_URL, so the local stack points these at moto server without code changes.
"""

import functools

import boto3
from botocore.config import Config

# Standard mode retries throttling, 5xx and connection errors with jittered exponential backoff and a retry
# quota. total_max_attempts counts the first try (botocore's max_attempts counts retries only, so 3 would mean
# 4 tries). Three attempts absorb a blip; sustained throttling is left to the queue (see mail_redelivery), which
# backs off for minutes instead of keeping the function busy. The timeouts bound one record's worst case at
# about 25 s (3 attempts x (2 s connect + 5 s read) plus backoff); SES normally answers in well under a second.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 3},
    connect_timeout=2,
    read_timeout=5,
    tcp_keepalive=True,
)


@functools.cache
def ses():
    return boto3.client("sesv2", config=CLIENT_CONFIG)


@functools.cache
def sqs():
    return boto3.client("sqs", config=CLIENT_CONFIG)


@functools.cache
def dynamodb():
    return boto3.client("dynamodb", config=CLIENT_CONFIG)
