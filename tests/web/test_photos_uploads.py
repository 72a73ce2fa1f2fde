"""The upload rules: a filename is only a label, and confirm records nothing S3 could still expire or never expire."""

import logging
import uuid

import pytest
from botocore.exceptions import ClientError

from web import aws
from web.photos.models import Photo
from web.photos.uploads import UploadError, clean_filename, upload_confirm

PENDING = "darkroom-upload=pending"


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
    s3.put_object(Bucket=settings.DARKROOM_BUCKET, Key=key, Body=body, ContentType=content_type, Tagging=PENDING)


def _confirm(user, key: str):
    return upload_confirm(owner=user, key=key, filename="a.jpg", correlation_id="test-correlation")


def _throw(code: str, operation: str):
    def call(**kwargs):
        raise ClientError({"Error": {"Code": code, "Message": code}}, operation)

    return call


@pytest.mark.django_db
def test_confirm_clears_the_pending_tag_and_records_the_photo(user, s3, settings):
    key = _upload_key(user)
    _store(s3, settings, key)

    photo, created = _confirm(user, key)

    assert created
    assert Photo.objects.get().pk == photo.pk
    assert s3.get_object_tagging(Bucket=settings.DARKROOM_BUCKET, Key=key)["TagSet"] == []


@pytest.mark.django_db
def test_confirm_creates_nothing_when_the_tag_cannot_be_cleared(user, s3, settings, monkeypatch, caplog):
    # GIVEN a stored upload whose tag S3 refuses to remove
    key = _upload_key(user)
    _store(s3, settings, key)
    monkeypatch.setattr(aws, "mark_upload_confirmed", _throw("SlowDown", "DeleteObjectTagging"))

    # WHEN it is confirmed
    with pytest.raises(UploadError) as error, caplog.at_level(logging.WARNING, logger="web.photos.uploads"):
        _confirm(user, key)

    # THEN the user is asked to retry, no row exists, and the original keeps its tag (so it still expires)
    assert error.value.status == 503
    assert error.value.message == "Storage is busy; please try confirming again in a moment."
    assert not Photo.objects.exists()
    assert s3.get_object_tagging(Bucket=settings.DARKROOM_BUCKET, Key=key)["TagSet"] != []
    assert "could not clear the pending tag" in caplog.text


@pytest.mark.django_db
def test_confirm_of_a_missing_object_is_a_404_not_a_503(user, monkeypatch):
    # GIVEN nothing stored under the key, so the tag call fails as S3 fails it
    monkeypatch.setattr(aws, "mark_upload_confirmed", _throw("NoSuchKey", "DeleteObjectTagging"))

    with pytest.raises(UploadError) as error:
        _confirm(user, _upload_key(user))

    assert error.value.status == 404
    assert "upload the file first" in error.value.message
    assert not Photo.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"%!PS", "application/postscript", "Unsupported file type 'application/postscript'"),
        (b"x" * 2048, "image/jpeg", "too large"),
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

    # THEN it is refused and, its pending tag gone, deleted rather than kept forever
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
