"""Backing off a record that failed, by pushing its next delivery further out each time.

A failed record comes back when its visibility timeout ends; changing that timeout with the receive count
turns the queue's fixed retry interval into an exponential backoff, so a throttled SES is not hammered. The cap
bounds how long mail waits once SES is back; the queue's maxReceiveCount, not the cap, sets how long an SES pause
a message rides out before the dead-letter queue (functions/notify/README.md has the figures).
"""

import random

BASE_SECONDS = 30
MAX_SECONDS = 15 * 60
_DOMAINS = {"aws-cn": "amazonaws.com.cn"}


def backoff_seconds(receive_count: int, *, jitter: float) -> int:
    """Exponential in the receive count, capped; "equal jitter" keeps at least half the delay while spreading
    a throttled batch out so its retries do not all arrive together. `jitter` is a number in [0, 1)."""
    ceiling = min(MAX_SECONDS, BASE_SECONDS * 2 ** max(receive_count - 1, 0))
    return int(ceiling / 2 + ceiling / 2 * jitter)


def queue_url(event_source_arn: str) -> str:
    """arn:aws:sqs:<region>:<account>:<name> -> the queue URL change_message_visibility needs."""
    _, partition, service, region, account, name = event_source_arn.split(":", 5)
    if service != "sqs":
        raise ValueError(f"not an SQS queue ARN: {event_source_arn}")
    return f"https://sqs.{region}.{_DOMAINS.get(partition, 'amazonaws.com')}/{account}/{name}"


def postpone(*, sqs, event_source_arn: str, receipt_handle: str, receive_count: int) -> int:
    """Make the message invisible for the backoff delay; returns the delay in seconds."""
    seconds = backoff_seconds(receive_count, jitter=random.random())
    sqs.change_message_visibility(
        QueueUrl=queue_url(event_source_arn), ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )
    return seconds
