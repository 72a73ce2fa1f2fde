"""The upload rules: a filename is only a label, and a confirm that fails leaves nothing that never expires."""

import logging
import uuid
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from django.db import DatabaseError

from tests.web.factories import PENDING_TAGGING, tags_of
from web import aws
from web.photos import uploads
from web.photos.models import Photo
from web.photos.uploads import UploadError, clean_filename, upload_confirm


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("holiday.jpg", "holiday.jpg"), ("../../x.jpg", "x.jpg"), ("C:\\Users\\me\\y.png", "y.png"), (" z.gif ", "z.gif")],
)
def test_clean_filename_keeps_only_the_name(raw, clean):
    assert clean_filename(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "..", "a\x00b.jpg", "a\u2029b.jpg", None])
def test_clean_filename_refuses_what_cannot_be_a_label(raw):
    with pytest.raises(UploadError):
        clean_filename(raw)


def _upload_key(user) -> str:
    return f"uploads/{user.pk}/{uuid.uuid4()}"


def _store(s3, settings, key: str, body: bytes = b"\xff\xd8 a jpeg", content_type: str = "image/jpeg") -> None:
    """What the browser's presigned POST leaves in the bucket: the file, tagged as a pending upload."""
    bucket = settings.DARKROOM_BUCKET
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, Tagging=PENDING_TAGGING)


def _confirm(user, key: str):
    return upload_confirm(owner=user, key=key, filename="a.jpg", correlation_id="test-correlation")


def _throw(code: str, operation: str):
    def call(**kwargs):
        raise ClientError({"Error": {"Code": code, "Message": code}}, operation)

    return call


@pytest.mark.django_db
def test_confirm_records_the_photo_and_leaves_the_pending_tag_to_resize(user, s3, settings):
    key = _upload_key(user)
    _store(s3, settings, key)

    photo, created = _confirm(user, key)

    # the original leaves the unconfirmed expiry only when resize takes the photo on (or the sweeper, failing that)
    assert created
    assert Photo.objects.get().pk == photo.pk
    assert tags_of(s3, settings.DARKROOM_BUCKET, key) != []


@pytest.mark.django_db
def test_a_confirm_that_fails_after_the_head_leaves_an_upload_that_still_expires(user, s3, settings, monkeypatch):
    # GIVEN a stored upload, and a database that fails the insert
    key = _upload_key(user)
    _store(s3, settings, key)

    def database_down(**kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(uploads, "_photo_create", database_down)

    # WHEN it is confirmed
    with pytest.raises(DatabaseError):
        _confirm(user, key)

    # THEN no row points at it and it keeps its pending tag: if the user gives up, the bucket's expiry removes it
    assert not Photo.objects.exists()
    assert tags_of(s3, settings.DARKROOM_BUCKET, key) != []


@pytest.mark.django_db
def test_confirm_asks_for_a_retry_when_s3_is_busy(user, s3, settings, monkeypatch, caplog):
    # GIVEN a stored upload that S3 is too busy to HEAD
    key = _upload_key(user)
    _store(s3, settings, key)
    monkeypatch.setattr(aws, "head_object", _throw("SlowDown", "HeadObject"))

    # WHEN it is confirmed
    with pytest.raises(UploadError) as error, caplog.at_level(logging.WARNING, logger="web.photos.uploads"):
        _confirm(user, key)

    # THEN the user is asked to retry (the page does, by itself) and nothing is recorded
    assert error.value.status == 503
    assert error.value.message == "Storage is busy; please try confirming again in a moment."
    assert not Photo.objects.exists()
    assert "could not read the upload" in caplog.text


@pytest.mark.django_db
def test_confirm_of_a_missing_object_is_a_404(user):
    with pytest.raises(UploadError) as error:
        _confirm(user, _upload_key(user))

    assert error.value.status == 404
    assert "upload the file first" in error.value.message
    assert not Photo.objects.exists()


@pytest.mark.django_db
def test_confirm_refuses_an_upload_stored_more_than_a_day_ago(user, s3, settings, monkeypatch):
    # GIVEN an upload S3 stored a day and a minute ago: the bucket may expire it before resize keeps it
    key = _upload_key(user)
    _store(s3, settings, key)
    stored = aws.head_object(key=key)
    age = timedelta(seconds=settings.DARKROOM_CONFIRM_WITHIN_SECONDS + 60)
    monkeypatch.setattr(aws, "head_object", lambda *, key: {**stored, "LastModified": stored["LastModified"] - age})

    # WHEN it is confirmed
    with pytest.raises(UploadError) as error:
        _confirm(user, key)

    # THEN it is refused with what to do, nothing is recorded, and it keeps its tag (so it expires)
    assert error.value.status == 410
    assert error.value.message == "This upload is too old to confirm: upload the file again."
    assert not Photo.objects.exists()
    assert tags_of(s3, settings.DARKROOM_BUCKET, key) != []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"%!PS", "application/postscript", "POSTSCRIPT files aren't supported"),
        (b"x" * 2048, "image/jpeg", "larger than"),
        (b"", "image/jpeg", "empty"),
    ],
)
def test_confirm_deletes_a_stored_object_it_rejects(user, s3, settings, body, content_type, message):
    # GIVEN an object the POST policy should have kept out got into the user's prefix
    settings.DARKROOM_MAX_UPLOAD_BYTES = 1024
    key = _upload_key(user)
    _store(s3, settings, key, body=body, content_type=content_type)

    # WHEN it is confirmed
    with pytest.raises(UploadError) as error:
        _confirm(user, key)

    # THEN it is refused and deleted at once rather than stored until the expiry
    assert error.value.status == 400
    assert message in error.value.message
    assert not Photo.objects.exists()
    assert aws.head_object(key=key) is None


@pytest.mark.django_db
def test_confirm_still_refuses_a_rejected_object_it_cannot_delete(user, s3, settings, monkeypatch, caplog):
    key = _upload_key(user)
    _store(s3, settings, key, body=b"%!PS", content_type="application/postscript")
    monkeypatch.setattr(aws, "delete_objects", _throw("SlowDown", "DeleteObjects"))

    with pytest.raises(UploadError) as error, caplog.at_level(logging.WARNING, logger="web.photos.uploads"):
        _confirm(user, key)

    assert error.value.status == 400
    assert not Photo.objects.exists()
    assert "could not delete the rejected upload" in caplog.text
