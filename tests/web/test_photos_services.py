"""The sweeper's second job: photos stuck in processing are re-enqueued a bounded number of times, then failed."""

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from django.core.management import call_command
from django.utils import timezone

from tests.web.factories import make_photo, manifest_for, put_manifest, store_original, tags_of
from tests.web.helpers import alarm_phrase
from web import aws
from web.outbox.models import OutboxMessage
from web.photos.models import Photo
from web.photos.services import (
    photo_delete,
    photo_recover_stuck,
    photo_refresh,
)

pytestmark = pytest.mark.django_db


def overdue(settings) -> timezone.datetime:
    return timezone.now() - timedelta(seconds=settings.DARKROOM_PROCESSING_DEADLINE_SECONDS + 1)


def test_stuck_photo_is_reenqueued_with_its_correlation_id(user, s3, settings, django_capture_on_commit_callbacks):
    photo = make_photo(user, resize_requested_at=overdue(settings), correlation_id="abc123abc123")
    store_original(s3, settings.DARKROOM_BUCKET, photo)

    with django_capture_on_commit_callbacks(execute=True):
        counts = photo_recover_stuck()

    assert counts == {"finished": 0, "requeued": 1, "failed": 0, "errors": 0}
    photo.refresh_from_db()
    assert photo.resize_attempts == 2 and photo.status == "processing"
    message = OutboxMessage.objects.get()
    assert message.sent_at is not None
    assert message.body["kind"] == "resize.requested" and message.body["correlation_id"] == "abc123abc123"


@pytest.mark.parametrize(("attempts", "outcome"), [(1, "requeued"), (3, "failed")])
def test_a_stuck_photo_keeps_its_original_past_the_unconfirmed_expiry(user, s3, settings, attempts, outcome):
    # GIVEN a photo whose resize never ran (its messages in a dead-letter queue, say), so its original is still
    # tagged as a pending upload, which the bucket deletes after two days
    settings.DARKROOM_MAX_RESIZE_ATTEMPTS = 3
    photo = make_photo(user, resize_requested_at=overdue(settings), resize_attempts=attempts)
    store_original(s3, settings.DARKROOM_BUCKET, photo)

    # WHEN the sweeper re-enqueues it, or gives up on it
    counts = photo_recover_stuck()

    # THEN the original is out of that expiry either way: a later redrive or the user still finds it
    assert counts[outcome] == 1
    assert tags_of(s3, settings.DARKROOM_BUCKET, photo.original_key) == []


def test_a_stuck_photo_whose_original_is_gone_fails_with_that_reason(user, settings):
    # GIVEN a photo processing past the deadline whose original no longer exists
    photo = make_photo(user, resize_requested_at=overdue(settings))

    # WHEN the sweeper looks at it
    counts = photo_recover_stuck()

    # THEN it fails at once with a reason the user can act on, instead of three more resize attempts
    assert counts == {"finished": 0, "requeued": 0, "failed": 1, "errors": 0}
    photo.refresh_from_db()
    assert (photo.status, photo.failure_code) == ("failed", "original_missing")
    assert "upload it again" in photo.failure_message
    assert not OutboxMessage.objects.exists()


def test_a_stuck_photo_whose_original_goes_between_head_and_tag_call_fails_with_that_reason(
    user, s3, settings, monkeypatch
):
    # GIVEN a stuck photo whose original S3 still HEADs, then answers NoSuchKey to the tag call (deleted meanwhile)
    photo = make_photo(user, resize_requested_at=overdue(settings))
    store_original(s3, settings.DARKROOM_BUCKET, photo)
    monkeypatch.setattr(aws, "keep_original", lambda *, key: False)

    assert photo_recover_stuck()["failed"] == 1
    photo.refresh_from_db()
    assert photo.failure_code == "original_missing"


def test_s3_trouble_clearing_the_tag_leaves_the_photo_to_the_next_sweep(user, s3, settings, monkeypatch):
    photo = make_photo(user, resize_requested_at=overdue(settings))
    store_original(s3, settings.DARKROOM_BUCKET, photo)

    def throttled(**kwargs):
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "DeleteObjectTagging")

    monkeypatch.setattr(aws, "keep_original", throttled)

    assert photo_recover_stuck() == {"finished": 0, "requeued": 0, "failed": 0, "errors": 1}
    photo.refresh_from_db()
    assert (photo.status, photo.resize_attempts) == ("processing", 1)


def test_photo_within_deadline_is_left_alone(user):
    make_photo(user)

    assert photo_recover_stuck() == {"finished": 0, "requeued": 0, "failed": 0, "errors": 0}


def test_after_the_last_attempt_the_photo_fails_with_a_reason(user, s3, settings):
    photo = make_photo(
        user, resize_requested_at=overdue(settings), resize_attempts=settings.DARKROOM_MAX_RESIZE_ATTEMPTS
    )
    store_original(s3, settings.DARKROOM_BUCKET, photo)

    assert photo_recover_stuck()["failed"] == 1
    photo.refresh_from_db()
    assert photo.status == "failed" and photo.failure_code == "timeout"
    assert "did not finish" in photo.failure_message
    assert not OutboxMessage.objects.exists()


def test_finished_photo_nobody_looked_at_is_settled_from_its_manifest(user, s3, settings):
    photo = make_photo(user, resize_requested_at=overdue(settings))
    put_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest_for(photo))

    assert photo_recover_stuck()["finished"] == 1
    photo.refresh_from_db()
    assert photo.status == "ready"


def test_sweep_command_reports_what_it_did(user, s3, settings, capsys):
    store_original(s3, settings.DARKROOM_BUCKET, make_photo(user, resize_requested_at=overdue(settings)))

    call_command("sweep")

    assert "1 re-enqueued" in capsys.readouterr().out


def test_one_broken_photo_does_not_stop_the_sweep(user, s3, settings, monkeypatch, caplog):
    from web.photos import services

    broken, fine = (make_photo(user, resize_requested_at=overdue(settings)) for _ in range(2))
    put_manifest(s3, settings.DARKROOM_BUCKET, fine, manifest_for(fine))
    real_refresh = services.photo_refresh

    def refresh(*, photo):
        if photo.pk == broken.pk:
            raise RuntimeError("S3 exploded")
        return real_refresh(photo=photo)

    monkeypatch.setattr(services, "photo_refresh", refresh)

    with caplog.at_level("ERROR", logger="web.photos.services"):
        assert photo_recover_stuck() == {"finished": 1, "requeued": 0, "failed": 0, "errors": 1}
    fine.refresh_from_db()
    assert fine.status == "ready"
    # template.yaml's SweepErrorMetric counts this line; its alarm fires when sweeps keep failing
    assert alarm_phrase("SweepErrorMetric") in caplog.text


def test_a_late_result_wins_over_a_timeout(user, s3, settings):
    photo = make_photo(user, status="failed", failure_code="timeout", failure_message="processing did not finish")
    put_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest_for(photo))

    photo = photo_refresh(photo=photo)

    assert (photo.status, photo.failure_code, photo.failure_message) == ("ready", "", "")


def test_a_manifest_that_is_not_json_fails_the_photo(user, s3, settings):
    photo = make_photo(user)
    s3.put_object(Bucket=settings.DARKROOM_BUCKET, Key=f"renditions/{photo.pk}/manifest.json", Body=b"{oops")

    assert photo_refresh(photo=photo).failure_code == "bad_manifest"


def test_s3_trouble_while_reading_a_manifest_keeps_the_photo_processing(user, monkeypatch):
    def throttled(**kwargs):
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "GetObject")

    monkeypatch.setattr(aws, "read_json", throttled)

    assert photo_refresh(photo=make_photo(user)).status == "processing"


def test_deleting_a_photo_removes_the_original_before_listing_its_renditions(user, s3, settings, monkeypatch):
    # A resize still running checks the original after its last write: gone first, so no rendition outlives it.
    photo = make_photo(user)
    s3.put_object(Bucket=settings.DARKROOM_BUCKET, Key=photo.original_key, Body=b"x")
    s3.put_object(Bucket=settings.DARKROOM_BUCKET, Key=f"renditions/{photo.pk}/w240.jpg", Body=b"x")
    list_keys, original_at_listing = aws.list_keys, []

    def listing(*, prefix):
        original_at_listing.append(aws.head_object(key=photo.original_key))
        return list_keys(prefix=prefix)

    monkeypatch.setattr(aws, "list_keys", listing)

    photo_delete(photo=photo)

    assert original_at_listing == [None]
    assert s3.list_objects_v2(Bucket=settings.DARKROOM_BUCKET).get("Contents", []) == []
    assert not Photo.objects.filter(pk=photo.pk).exists()
