"""The local event source mapping behaves like Lambda's: real record shape, partial failures, redrive."""

import json

import boto3
import pytest
from moto import mock_aws

from devstack.lambda_sqs import EventSourceMapping, to_lambda_record
from tests.samples import load_event


@pytest.fixture
def queues():
    with mock_aws():
        sqs = boto3.client("sqs")
        dlq = sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
        work = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "0", "RedrivePolicy": redrive})
        yield sqs, work["QueueUrl"], dlq


def mapping(queue_url: str, handler, batch_size: int = 10) -> EventSourceMapping:
    return EventSourceMapping(name="test", handler=handler, queue_url=queue_url, batch_size=batch_size)


def bodies(sqs, queue_url: str) -> list[str]:
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return sorted(message["Body"] for message in messages)


def test_records_have_the_shape_lambda_delivers(queues):
    sqs, work, _ = queues
    sqs.send_message(
        QueueUrl=work, MessageBody="{}", MessageAttributes={"a": {"DataType": "String", "StringValue": "b"}}
    )
    (message,) = sqs.receive_message(QueueUrl=work, AttributeNames=["All"], MessageAttributeNames=["All"])["Messages"]

    record = to_lambda_record(message, arn="arn:aws:sqs:us-east-1:123456789012:work")

    aws_sample = load_event("aws_sqs_record.json")
    assert set(record) == set(aws_sample)
    assert set(aws_sample["attributes"]) <= set(record["attributes"])
    assert record["messageAttributes"]["a"]["stringValue"] == "b"
    assert record["messageAttributes"]["a"]["dataType"] == "String"
    assert (record["eventSource"], record["awsRegion"]) == ("aws:sqs", "us-east-1")


def test_only_the_records_that_succeeded_are_deleted(queues):
    sqs, work, _ = queues
    for body in ("good-1", "poison", "good-2"):
        sqs.send_message(QueueUrl=work, MessageBody=body)
    seen = []

    def handler(event, context):
        seen.extend(record["body"] for record in event["Records"])
        failures = [record["messageId"] for record in event["Records"] if record["body"] == "poison"]
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}

    assert mapping(work, handler).run_once() == 3

    assert sorted(seen) == ["good-1", "good-2", "poison"]
    assert bodies(sqs, work) == ["poison"]  # back after the visibility timeout (0 here)


def test_a_raising_invocation_retries_the_whole_batch(queues):
    sqs, work, _ = queues
    for body in ("one", "two"):
        sqs.send_message(QueueUrl=work, MessageBody=body)

    def handler(event, context):
        raise RuntimeError("the function crashed")

    mapping(work, handler).run_once()

    assert bodies(sqs, work) == ["one", "two"]


def test_a_record_that_keeps_failing_ends_in_the_dead_letter_queue(queues):
    sqs, work, dlq = queues
    sqs.send_message(QueueUrl=work, MessageBody="poison")

    def handler(event, context):
        return {"batchItemFailures": [{"itemIdentifier": record["messageId"]} for record in event["Records"]]}

    poller = mapping(work, handler)
    assert poller.run_once() == 1 and poller.run_once() == 1  # maxReceiveCount is 2

    # (run_once waits for messages like Lambda's poller, so look at the queues directly)
    assert bodies(sqs, work) == []
    assert bodies(sqs, dlq) == ["poison"]


def test_batches_never_exceed_the_batch_size(queues):
    sqs, work, _ = queues
    for index in range(7):
        sqs.send_message(QueueUrl=work, MessageBody=f"message {index}")
    sizes = []

    def handler(event, context):
        sizes.append(len(event["Records"]))
        assert context.get_remaining_time_in_millis() > 0
        return {"batchItemFailures": []}

    poller = mapping(work, handler, batch_size=3)
    while sum(sizes) < 7:
        poller.run_once()

    assert sum(sizes) == 7 and max(sizes) <= 3


@pytest.mark.parametrize(
    ("body", "summary"),
    [
        ("not json", "unreadable message"),
        ("[1, 2]", "not a JSON object"),
        ('{"Records": [{"s3": "not an object"}]}', "s3 ? ?"),
        ('{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": "k"}}}]}', "s3 ObjectCreated:Put k"),
        ('{"kind": "task.ready", "task": "web.photos.tasks.photo_settle"}', "task.ready web.photos.tasks.photo_settle"),
    ],
)
def test_log_lines_survive_any_body(body, summary):
    from devstack.lambda_sqs import describe

    assert summary in describe({"body": body})
