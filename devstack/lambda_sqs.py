"""A local stand-in for Lambda's SQS event source mapping, run in its own process per function (as on Lambda).

It long-polls the queue, hands the function Lambda-shaped batches, deletes only the records that succeeded
(honouring `batchItemFailures`), and leaves the rest to come back after the visibility timeout, so SQS's own
redrive (moto implements it) moves poison messages to the dead-letter queue after maxReceiveCount receives.

    python -m devstack.lambda_sqs --name resize --handler resize.lambda_handler --queue-url URL --batch-size 5

The function's folder must be on PYTHONPATH, exactly as Lambda puts its task root on sys.path.
"""

import argparse
import importlib
import json
import logging
import os
import signal
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

import boto3

from devstack import faults

logger = logging.getLogger("devstack")


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that Powertools and the functions read."""

    function_name: str
    timeout_seconds: int
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _deadline: float = field(default=0.0)

    def __post_init__(self):
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        self.function_version = "$LATEST"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def queue_arn(queue_url: str) -> str:
    account, name = queue_url.rstrip("/").split("/")[-2:]
    return f"arn:aws:sqs:us-east-1:{account}:{name}"


def to_lambda_record(message: dict, *, arn: str) -> dict:
    """An SQS ReceiveMessage entry in the shape Lambda delivers it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": "us-east-1",
    }


def describe(record: dict) -> str:
    try:
        body = json.loads(record["body"])
    except ValueError:
        return "unreadable message"
    if not isinstance(body, dict):
        return "message that is not a JSON object"
    records = body.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict) and "s3" in records[0]:
        first = records[0]
        s3 = first["s3"] if isinstance(first["s3"], dict) else {}
        key = s3.get("object", {}).get("key", "?") if isinstance(s3.get("object"), dict) else "?"
        return f"s3 {first.get('eventName', '?')} {unquote_plus(key)}"
    subject = body.get("photo_id") or body.get("idempotency_key") or body.get("task") or "?"
    return f"{body.get('kind', '?')} {subject} correlation_id={body.get('correlation_id', '-')}"


@dataclass
class EventSourceMapping:
    name: str
    handler: object
    queue_url: str
    batch_size: int = 10
    batching_window_seconds: int = 0
    timeout_seconds: int = 30
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        self.sqs = boto3.client("sqs")
        self.arn = queue_arn(self.queue_url)

    def receive(self) -> list[dict]:
        """Up to batch_size messages, waiting at most the batching window for more once one has arrived."""
        messages: list[dict] = []
        window_ends = None
        while len(messages) < self.batch_size and not self.stop.is_set():
            wait = 1 if window_ends is None else max(0, int(window_ends - time.monotonic()))
            received = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(10, self.batch_size - len(messages)),
                WaitTimeSeconds=wait,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            messages.extend(received)
            if messages and window_ends is None:
                window_ends = time.monotonic() + self.batching_window_seconds
            if messages and (not received or time.monotonic() >= window_ends):
                break
        return messages

    def invoke(self, records: list[dict]) -> set[str]:
        """Run the function on one batch; return the message ids that failed."""
        context = LambdaContext(function_name=f"darkroom-{self.name}", timeout_seconds=self.timeout_seconds)
        try:
            response = self.handler({"Records": records}, context) or {}
        except Exception:
            logger.exception("%s: the invocation failed; the whole batch will be retried", self.name)
            return {record["messageId"] for record in records}
        return {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}

    def run_once(self) -> int:
        messages = self.receive()
        if not messages:
            return 0
        records = [to_lambda_record(message, arn=self.arn) for message in messages]
        failed = self.invoke(records)
        done = [record for record in records if record["messageId"] not in failed]
        for start in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": record["receiptHandle"]}
                    for index, record in enumerate(done[start : start + 10])
                ],
            )
        for record in records:
            if record["messageId"] in failed:
                receives = record["attributes"].get("ApproximateReceiveCount", "?")
                logger.warning("%-6s retry   %s (receive %s)", self.name, describe(record), receives)
            else:
                logger.info("%-6s done    %s", self.name, describe(record))
        return len(records)

    def run_forever(self) -> None:
        parent = os.getppid()
        while not self.stop.is_set():
            if os.getppid() != parent:  # the local stack died without stopping us (kill -9): stop polling too
                logger.warning("%s: the local stack is gone; stopping", self.name)
                return
            try:
                self.run_once()
            except Exception:  # the queue endpoint went away or hiccuped: keep polling, like Lambda's pollers
                logger.exception("%s: polling failed; retrying in a second", self.name)
                self.stop.wait(1)


def load_handler(dotted: str):
    module_name, function_name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module_name), function_name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.lambda_sqs", description=__doc__)
    parser.add_argument("--name", required=True)
    parser.add_argument("--handler", required=True)
    parser.add_argument("--queue-url", required=True)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--batching-window", type=int, default=0)
    parser.add_argument("--timeout", type=int, default=30)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("botocore").setLevel(logging.WARNING)  # one line per record, not per credential lookup
    faults.install_from_environment()  # only the tests and the load run set DEVSTACK_FAULTS
    mapping = EventSourceMapping(
        name=args.name,
        handler=load_handler(args.handler),
        queue_url=args.queue_url,
        batch_size=args.batch_size,
        batching_window_seconds=args.batching_window,
        timeout_seconds=args.timeout,
    )
    signal.signal(signal.SIGTERM, lambda *_: mapping.stop.set())
    try:
        mapping.run_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
