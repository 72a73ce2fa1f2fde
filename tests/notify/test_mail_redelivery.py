"""Backoff for retryable failures: the message's visibility timeout grows with its receive count."""

import json

import boto3
import pytest

import mail_redelivery
from tests.notify.helpers import QUEUE_ARN, QUEUE_NAME, REGION


@pytest.mark.parametrize(
    ("receive_count", "shortest", "longest"),
    [(1, 15, 30), (2, 30, 60), (3, 60, 120), (4, 120, 240), (5, 240, 480), (6, 450, 900), (50, 450, 900)],
)
def test_backoff_doubles_with_each_receive_up_to_the_cap(receive_count, shortest, longest):
    assert mail_redelivery.backoff_seconds(receive_count, jitter=0.0) == shortest
    assert mail_redelivery.backoff_seconds(receive_count, jitter=0.999999) == longest - 1


def test_backoff_treats_a_missing_count_as_the_first_receive():
    assert mail_redelivery.backoff_seconds(0, jitter=0.0) == 15


# The NotifyQueue's maxReceiveCount and VisibilityTimeout in template.yaml, chosen with this backoff (README).
MAX_RECEIVE_COUNT = 60
VISIBILITY_TIMEOUT = 450
SIX_HOURS = 6 * 60 * 60


def test_a_message_rides_out_six_hours_of_ses_refusing_with_the_shortest_jitter():
    # The last of R deliveries comes after the first R - 1 delays; every jitter at its minimum is the worst case.
    shortest = [mail_redelivery.backoff_seconds(count, jitter=0.0) for count in range(1, MAX_RECEIVE_COUNT)]

    assert sum(shortest) >= SIX_HOURS
    assert sum(shortest) == 24_765  # 6.9 h, the figure in functions/notify/README.md


def test_a_message_not_backed_off_rides_out_six_hours_too():
    # A record handed back for lack of time, or whose ChangeMessageVisibility failed, waits the queue's timeout.
    assert VISIBILITY_TIMEOUT >= mail_redelivery.backoff_seconds(MAX_RECEIVE_COUNT, jitter=0.0)
    assert (MAX_RECEIVE_COUNT - 1) * VISIBILITY_TIMEOUT >= SIX_HOURS


@pytest.mark.parametrize(
    ("arn", "url"),
    [
        (
            "arn:aws:sqs:eu-west-1:123456789012:darkroom-notify",
            "https://sqs.eu-west-1.amazonaws.com/123456789012/darkroom-notify",
        ),
        (
            "arn:aws-cn:sqs:cn-north-1:123456789012:darkroom-notify",
            "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/darkroom-notify",
        ),
    ],
    ids=["aws", "aws-cn"],
)
def test_queue_url_from_event_source_arn(arn, url):
    assert mail_redelivery.queue_url(arn) == url


@pytest.mark.parametrize(
    "arn", ["arn:aws:sns:us-east-1:123456789012:topic", "not-an-arn"], ids=["not-sqs", "not-an-arn"]
)
def test_queue_url_rejects_other_arns(arn):
    with pytest.raises(ValueError):
        mail_redelivery.queue_url(arn)


def test_postpone_hides_the_message_for_the_backoff(aws):
    # GIVEN a queue whose own visibility timeout would redeliver a failed message at once
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=QUEUE_NAME, Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "welcome"}))
    received = sqs.receive_message(QueueUrl=url)["Messages"][0]

    # WHEN the function postpones it, using only what the Lambda event carries
    seconds = mail_redelivery.postpone(
        sqs=sqs, event_source_arn=QUEUE_ARN, receipt_handle=received["ReceiptHandle"], receive_count=1
    )

    # THEN it stays hidden
    assert 15 <= seconds <= 30
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
