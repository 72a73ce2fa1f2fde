"""The whole request flow against moto S3 and SQS: signup, presign, direct upload, confirm, messages."""

import pytest

from tests.samples import load_event
from tests.web.helpers import post_json, upload_and_confirm
from web.accounts.models import User
from web.outbox.models import OutboxMessage
from web.photos.models import Photo

pytestmark = pytest.mark.django_db


def shape(value):
    """The structure of a JSON value: keys and types, not contents."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    return type(value).__name__


def test_signup_sends_the_link_that_confirms_the_address(client, notify_messages, django_capture_on_commit_callbacks):
    # WHEN a visitor signs up
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/signup/", {"email": "Ada@Example.com", "password": "correct horse battery"})

    # THEN they are logged in and the confirmation email is on the notify queue, in the documented shape
    assert response.status_code == 302 and response["Location"] == "/photos/"
    user = User.objects.get()
    assert user.email == "ada@example.com" and user.email_verified_at is None
    (message,) = notify_messages()
    assert shape(message) == shape(load_event("notify_verify_address.json"))
    assert message["kind"] == "verify_address"
    assert message["to"] == "ada@example.com"
    assert message["data"]["verify_url"].startswith("http://testserver/account/confirm/")
    assert message["data"]["expires_in"] == "3 days"
    assert response["X-Correlation-Id"] == message["correlation_id"]
    assert OutboxMessage.objects.get().sent_at is not None


def test_upload_confirm_creates_photo_and_its_resize_request(
    user_client, user, resize_messages, notify_messages, django_capture_on_commit_callbacks
):
    # WHEN a user uploads through presign -> S3 -> confirm
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_and_confirm(user_client, filename="beach.jpg")

    # THEN one photo is processing and one resize request was sent; no email per photo (one per batch, later)
    assert response.status_code == 201
    photo = Photo.objects.get()
    assert (photo.owner, photo.status, photo.filename, photo.content_type) == (
        user,
        "processing",
        "beach.jpg",
        "image/jpeg",
    )
    assert photo.original_key == f"uploads/{user.pk}/{photo.pk}"
    assert response.json()["id"] == str(photo.pk)
    assert 'data-status="processing"' in response.json()["html"]

    (resize,) = resize_messages()
    assert shape(resize) == shape(load_event("resize_request.json"))
    assert resize == {
        "version": 1,
        "kind": "resize.requested",
        "photo_id": str(photo.pk),
        "source_key": photo.original_key,
        "source_etag": photo.etag,
        "output_prefix": f"renditions/{photo.pk}/",
        "correlation_id": photo.correlation_id,
    }
    assert notify_messages() == []
    assert resize["correlation_id"] == response["X-Correlation-Id"]


def test_messages_wait_for_the_commit(
    user_client, resize_messages, notify_messages, django_capture_on_commit_callbacks
):
    # GIVEN the confirm's transaction has not committed (callbacks captured, not run)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload_and_confirm(user_client)

        # THEN nothing is on the queue yet, but the messages are recorded (the resize request, the original's check)
        assert resize_messages() == []
        assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 2
    assert len(callbacks) == 2


def test_double_confirm_creates_one_photo_and_one_set_of_messages(
    user_client, resize_messages, notify_messages, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = upload_and_confirm(user_client)
        key = Photo.objects.get().original_key
        second = post_json(user_client, "/api/uploads/confirm", {"key": key, "filename": "photo.jpg"})

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Photo.objects.count() == 1
    assert len(resize_messages()) == 1 and notify_messages() == []
