"""An original cannot be replaced after confirm: a second POST with the upload's presigned policy (valid a minute)
is caught by the check that runs once the policy has expired, or by the sweeper's recovery, against the ETag pinned
at confirm; the pending tag never stays on a confirmed original."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.web.factories import PENDING_TAG, tags_of
from tests.web.helpers import browser_upload, jpeg_bytes, post_json, presign
from web.photos.models import Photo
from web.photos.services import photo_recover_stuck
from web.photos.tasks import photo_original_check
from web.tasks.models import TaskRecord

pytestmark = pytest.mark.django_db


def _upload_and_confirm(client) -> tuple[dict, Photo]:
    """Presign, POST, confirm: returns the presigned POST (which the owner's browser keeps) and the photo."""
    content = jpeg_bytes()
    presigned = presign(client, size=len(content)).json()
    assert browser_upload(presigned, content) == 204
    response = post_json(client, "/api/uploads/confirm", {"key": presigned["key"], "filename": "photo.jpg"})
    assert response.status_code == 201
    return presigned, Photo.objects.get()


def _resized(s3, settings, photo: Photo) -> None:
    """What resize does once it takes the photo on: the pending tag comes off, the photo is ready."""
    s3.delete_object_tagging(Bucket=settings.DARKROOM_BUCKET, Key=photo.original_key)
    Photo.objects.filter(pk=photo.pk).update(status="ready")


def _post_again(s3, settings, presigned: dict, content: bytes) -> None:
    """A second POST with the same presigned policy, as S3 stores it: the new bytes, tagged pending by the policy's
    tagging field (which moto ignores, so it is applied here)."""
    assert browser_upload(presigned, content) == 204
    s3.put_object_tagging(Bucket=settings.DARKROOM_BUCKET, Key=presigned["key"], Tagging=PENDING_TAG)


def test_confirm_pins_the_etag_and_schedules_the_check_for_after_the_policy_expired(user_client, s3, settings):
    _, photo = _upload_and_confirm(user_client)

    head = s3.head_object(Bucket=settings.DARKROOM_BUCKET, Key=photo.original_key)
    assert photo.etag == head["ETag"]
    check = TaskRecord.objects.get(task_path="web.photos.tasks.photo_original_check")
    assert check.args == [str(photo.pk)]
    assert check.run_after >= photo.created_at + timedelta(seconds=settings.DARKROOM_PRESIGN_EXPIRY_SECONDS)


def test_a_second_post_to_a_confirmed_key_fails_the_photo_plainly(user_client, s3, settings):
    # GIVEN a confirmed photo that resize developed, its original out of the unconfirmed-uploads expiry
    presigned, photo = _upload_and_confirm(user_client)
    _resized(s3, settings, photo)

    # WHEN its owner's policy, still valid, POSTs other bytes to the same key: S3 stores them, tagged pending again
    _post_again(s3, settings, presigned, jpeg_bytes(width=32, height=32))
    # AND the check runs once that policy has expired
    assert photo_original_check.call(str(photo.pk)) == "replaced"

    # THEN the photo fails, saying so, rather than showing renditions of a file no longer stored; the replacement
    # keeps its pending tag, so the bucket deletes it
    photo.refresh_from_db()
    assert (photo.status, photo.failure_code) == ("failed", "original_replaced")
    assert tags_of(s3, settings.DARKROOM_BUCKET, photo.original_key) == PENDING_TAG["TagSet"]


def test_the_same_bytes_posted_again_lose_the_pending_tag_for_good(user_client, s3, settings):
    # GIVEN a developed photo whose owner's browser POSTed the very same file again (a retry)
    presigned, photo = _upload_and_confirm(user_client)
    _resized(s3, settings, photo)
    original = s3.get_object(Bucket=settings.DARKROOM_BUCKET, Key=photo.original_key)["Body"].read()
    _post_again(s3, settings, presigned, original)

    # WHEN the check runs after the policy expired
    assert photo_original_check.call(str(photo.pk)) == "kept"

    # THEN the original is the one confirmed, out of the expiry for good, and the photo stays ready
    assert tags_of(s3, settings.DARKROOM_BUCKET, photo.original_key) == []
    photo.refresh_from_db()
    assert photo.status == "ready"


def test_the_sweeper_does_not_keep_a_replaced_original_of_a_stuck_photo(user_client, s3, settings):
    # GIVEN a confirmed photo resize never took on, whose original was then posted over
    presigned, photo = _upload_and_confirm(user_client)
    _post_again(s3, settings, presigned, jpeg_bytes(width=32, height=32))
    overdue = timezone.now() - timedelta(seconds=settings.DARKROOM_PROCESSING_DEADLINE_SECONDS + 1)
    Photo.objects.filter(pk=photo.pk).update(resize_requested_at=overdue)

    # WHEN the sweeper recovers stuck photos
    counts = photo_recover_stuck()

    # THEN it fails the photo instead of taking the replacement out of the expiry or asking resize for it again
    assert counts["failed"] == 1 and counts["requeued"] == 0
    photo.refresh_from_db()
    assert (photo.status, photo.failure_code) == ("failed", "original_replaced")
    assert tags_of(s3, settings.DARKROOM_BUCKET, photo.original_key) == PENDING_TAG["TagSet"]


def test_the_check_of_a_photo_deleted_meanwhile_does_nothing():
    assert photo_original_check.call("00000000-0000-0000-0000-000000000000") == "gone"
