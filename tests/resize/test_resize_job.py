"""The S3 side of one request, called directly with the client passed in."""

import json

import resize_job
from rendition_spec import Spec
from resize_request import ResizeRequest
from tests.resize.helpers import BUCKET


class OriginalMustNotBeRead:
    """The moto client, except that reading an original's body fails the test."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        return getattr(self._client, name)

    def get_object(self, **kwargs):
        response = self._client.get_object(**kwargs)
        if kwargs["Key"].startswith("uploads/"):
            response["Body"].read = lambda *args: (_ for _ in ()).throw(AssertionError("the original was read"))
        return response


def request_for(message: dict) -> ResizeRequest:
    return ResizeRequest(**{name: message[name] for name in ResizeRequest.__dataclass_fields__})


def test_an_original_over_the_byte_cap_is_refused_without_downloading_it(s3, resize_message, jpeg_bytes):
    message = resize_message()
    s3.put_object(Bucket=BUCKET, Key=message["source_key"], Body=jpeg_bytes())
    client = OriginalMustNotBeRead(s3)

    outcome = resize_job.run(request_for(message), s3=client, bucket=BUCKET, spec=Spec(max_source_bytes=1000))

    assert (outcome.status, outcome.error_code) == ("failed", "too_large")
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{message['output_prefix']}manifest.json")["Body"].read())
    assert manifest["error"] == {"code": "too_large", "message": "image too large"}


def test_an_unreadable_manifest_is_replaced(s3, resize_message, jpeg_bytes):
    message = resize_message()
    s3.put_object(Bucket=BUCKET, Key=message["source_key"], Body=jpeg_bytes())
    s3.put_object(Bucket=BUCKET, Key=f"{message['output_prefix']}manifest.json", Body=b"{truncated")

    outcome = resize_job.run(request_for(message), s3=s3, bucket=BUCKET)

    assert outcome.status == "ready" and outcome.renditions == 8


def test_outcome_reports_what_was_done(s3, resize_message, jpeg_bytes):
    message = resize_message()
    data = jpeg_bytes((300, 200))
    s3.put_object(Bucket=BUCKET, Key=message["source_key"], Body=data)

    first = resize_job.run(request_for(message), s3=s3, bucket=BUCKET)
    second = resize_job.run(request_for(message), s3=s3, bucket=BUCKET)

    assert first == resize_job.Outcome(status="ready", renditions=4, source_bytes=len(data))
    assert second == resize_job.Outcome(status="unchanged", source_bytes=len(data))
