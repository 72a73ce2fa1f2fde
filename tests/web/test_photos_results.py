"""A photo's result reaches the site with no browser open: S3 notifies the site-tasks queue of each manifest the
resize function writes, and the worker settles the photo (web/photos/tasks.py)."""

import json
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError
from django.tasks import TaskResultStatus

from tests.samples import load_event
from tests.web.factories import make_photo, manifest_for, put_manifest
from web import aws, contracts
from web.photos import keys
from web.photos.models import Photo
from web.photos.tasks import photo_settle
from web.tasks import runner
from web.tasks.models import TaskRecord
from web.tasks.worker import handle_sqs_event

pytestmark = pytest.mark.django_db(transaction=True)  # the worker closes connections, as on Lambda


def s3_event(*object_keys: str) -> str:
    """S3's notification as it lands on the queue, keys URL-encoded as S3 sends them."""
    sample = load_event("s3_manifest_created.json")
    record = sample["Records"][0]
    records = [
        {**record, "s3": {**record["s3"], "object": {**record["s3"]["object"], "key": key}}} for key in object_keys
    ]
    return json.dumps({"Records": records})


def encoded(key: str) -> str:
    return key.replace("/", "%2F")


def test_the_sample_s3_event_names_its_manifest_decoded():
    keys_in_event = contracts.s3_event_keys(json.dumps(load_event("s3_manifest_created.json")))
    assert keys_in_event == ["renditions/0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10/manifest.json"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"}), []),
        (json.dumps(load_event("site_task.json")), None),
        (json.dumps({"Records": [{"eventSource": "aws:sns"}]}), None),
        (json.dumps({"Records": [{"eventSource": "aws:s3"}]}), None),
        ("not json", None),
    ],
)
def test_only_s3_events_are_read_as_s3_events(body, expected):
    assert contracts.s3_event_keys(body) == expected


def test_a_written_manifest_settles_its_photo_at_once(user, s3, settings):
    # GIVEN a processing photo whose manifest resize has just written
    photo = make_photo(user)
    put_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest_for(photo))

    # WHEN S3's notification reaches the worker
    outcome = runner.run_message(s3_event(encoded(keys.manifest_key(photo_id=photo.pk))), worker_id="w")

    # THEN the photo is ready, with no page having asked
    photo.refresh_from_db()
    assert outcome == "s3 event: 1 of 1 handled" and photo.status == "ready" and photo.width == 4032


def test_a_failed_manifest_fails_its_photo_with_the_reason(user, s3, settings):
    photo = make_photo(user)
    put_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest_for(photo, "manifest_failed.json"))

    runner.run_message(s3_event(encoded(keys.manifest_key(photo_id=photo.pk))), worker_id="w")

    photo.refresh_from_db()
    assert (photo.status, photo.failure_code) == ("failed", "unsupported_format")


def test_a_manifest_s3_cannot_serve_now_becomes_a_task_that_retries(user, s3, settings, monkeypatch):
    # GIVEN S3 refuses the read the moment the notification arrives
    photo = make_photo(user)
    put_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest_for(photo))
    real_read = aws.read_json

    def busy(**kwargs):
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "busy"}}, "GetObject")

    monkeypatch.setattr(aws, "read_json", busy)

    # WHEN the worker handles it, THEN a settle task waits, and it fails (to retry) while S3 stays busy
    assert runner.run_message(s3_event(keys.manifest_key(photo_id=photo.pk)), worker_id="w") == (
        "s3 event: 0 of 1 handled"
    )
    [task] = TaskRecord.objects.filter(task_path=photo_settle.module_path)
    assert task.args == [str(photo.pk)] and task.status == TaskResultStatus.READY
    with pytest.raises(Exception, match="could not be read"):
        photo_settle.call(str(photo.pk))

    # AND once S3 answers, the task settles the photo
    monkeypatch.setattr(aws, "read_json", real_read)
    assert photo_settle.call(str(photo.pk)) == "ready"


def test_keys_that_are_no_manifest_and_deleted_photos_are_passed_over(user, caplog):
    photo = make_photo(user)
    gone = make_photo(user)
    Photo.objects.filter(pk=gone.pk).delete()

    with caplog.at_level("WARNING", logger="web.photos.tasks"):
        outcome = runner.run_message(
            s3_event(f"renditions/{photo.pk}/w480.webp", keys.manifest_key(photo_id=gone.pk)), worker_id="w"
        )

    assert outcome == "s3 event: 0 of 2 handled" and "no manifest" in caplog.text
    assert not TaskRecord.objects.exists()


def test_s3s_test_event_is_acknowledged_and_does_nothing():
    body = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"})
    assert runner.run_message(body, worker_id="w") == "s3 test event"


def test_the_buckets_own_notification_reaches_the_worker(user, s3, settings, task_messages):
    # GIVEN the bucket as the template configures it (provisioned on moto), and a processing photo
    photo = make_photo(user)

    # WHEN resize writes the photo's manifest, and the worker gets what the site-tasks queue holds
    put_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest_for(photo))
    bodies = [json.dumps(body) for body in task_messages()]
    handle_sqs_event({"Records": [{"body": body} for body in bodies]}, SimpleNamespace(aws_request_id="r"))

    # THEN the photo is ready
    photo.refresh_from_db()
    assert len(bodies) == 1 and photo.status == "ready"
