"""Plain helpers for the notify tests: AWS-shaped SQS events and SES fault injection."""

import hashlib
import json
import uuid

from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID

REGION = "us-east-1"
QUEUE_NAME = "darkroom-notify"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{DEFAULT_ACCOUNT_ID}:{QUEUE_NAME}"


def sqs_record(body, *, message_id: str | None = None, receive_count: int = 1, receipt_handle: str = "") -> dict:
    """One record as Lambda's SQS event source delivers it; `body` is a dict (sent as JSON) or a raw string."""
    text = body if isinstance(body, str) else json.dumps(body)
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": receipt_handle or f"fake-receipt-{uuid.uuid4()}",
        "body": text,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1767225600000",
            "SenderId": "AROAEXAMPLE:darkroom-web",
            "ApproximateFirstReceiveTimestamp": "1767225600001",
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(text.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": REGION,
    }


def sqs_event(*records: dict) -> dict:
    return {"Records": list(records)}


def failed_ids(response: dict) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


class FaultySes:
    """Wraps the real (moto) SES client; sends to the addresses in `faults` raise the given error instead."""

    def __init__(self, client, faults: dict[str, Exception]):
        self._client = client
        self.faults = faults
        self.attempts: list[str] = []

    def send_email(self, **request):
        to = request["Destination"]["ToAddresses"][0]
        self.attempts.append(to)
        if to in self.faults:
            raise self.faults[to]
        return self._client.send_email(**request)


def client_error(
    code: str, *, status: int = 400, message: str = "injected by the test", operation: str = "SendEmail"
) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation
    )


def fail_first_call(monkeypatch, client, operation: str, error: Exception) -> None:
    """The client's `operation` raises `error` once, as if botocore's own retries had run out, then works."""
    real = getattr(client, operation)
    calls = []

    def call(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise error
        return real(**kwargs)

    monkeypatch.setattr(client, operation, call)
