"""Presign and confirm: the policy the browser gets, and a clear 4xx for every bad input."""

import base64
import json
from datetime import UTC, datetime

import pytest

from tests.web.helpers import browser_upload, jpeg_bytes, post_json, presign, upload_and_confirm
from web import aws
from web.photos.models import Photo

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


def decoded_policy(fields: dict) -> dict:
    return json.loads(base64.b64decode(fields["policy"]))


def test_presign_policy_pins_key_size_type_and_expiry(user_client, user, settings):
    # moto does not enforce POST policies, so the policy itself is what we check
    response = presign(user_client, filename="cat.png", content_type="image/png", size=2 * MB)

    assert response.status_code == 200
    body = response.json()
    assert body["key"].startswith(f"uploads/{user.pk}/")
    assert body["fields"]["key"] == body["key"]
    assert body["fields"]["Content-Type"] == "image/png"
    policy = decoded_policy(body["fields"])
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 25 * MB] in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert {"key": body["key"]} in conditions
    assert {"bucket": settings.DARKROOM_BUCKET} in conditions
    # stored tagged as pending, so the bucket's lifecycle expires it unless it is confirmed
    assert {"tagging": aws.PENDING_UPLOAD_TAGGING} in conditions
    assert body["fields"]["tagging"] == aws.PENDING_UPLOAD_TAGGING
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    seconds_left = (expires - datetime.now(UTC)).total_seconds()
    assert 50 <= seconds_left <= 60  # a minute: a second POST to a confirmed key has only that long


# spelled out, not read from ALLOWED_CONTENT_TYPES: dropping a type the page offers must fail here
@pytest.mark.parametrize(
    "content_type", ["image/jpeg", "image/png", "image/webp", "image/gif", "image/heic", "image/heif"]
)
def test_presign_accepts_every_allowed_type_and_pins_it(user_client, content_type):
    response = presign(user_client, filename="photo", content_type=content_type)

    assert response.status_code == 200
    assert {"Content-Type": content_type} in decoded_policy(response.json()["fields"])["conditions"]


def test_a_heic_upload_is_confirmed(user_client, resize_messages, django_capture_on_commit_callbacks):
    # GIVEN an iPhone photo (confirm checks the stored type and size, not the pixels)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_and_confirm(
            user_client, content=b"\x00\x00\x00\x18ftypheic", filename="IMG_0001.HEIC", content_type="image/heic"
        )

    assert response.status_code == 201
    photo = Photo.objects.get()
    assert (photo.filename, photo.content_type) == ("IMG_0001.HEIC", "image/heic")
    assert [message["photo_id"] for message in resize_messages()] == [str(photo.pk)]


def test_presign_keys_are_server_chosen_even_for_hostile_names(user_client, user):
    body = presign(user_client, filename="../../etc/passwd.jpg").json()

    assert body["key"].startswith(f"uploads/{user.pk}/")
    assert ".." not in body["key"] and "passwd" not in body["key"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"filename": "a.tiff", "content_type": "image/tiff", "size": 10}, "TIFF files aren't supported"),
        ({"filename": "a.svg", "content_type": "image/svg+xml", "size": 10}, "SVG+XML files aren't supported"),
        ({"filename": "a.jpg", "content_type": "image/jpeg", "size": 25 * MB + 1}, "larger than 25 MB"),
        ({"filename": "a.jpg", "content_type": "image/jpeg", "size": 0}, "empty"),
        ({"filename": "a\x00.jpg", "content_type": "image/jpeg", "size": 10}, "control characters"),
        ({"filename": "a\r\nBcc: x@example.com.jpg", "content_type": "image/jpeg", "size": 10}, "control characters"),
        ({"filename": "a\u2028b.jpg", "content_type": "image/jpeg", "size": 10}, "control characters"),
        ({"filename": "evil\u202egpj.exe", "content_type": "image/jpeg", "size": 10}, "right-to-left override"),
        ({"filename": "a\u2066b\u2069.jpg", "content_type": "image/jpeg", "size": 10}, "invisible formatting"),
        ({"filename": "\ufeffa.jpg", "content_type": "image/jpeg", "size": 10}, "invisible formatting"),
        ({"filename": "a\u200bb.jpg", "content_type": "image/jpeg", "size": 10}, "invisible formatting"),
        ({"filename": "", "content_type": "image/jpeg", "size": 10}, "filename is required"),
        ({"filename": "..", "content_type": "image/jpeg", "size": 10}, "no name part"),
        ({"content_type": "image/jpeg", "size": 10}, "'filename' is required"),
        ({"filename": "a.jpg", "content_type": "image/jpeg", "size": "10"}, "'size' is required and must be a int"),
        ({"filename": "a.jpg", "content_type": "image/jpeg", "size": True}, "'size' is required"),
    ],
)
def test_presign_rejects_bad_input(user_client, body, message):
    response = post_json(user_client, "/api/uploads/presign", body)

    assert response.status_code == 400
    assert message in response.json()["error"]


@pytest.mark.parametrize(
    "raw",
    ["{not json", "[1, 2]", "", b"\xff\xfe", "[" * 100_000, '{"size": ' + "9" * 5000 + "}"],
    ids=["not-json", "not-an-object", "empty", "not-utf8", "nested-too-deep", "integer-too-long"],
)
def test_malformed_json_is_a_400(user_client, raw):
    for url in ("/api/uploads/presign", "/api/uploads/confirm"):
        response = post_json(user_client, url, raw)

        assert response.status_code == 400
        assert "JSON" in response.json()["error"]


@pytest.mark.parametrize(
    "call",
    [
        lambda client: post_json(
            client, "/api/uploads/presign", {"filename": "a.jpg", "content_type": "image/jpeg", "size": 1}
        ),
        lambda client: post_json(
            client,
            "/api/uploads/confirm",
            {"key": "uploads/1/0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10", "filename": "a.jpg"},
        ),
        lambda client: client.get("/api/photos/status", {"ids": "0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10"}),
    ],
    ids=["presign", "confirm", "status"],
)
def test_api_requires_login(client, call):
    response = call(client)

    assert response.status_code == 401
    assert response.json() == {"error": "Log in first."}


def test_api_requires_post(user_client):
    assert user_client.get("/api/uploads/confirm").status_code == 405


def test_confirm_of_a_key_never_uploaded_is_a_404(user_client, user):
    key = presign(user_client).json()["key"]

    response = post_json(user_client, "/api/uploads/confirm", {"key": key, "filename": "a.jpg"})

    assert response.status_code == 404
    assert "upload the file first" in response.json()["error"]
    assert not Photo.objects.exists()


@pytest.mark.parametrize(
    "key_for",
    [
        lambda user, other: f"uploads/{other.pk}/0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10",
        lambda user, other: f"uploads/{user.pk}/../{other.pk}/0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10",
        lambda user, other: "renditions/0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10/manifest.json",
        lambda user, other: f"uploads/{user.pk}/not-a-uuid",
        lambda user, other: f"uploads/{user.pk}/0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10\x00",
    ],
)
def test_confirm_refuses_keys_outside_the_users_prefix(user_client, user, other_user, key_for):
    response = post_json(user_client, "/api/uploads/confirm", {"key": key_for(user, other_user), "filename": "a.jpg"})

    assert response.status_code == 403
    assert response.json()["error"] == "That upload key does not belong to you."


def test_confirm_refuses_an_oversize_object(user_client, settings):
    # GIVEN an object larger than the cap got into the user's prefix (the real S3 policy would refuse it)
    settings.DARKROOM_MAX_UPLOAD_BYTES = 1024
    presigned = presign(user_client, size=1000).json()
    assert browser_upload(presigned, b"x" * 2048) == 204

    response = post_json(user_client, "/api/uploads/confirm", {"key": presigned["key"], "filename": "a.jpg"})

    assert response.status_code == 400
    assert response.json()["error"] == "The file is larger than 1 KB, the limit."
    assert not Photo.objects.exists()


def test_confirm_refuses_an_object_of_the_wrong_type(user_client, user, s3, settings):
    presigned = presign(user_client).json()
    s3.put_object(
        Bucket=settings.DARKROOM_BUCKET, Key=presigned["key"], Body=b"%!PS", ContentType="application/postscript"
    )

    response = post_json(user_client, "/api/uploads/confirm", {"key": presigned["key"], "filename": "a.jpg"})

    assert response.status_code == 400
    assert "POSTSCRIPT files aren't supported" in response.json()["error"]


def test_confirm_stores_only_the_last_part_of_a_path_like_filename(user_client):
    upload_and_confirm(user_client, filename="..\\..\\windows\\holiday.jpg")

    assert Photo.objects.get().filename == "holiday.jpg"


def test_a_family_emoji_and_a_persian_name_keep_their_joiners(user_client):
    for name in (
        "\U0001f468\u200d\U0001f469\u200d\U0001f467 beach.jpg",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645.jpg",
    ):
        upload_and_confirm(user_client, filename=name)

    assert sorted(Photo.objects.values_list("filename", flat=True)) == sorted(
        ["\U0001f468\u200d\U0001f469\u200d\U0001f467 beach.jpg", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645.jpg"]
    )


def test_confirm_refuses_a_right_to_left_override_in_the_filename(user_client):
    presigned = presign(user_client).json()
    browser_upload(presigned, jpeg_bytes())

    response = post_json(
        user_client, "/api/uploads/confirm", {"key": presigned["key"], "filename": "evil\u202egpj.exe"}
    )

    assert response.status_code == 400 and "right-to-left override" in response.json()["error"]
    assert not Photo.objects.exists()


def test_confirm_refuses_a_nul_in_the_filename(user_client):
    presigned = presign(user_client).json()
    browser_upload(presigned, jpeg_bytes())

    response = post_json(user_client, "/api/uploads/confirm", {"key": presigned["key"], "filename": "a\x00.jpg"})

    assert response.status_code == 400
    assert "control characters" in response.json()["error"]


@pytest.mark.parametrize("url", ["/api/uploads/presign", "/api/uploads/confirm"])
def test_a_lone_surrogate_in_the_filename_is_a_400_before_anything_is_stored(user_client, url):
    # GIVEN a file the browser names with unpaired UTF-16 (JSON carries it as "\ud800")
    presigned = presign(user_client).json()
    browser_upload(presigned, jpeg_bytes())
    body = {"filename": "a\ud800.jpg", "content_type": "image/jpeg", "size": 1000, "key": presigned["key"]}

    # WHEN the page presigns or confirms it
    response = post_json(user_client, url, json.dumps(body))

    # THEN a clear 400, and no photo
    assert response.status_code == 400
    assert "not valid Unicode" in response.json()["error"]
    assert not Photo.objects.exists()


def test_confirm_of_an_upload_stored_days_ago_is_a_410_with_what_to_do(user_client, monkeypatch):
    from datetime import timedelta

    presigned = presign(user_client).json()
    browser_upload(presigned, jpeg_bytes())
    stored = aws.head_object(key=presigned["key"])
    monkeypatch.setattr(
        aws, "head_object", lambda *, key: {**stored, "LastModified": stored["LastModified"] - timedelta(days=2)}
    )

    response = post_json(user_client, "/api/uploads/confirm", {"key": presigned["key"], "filename": "a.jpg"})

    assert response.status_code == 410
    assert response.json() == {"error": "This upload is too old to confirm: upload the file again."}
    assert not Photo.objects.exists()


def test_a_confirm_that_s3_is_too_busy_for_is_a_503_the_page_retries(user_client, monkeypatch):
    from botocore.exceptions import ClientError

    presigned = presign(user_client).json()
    browser_upload(presigned, jpeg_bytes())

    def throttled(**kwargs):
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "HeadObject")

    monkeypatch.setattr(aws, "head_object", throttled)

    response = post_json(user_client, "/api/uploads/confirm", {"key": presigned["key"], "filename": "a.jpg"})

    assert response.status_code == 503
    assert "try confirming again" in response.json()["error"]
    assert not Photo.objects.exists()
