"""Developing failed photos again once resize is fixed: `manage.py redevelop` and the admin's action."""

import io
import json
import time
import uuid
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image

import resize_job
from resize_request import parse_request
from tests.web.factories import make_photo, manifest_for, put_manifest, store_original
from web import aws
from web.outbox.models import OutboxMessage
from web.photos import keys
from web.photos.models import Photo
from web.photos.services import photo_refresh, photos_redevelop, redevelop_summary

pytestmark = pytest.mark.django_db

NOTHING = {"requeued": 0, "gone": 0, "errors": 0, "left": 0}


def failed_photo(s3, settings, owner, code: str = "unsupported_format", **fields) -> Photo:
    """A photo resize refused: its original stored and confirmed, and the failed manifest resize wrote."""
    fields = {"correlation_id": uuid.uuid4().hex, **fields}
    photo = make_photo(owner, status=Photo.Status.FAILED, failure_code=code, failure_message="refused", **fields)
    store_original(s3, settings.DARKROOM_BUCKET, photo)
    manifest = manifest_for(photo, "manifest_failed.json")
    put_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest)
    return photo


def manifest_exists(s3, settings, photo: Photo) -> bool:
    listing = s3.list_objects_v2(Bucket=settings.DARKROOM_BUCKET, Prefix=keys.manifest_key(photo_id=photo.pk))
    return listing.get("KeyCount", 0) > 0


def resize_requests() -> list[dict]:
    return [message.body for message in OutboxMessage.objects.filter(queue="resize")]


def test_a_refused_photo_goes_back_to_resize_without_its_failed_manifest(s3, settings, user):
    # GIVEN a photo resize refused, its failed manifest still in the bucket
    photo = failed_photo(s3, settings, user)

    # WHEN it is developed again
    counts = photos_redevelop(photos=Photo.objects.all())

    # THEN it is processing as a new upload is, the manifest resize would take as done is gone, and resize is asked
    assert counts == {"requeued": 1, "gone": 0, "errors": 0, "left": 0}
    photo.refresh_from_db()
    assert (photo.status, photo.failure_code, photo.failure_message, photo.resize_attempts) == ("processing", "", "", 1)
    assert timezone.now() - photo.resize_requested_at < timedelta(minutes=1)
    assert not manifest_exists(s3, settings, photo)
    [request] = resize_requests()
    assert (request["photo_id"], request["source_etag"]) == (str(photo.pk), photo.etag)


def test_resize_develops_the_photo_asked_again(s3, settings, user):
    # GIVEN a real picture resize once refused (a decoder bug since fixed, say)
    photo = failed_photo(s3, settings, user)
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(buffer, "JPEG")
    stored = s3.put_object(Bucket=settings.DARKROOM_BUCKET, Key=photo.original_key, Body=buffer.getvalue())
    Photo.objects.filter(pk=photo.pk).update(etag=stored["ETag"])

    # WHEN it is developed again and resize takes the request
    photos_redevelop(photos=Photo.objects.all())
    [body] = resize_requests()
    outcome = resize_job.run(parse_request(json.dumps(body)), s3=s3, bucket=settings.DARKROOM_BUCKET)

    # THEN resize does the work instead of skipping it, and the photo is ready
    assert outcome.status == "ready"
    assert photo_refresh(photo=Photo.objects.get(pk=photo.pk)).status == Photo.Status.READY


@pytest.mark.parametrize("code", ["empty", "original_missing", "original_replaced"])
def test_failures_no_fix_can_undo_are_left_alone(code, s3, settings, user):
    photo = failed_photo(s3, settings, user, code=code)

    assert photos_redevelop(photos=Photo.objects.all()) == NOTHING

    assert Photo.objects.get(pk=photo.pk).failure_code == code
    assert manifest_exists(s3, settings, photo) and resize_requests() == []


def test_ready_and_processing_photos_are_left_alone(s3, settings, user):
    make_photo(user, status=Photo.Status.READY)
    make_photo(user, status=Photo.Status.PROCESSING)

    assert photos_redevelop(photos=Photo.objects.all()) == NOTHING
    assert resize_requests() == []


def test_a_photo_whose_original_is_gone_fails_as_such(s3, settings, user):
    photo = failed_photo(s3, settings, user)
    s3.delete_object(Bucket=settings.DARKROOM_BUCKET, Key=photo.original_key)

    assert photos_redevelop(photos=Photo.objects.all()) == {**NOTHING, "gone": 1}

    assert Photo.objects.get(pk=photo.pk).failure_code == "original_missing"
    assert resize_requests() == []


def test_a_photo_whose_original_was_replaced_fails_as_such(s3, settings, user):
    photo = failed_photo(s3, settings, user)
    s3.put_object(Bucket=settings.DARKROOM_BUCKET, Key=photo.original_key, Body=b"another file")

    assert photos_redevelop(photos=Photo.objects.all()) == {**NOTHING, "gone": 1}

    assert Photo.objects.get(pk=photo.pk).failure_code == "original_replaced"
    assert resize_requests() == []


def test_a_photo_in_the_trash_is_left_alone(s3, settings, user):
    failed_photo(s3, settings, user, trashed_at=timezone.now())

    assert photos_redevelop(photos=Photo.objects.all()) == NOTHING


def test_a_timed_out_photo_whose_result_came_late_is_ready_not_asked_again(s3, settings, user):
    # GIVEN a photo the sweeper gave up on, whose ready manifest then arrived
    photo = failed_photo(s3, settings, user, code="timeout")
    put_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest_for(photo))

    photos_redevelop(photos=Photo.objects.all())

    assert Photo.objects.get(pk=photo.pk).status == Photo.Status.READY and resize_requests() == []


def test_one_photos_trouble_is_counted_and_the_others_go_on(s3, settings, user, monkeypatch):
    # GIVEN two photos, S3 refusing to look at the first one's original
    troubled, fine = failed_photo(s3, settings, user), failed_photo(s3, settings, user)
    real_head = aws.head_object

    def head_object(*, key):
        if key == troubled.original_key:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "HeadObject")
        return real_head(key=key)

    monkeypatch.setattr(aws, "head_object", head_object)

    counts = photos_redevelop(photos=Photo.objects.all())

    # THEN the other is asked again, and the summary says to run it again for the rest
    assert counts == {**NOTHING, "requeued": 1, "errors": 1}
    assert [request["photo_id"] for request in resize_requests()] == [str(fine.pk)]
    assert Photo.objects.get(pk=troubled.pk).status == Photo.Status.FAILED
    assert redevelop_summary(counts).endswith("; 1 error(s), in the logs; 1 to go: run it again")


def test_past_its_deadline_it_stops_and_says_how_many_are_left(s3, settings, user):
    failed_photo(s3, settings, user)
    failed_photo(s3, settings, user)

    counts = photos_redevelop(photos=Photo.objects.all(), deadline=time.monotonic())

    assert counts == {**NOTHING, "left": 2} and resize_requests() == []
    assert redevelop_summary(counts).endswith("; 2 to go: run it again")


# ---------------------------------------------------------------- manage.py redevelop


def test_the_command_takes_the_codes_and_the_days_asked(s3, settings, user):
    # GIVEN refusals of two kinds, one of them from before the day asked
    corrupt = failed_photo(s3, settings, user, code="corrupt")
    unsupported = failed_photo(s3, settings, user)
    old = failed_photo(s3, settings, user, code="corrupt", created_at=timezone.now() - timedelta(days=10))
    out = io.StringIO()

    # WHEN the operator asks for the corrupt ones of the last week
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    call_command("redevelop", "--code", "corrupt", "--since", since, stdout=out)

    # THEN only that one goes back to resize, and the command says so
    assert [request["photo_id"] for request in resize_requests()] == [str(corrupt.pk)]
    assert Photo.objects.get(pk=unsupported.pk).status == Photo.Status.FAILED
    assert Photo.objects.get(pk=old.pk).status == Photo.Status.FAILED
    assert out.getvalue().strip() == "1 photo(s) asked of resize again; 0 left failed (original gone or replaced)"


def test_a_dry_run_counts_and_changes_nothing(s3, settings, user):
    photo = failed_photo(s3, settings, user)
    out = io.StringIO()

    call_command("redevelop", "--since", "2020-01-01", "--dry-run", stdout=out)

    assert out.getvalue().strip() == "1 failed photo(s) would be developed again"
    assert Photo.objects.get(pk=photo.pk).status == Photo.Status.FAILED and resize_requests() == []


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["--since", "last week"], "invalid fromisoformat value"),
        (["--since", "2026-12-01", "--code", "original_missing"], "invalid choice: 'original_missing'"),
        ([], "the following arguments are required: --since"),
    ],
    ids=["bad-day", "code-no-fix-undoes", "no-day"],
)
def test_the_command_refuses_bad_arguments_plainly(arguments, error):
    with pytest.raises(CommandError, match=error):
        call_command("redevelop", *arguments)


# ---------------------------------------------------------------- the admin's action


def test_the_admin_develops_the_selected_photos_again(s3, settings, user, admin_client):
    chosen = failed_photo(s3, settings, user)
    other = failed_photo(s3, settings, user)

    response = admin_client.post(
        "/admin/photos/photo/", {"action": "develop_again", "_selected_action": [str(chosen.pk)]}, follow=True
    )

    assert "1 photo(s) asked of resize again" in response.content.decode()
    assert Photo.objects.get(pk=chosen.pk).status == Photo.Status.PROCESSING
    assert Photo.objects.get(pk=other.pk).status == Photo.Status.FAILED
