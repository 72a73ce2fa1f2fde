"""Upload keys are matched whole, in the one spelling the server writes: any other spelling is someone else's key."""

import uuid

import pytest

from tests.web.factories import PENDING_TAGGING
from tests.web.helpers import post_json
from web.photos import keys
from web.photos.models import Photo

pytestmark = pytest.mark.django_db
PHOTO_ID = "0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10"


@pytest.mark.parametrize(
    "key_for",
    [
        pytest.param(lambda user: f"uploads/{user.pk}/{PHOTO_ID}\n", id="trailing-newline"),
        pytest.param(lambda user: f"uploads/0{user.pk}/{PHOTO_ID}", id="leading-zero"),
        pytest.param(lambda user: f"uploads/00{user.pk}/{PHOTO_ID}", id="leading-zeros"),
        pytest.param(lambda user: f"uploads/{user.pk}/{PHOTO_ID.upper()}", id="upper-case-uuid"),
        pytest.param(lambda user: f"uploads/{user.pk}/{PHOTO_ID}/", id="trailing-slash"),
    ],
)
def test_confirm_refuses_another_spelling_of_the_users_key(user_client, user, s3, settings, key_for):
    # GIVEN an object stored under the odd spelling, so only the key check stands between it and a photo
    key = key_for(user)
    s3.put_object(
        Bucket=settings.DARKROOM_BUCKET, Key=key, Body=b"\xff\xd8", ContentType="image/jpeg", Tagging=PENDING_TAGGING
    )

    # WHEN the user confirms it
    response = post_json(user_client, "/api/uploads/confirm", {"key": key, "filename": "a.jpg"})

    # THEN it is refused as a key that is not theirs, and nothing is recorded
    assert response.status_code == 403
    assert response.json()["error"] == "That upload key does not belong to you."
    assert not Photo.objects.exists()


def test_the_key_the_server_writes_is_accepted():
    photo_id = uuid.UUID(PHOTO_ID)

    assert keys.photo_id_from_upload_key(user_id=10, key=keys.upload_key(user_id=10, photo_id=photo_id)) == photo_id


def test_a_manifest_key_with_a_trailing_newline_names_no_photo():
    key = keys.manifest_key(photo_id=uuid.UUID(PHOTO_ID))

    assert keys.photo_id_from_manifest_key(key) == uuid.UUID(PHOTO_ID)
    assert keys.photo_id_from_manifest_key(key + "\n") is None
