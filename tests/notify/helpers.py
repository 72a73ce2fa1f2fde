"""Plain helpers for the notify tests: AWS-shaped SQS events, SES fault injection, bad upload_batch data."""

import hashlib
import json
import uuid

from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID

from tests.samples import load_event

REGION = "us-east-1"
QUEUE_NAME = "darkroom-notify"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{DEFAULT_ACCOUNT_ID}:{QUEUE_NAME}"

_FAILED = {"filename": "cat.jpg", "reason": "Not a photo."}
_NO_KEY = object()

# Changes to the upload_batch sample's data that the function must refuse; _NO_KEY removes the field.
UPLOAD_BATCH_BAD_DATA = {
    "developed-missing": {"developed": _NO_KEY},
    "developed-negative": {"developed": -1},
    "developed-string": {"developed": "18"},
    "developed-float": {"developed": 18.0},
    "developed-bool": {"developed": True},
    "developed-null": {"developed": None},
    "failed-missing": {"failed": _NO_KEY},
    "failed-string": {"failed": "cat.jpg"},
    "failed-object": {"failed": _FAILED},
    "failed-item-string": {"failed": ["cat.jpg"]},
    "failed-item-missing-filename": {"failed": [{"reason": "Not a photo."}]},
    "failed-item-missing-reason": {"failed": [{"filename": "cat.jpg"}]},
    "failed-item-empty-filename": {"failed": [{**_FAILED, "filename": " "}]},
    "failed-item-reason-not-string": {"failed": [{**_FAILED, "reason": 415}]},
    "failed-item-filename-too-long": {"failed": [{**_FAILED, "filename": "a" * 1025}]},
    "failed-too-many": {"failed": [_FAILED] * 1001},
    "failed-count-missing": {"failed_count": _NO_KEY},
    "failed-count-negative": {"failed_count": -2},
    "failed-count-string": {"failed_count": "2"},
    "failed-count-below-listed": {"failed_count": 1},
    "nothing-developed-or-failed": {"developed": 0, "failed_count": 0, "failed": []},
    "gallery-url-missing": {"gallery_url": _NO_KEY},
    "gallery-url-empty": {"gallery_url": ""},
    "gallery-url-javascript": {"gallery_url": "javascript:alert(1)"},
    "gallery-url-relative": {"gallery_url": "/photos/"},
}


def upload_batch(**data) -> dict:
    """The upload_batch sample message with `data` changed (a value of _NO_KEY, as in UPLOAD_BATCH_BAD_DATA, removes
    the field)."""
    sample = load_event("notify_upload_batch.json")
    changed = {**sample["data"], **data}
    return {**sample, "data": {name: value for name, value in changed.items() if value is not _NO_KEY}}


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
