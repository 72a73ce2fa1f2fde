"""One email per upload batch: the files picked together are mailed about once, when every one has settled, or
when the batch has gone quiet with some never confirmed (web/photos/batches.py)."""

import time
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.web.factories import deliver_manifest, manifest_for
from tests.web.helpers import post_json, upload_and_confirm
from web.photos.batches import batches_quiet, upload_batch_mail
from web.photos.models import Photo, UploadBatch
from web.tasks.models import TaskRecord

pytestmark = pytest.mark.django_db


def mail_tasks() -> list[list]:
    return list(TaskRecord.objects.filter(task_path=upload_batch_mail.module_path).values_list("args", flat=True))


def confirm_batch(client, batch_id: str, size: int, count: int) -> list[Photo]:
    for number in range(count):
        response = upload_and_confirm(client, filename=f"IMG_{number}.jpg", batch={"id": batch_id, "size": size})
        assert response.status_code == 201
    return list(Photo.objects.filter(batch_id=batch_id).order_by("filename"))


def settle(s3, settings, photo: Photo, sample: str = "manifest_ready.json") -> None:
    deliver_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest_for(photo, sample))


def test_the_last_photo_to_settle_mails_the_batch_once(user_client, user, s3, settings, notify_messages):
    # GIVEN three photos picked together, confirmed
    batch_id = str(uuid.uuid4())
    first, second, third = confirm_batch(user_client, batch_id, size=3, count=3)

    # WHEN two develop and one fails, THEN only the last to settle enqueues the email
    settle(s3, settings, first)
    settle(s3, settings, second, "manifest_failed.json")
    assert mail_tasks() == []
    settle(s3, settings, third)
    assert mail_tasks() == [[batch_id]]

    # AND the task sends one email with the counts, the failure's reason and the gallery's link; never a second
    assert upload_batch_mail.call(batch_id) == "2 developed, 1 failed"
    assert upload_batch_mail.call(batch_id) == "already sent"
    from web.outbox.services import outbox_flush

    outbox_flush(older_than=timedelta(0))
    [email] = notify_messages()
    assert email["kind"] == "upload_batch" and email["idempotency_key"] == f"upload-batch:{batch_id}"
    assert email["to"] == user.email
    assert email["data"] == {
        "developed": 2,
        "failed_count": 1,
        "failed": [{"filename": "IMG_1.jpg", "reason": "Not a photo: Darkroom reads JPEG, PNG, WebP, GIF and HEIC."}],
        "gallery_url": "http://testserver/photos/",
    }


def test_a_batch_with_files_never_confirmed_is_mailed_once_it_goes_quiet(user_client, s3, settings):
    # GIVEN a batch of three whose page was closed after two were confirmed, both since developed
    batch_id = str(uuid.uuid4())
    for photo in confirm_batch(user_client, batch_id, size=3, count=2):
        settle(s3, settings, photo)
    assert mail_tasks() == []

    # WHEN the sweeper runs before, then after the batch has been quiet for ten minutes
    call_command("sweep")
    assert mail_tasks() == []
    UploadBatch.objects.update(last_confirmed_at=timezone.now() - timedelta(minutes=11))
    call_command("sweep")

    # THEN its email is on its way, once
    call_command("sweep")
    assert upload_batch_mail.call(batch_id) == "2 developed, 0 failed"
    call_command("sweep")
    assert len(mail_tasks()) == 1


def test_quiet_batches_past_the_sweeps_deadline_wait_for_the_next_run(user_client, s3, settings):
    batch_id = str(uuid.uuid4())
    for photo in confirm_batch(user_client, batch_id, size=3, count=2):
        settle(s3, settings, photo)
    UploadBatch.objects.update(last_confirmed_at=timezone.now() - timedelta(minutes=11))

    assert batches_quiet(deadline=time.monotonic() - 1) == 0
    assert mail_tasks() == []
    assert batches_quiet() == 1


def test_a_quiet_batch_still_developing_waits(user_client):
    batch_id = str(uuid.uuid4())
    confirm_batch(user_client, batch_id, size=2, count=1)
    UploadBatch.objects.update(last_confirmed_at=timezone.now() - timedelta(hours=1))

    call_command("sweep")

    assert mail_tasks() == []


def test_confirming_again_keeps_the_batch_and_notes_the_time(user_client):
    batch_id = str(uuid.uuid4())
    [photo] = confirm_batch(user_client, batch_id, size=1, count=1)
    UploadBatch.objects.update(last_confirmed_at=timezone.now() - timedelta(hours=1))

    again = post_json(
        user_client,
        "/api/uploads/confirm",
        {"key": photo.original_key, "filename": "x.jpg", "batch": {"id": batch_id, "size": 1}},
    )

    assert again.status_code == 200 and UploadBatch.objects.get().size == 1


def test_a_photo_without_a_batch_is_mailed_about_by_no_one(user_client, s3, settings, notify_messages):
    upload_and_confirm(user_client)
    settle(s3, settings, Photo.objects.get())

    assert mail_tasks() == [] and notify_messages() == []


def test_another_users_batch_cannot_be_joined(user_client, other_user):
    batch_id = uuid.uuid4()
    UploadBatch.objects.create(pk=batch_id, owner=other_user, size=5)

    response = upload_and_confirm(user_client, batch={"id": str(batch_id), "size": 5})

    assert response.status_code == 403 and "belongs to someone else" in response.json()["error"]
    assert not Photo.objects.exists()


@pytest.mark.parametrize(
    "batch",
    [
        "a string",
        {"size": 2},
        {"id": "not-a-uuid", "size": 2},
        {"id": "0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10", "size": 0},
        {"id": "0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10", "size": 1001},
        {"id": "0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10", "size": True},
        {"id": "0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10", "size": "3"},
    ],
)
def test_a_malformed_batch_is_refused_with_a_clear_error(user_client, batch):
    response = upload_and_confirm(user_client, batch=batch)

    assert response.status_code == 400
    assert "'batch' must be" in response.json()["error"]
    assert not Photo.objects.exists()


def test_a_batch_of_trashed_photos_sends_nothing(user_client, s3, settings, notify_messages):
    batch_id = str(uuid.uuid4())
    [photo] = confirm_batch(user_client, batch_id, size=1, count=1)
    Photo.objects.update(trashed_at=timezone.now())

    assert upload_batch_mail.call(batch_id) == "nothing to tell"
    assert notify_messages() == []
