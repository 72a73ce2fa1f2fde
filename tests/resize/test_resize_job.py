"""The S3 side of one request, called directly with the client passed in."""

import json

import pytest
from botocore.exceptions import ClientError

import resize_job
from rendition_spec import Spec
from resize_request import ResizeRequest, parse_request
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
    return parse_request(json.dumps(message))


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

    assert outcome.status == "ready" and outcome.renditions == 4


def test_outcome_reports_what_was_done(s3, resize_message, jpeg_bytes):
    message = resize_message()
    data = jpeg_bytes((300, 200))
    s3.put_object(Bucket=BUCKET, Key=message["source_key"], Body=data)

    first = resize_job.run(request_for(message), s3=s3, bucket=BUCKET)
    second = resize_job.run(request_for(message), s3=s3, bucket=BUCKET)

    assert first == resize_job.Outcome(status="ready", renditions=2, source_bytes=len(data))
    assert second == resize_job.Outcome(status="unchanged", source_bytes=len(data))


class DeletedWhenWriting:
    """The moto client, except that the photo is deleted the way the site deletes it (original first, then what
    it lists under the renditions prefix) just before the job writes `when` ("rendition" or "manifest")."""

    def __init__(self, client, *, source_key: str, output_prefix: str, when: str):
        self._client, self._source_key, self._prefix, self._when = client, source_key, output_prefix, when
        self.deleted = False

    def __getattr__(self, name):
        return getattr(self._client, name)

    def put_object(self, **kwargs):
        writing = "manifest" if kwargs["Key"].endswith("manifest.json") else "rendition"
        if writing == self._when and not self.deleted:
            self._client.delete_object(Bucket=BUCKET, Key=self._source_key)
            listed = self._client.list_objects_v2(Bucket=BUCKET, Prefix=self._prefix).get("Contents", [])
            for item in listed:
                self._client.delete_object(Bucket=BUCKET, Key=item["Key"])
            self.deleted = True
        return self._client.put_object(**kwargs)


def outputs(s3, prefix: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]


def test_a_photo_deleted_while_its_renditions_are_written_leaves_nothing_behind(s3, resize_message, jpeg_bytes):
    # GIVEN a resize that has read the original, and the site deleting the photo after its first rendition write
    message = resize_message()
    s3.put_object(Bucket=BUCKET, Key=message["source_key"], Body=jpeg_bytes())
    client = DeletedWhenWriting(
        s3, source_key=message["source_key"], output_prefix=message["output_prefix"], when="rendition"
    )

    # WHEN the job finishes its writes
    outcome = resize_job.run(request_for(message), s3=client, bucket=BUCKET)

    # THEN it notices the original is gone and removes every rendition and the manifest it wrote
    assert client.deleted
    assert outcome.status == "deleted"
    assert outputs(s3, message["output_prefix"]) == []


def test_a_photo_deleted_before_its_failed_manifest_leaves_nothing_behind(s3, resize_message):
    message = resize_message()
    s3.put_object(Bucket=BUCKET, Key=message["source_key"], Body=b"%!PS-Adobe-3.0 EPSF-3.0\n")
    client = DeletedWhenWriting(
        s3, source_key=message["source_key"], output_prefix=message["output_prefix"], when="manifest"
    )

    outcome = resize_job.run(request_for(message), s3=client, bucket=BUCKET)

    assert outcome.status == "deleted"
    assert outputs(s3, message["output_prefix"]) == []


PENDING = {"TagSet": [{"Key": "darkroom-upload", "Value": "pending"}]}


@pytest.mark.parametrize(("content", "status"), [(b"%!PS-Adobe-3.0 EPSF-3.0\n", "failed"), (None, "ready")])
def test_the_original_leaves_the_unconfirmed_expiry_when_the_photo_is_taken_on(
    s3, resize_message, jpeg_bytes, content, status
):
    # GIVEN an original still tagged as a pending upload, which the bucket's lifecycle rule deletes after two days
    message = resize_message()
    s3.put_object(Bucket=BUCKET, Key=message["source_key"], Body=content or jpeg_bytes())
    s3.put_object_tagging(Bucket=BUCKET, Key=message["source_key"], Tagging=PENDING)

    # WHEN its resize runs, whether the image is good or not
    outcome = resize_job.run(request_for(message), s3=s3, bucket=BUCKET)

    # THEN the tag is gone: the photo is recorded, so its original stays until the user deletes it
    assert outcome.status == status
    assert s3.get_object_tagging(Bucket=BUCKET, Key=message["source_key"])["TagSet"] == []


def test_a_redelivery_for_a_finished_photo_still_keeps_its_original(s3, resize_message, jpeg_bytes):
    # GIVEN a photo already resized, whose original still carries the pending tag (its manifest was written by an
    # older resize, which left the tag to the site's confirm)
    message = resize_message()
    s3.put_object(Bucket=BUCKET, Key=message["source_key"], Body=jpeg_bytes())
    assert resize_job.run(request_for(message), s3=s3, bucket=BUCKET).status == "ready"
    s3.put_object_tagging(Bucket=BUCKET, Key=message["source_key"], Tagging=PENDING)

    # WHEN the request is delivered again
    outcome = resize_job.run(request_for(message), s3=s3, bucket=BUCKET)

    # THEN nothing is rendered again, and the original is out of the expiry all the same
    assert outcome.status == "unchanged"
    assert s3.get_object_tagging(Bucket=BUCKET, Key=message["source_key"])["TagSet"] == []


class TagCallFails:
    """The moto client, except that the tag call fails with the given S3 error code."""

    def __init__(self, client, code: str):
        self._client, self._code = client, code

    def __getattr__(self, name):
        return getattr(self._client, name)

    def delete_object_tagging(self, **kwargs):
        raise ClientError({"Error": {"Code": self._code, "Message": self._code}}, "DeleteObjectTagging")


def test_an_original_deleted_before_its_tag_is_cleared_is_missing_and_leaves_nothing(s3, resize_message, jpeg_bytes):
    # GIVEN the photo deleted between the job's GET and its tag call (S3 answers NoSuchKey)
    message = resize_message()
    s3.put_object(Bucket=BUCKET, Key=message["source_key"], Body=jpeg_bytes())

    outcome = resize_job.run(request_for(message), s3=TagCallFails(s3, "NoSuchKey"), bucket=BUCKET)

    # THEN nothing is written for it
    assert outcome.status == "missing"
    assert outputs(s3, message["output_prefix"]) == []


def test_a_failed_tag_call_is_raised_before_any_write_so_the_queue_retries_it(s3, resize_message, jpeg_bytes):
    message = resize_message()
    s3.put_object(Bucket=BUCKET, Key=message["source_key"], Body=jpeg_bytes())

    with pytest.raises(ClientError):
        resize_job.run(request_for(message), s3=TagCallFails(s3, "SlowDown"), bucket=BUCKET)

    # no manifest: the retry does the whole job, tag included
    assert outputs(s3, message["output_prefix"]) == []


def test_a_missing_original_clears_what_an_earlier_attempt_left(s3, resize_message):
    # GIVEN renditions from an attempt cut short by the photo's deletion, and no original any more
    message = resize_message()
    for name in ("w1920.jpg", "w1920.webp"):
        s3.put_object(Bucket=BUCKET, Key=f"{message['output_prefix']}{name}", Body=b"partial")

    outcome = resize_job.run(request_for(message), s3=s3, bucket=BUCKET)

    assert outcome.status == "missing"
    assert outputs(s3, message["output_prefix"]) == []


def test_a_failed_clean_up_is_raised_so_the_queue_retries_it(s3, resize_message):
    message = resize_message()
    s3.put_object(Bucket=BUCKET, Key=f"{message['output_prefix']}w240.jpg", Body=b"partial")

    class DeleteRefused:
        def __getattr__(self, name):
            return getattr(s3, name)

        def delete_objects(self, **kwargs):
            return {"Errors": [{"Key": kwargs["Delete"]["Objects"][0]["Key"], "Code": "AccessDenied"}]}

    with pytest.raises(RuntimeError, match="could not delete 1 output"):
        resize_job.run(request_for(message), s3=DeleteRefused(), bucket=BUCKET)


def test_a_photo_still_there_after_the_writes_keeps_its_renditions(s3, resize_message, jpeg_bytes):
    message = resize_message()
    s3.put_object(Bucket=BUCKET, Key=message["source_key"], Body=jpeg_bytes((300, 200)))

    outcome = resize_job.run(request_for(message), s3=s3, bucket=BUCKET)

    assert outcome.status == "ready"
    assert len(outputs(s3, message["output_prefix"])) == outcome.renditions + 1  # and the manifest


def test_an_original_replaced_after_confirm_is_never_read(s3, resize_message, jpeg_bytes):
    # GIVEN a photo confirmed with its ETag pinned, and another file posted to its key afterwards
    message = resize_message()
    pinned = s3.put_object(Bucket=BUCKET, Key=message["source_key"], Body=jpeg_bytes())["ETag"]
    s3.put_object(Bucket=BUCKET, Key=message["source_key"], Body=jpeg_bytes((300, 200)))
    client = OriginalMustNotBeRead(s3)

    # WHEN its resize runs
    outcome = resize_job.run(request_for({**message, "source_etag": pinned}), s3=client, bucket=BUCKET)

    # THEN the photo fails with the pinned version's ETag, the one the site waits for, and nothing else is written
    assert (outcome.status, outcome.error_code) == ("failed", "original_replaced")
    assert outputs(s3, message["output_prefix"]) == [f"{message['output_prefix']}manifest.json"]
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{message['output_prefix']}manifest.json")["Body"].read())
    assert manifest["source"] == {"key": message["source_key"], "etag": pinned}
