"""Gallery, live status, photo page and moving to the Trash: each user sees only their own photos."""

import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.web.factories import deliver_manifest, make_photo, manifest_for, put_manifest
from web.photos.models import Photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_photo(user, s3, settings):
    photo = make_photo(user)
    deliver_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest_for(photo))
    return photo


def status(client, *photos):
    return client.get("/api/photos/status", {"ids": ",".join(str(photo.pk) for photo in photos)})


def test_status_shows_the_result_the_worker_stored_and_never_reads_s3(user_client, ready_photo, s3, settings):
    # WHEN the page polls a photo the worker settled when its manifest was written
    response = status(user_client, ready_photo)

    # THEN the row holds the final state and the card shows the rendition
    assert response.status_code == 200
    card = response.json()["photos"][str(ready_photo.pk)]
    assert card["status"] == "ready"
    assert "<img" in card["html"] and "w504.webp" in card["html"]
    ready_photo.refresh_from_db()
    assert (ready_photo.status, ready_photo.width, ready_photo.height) == ("ready", 4032, 3024)
    assert len(ready_photo.renditions) == len(manifest_for(ready_photo)["renditions"])

    # AND the status never reads the manifest (a gallery's polls cost no S3 call)
    s3.delete_object(Bucket=settings.DARKROOM_BUCKET, Key=f"renditions/{ready_photo.pk}/manifest.json")
    assert status(user_client, ready_photo).json()["photos"][str(ready_photo.pk)]["status"] == "ready"


def test_status_stays_processing_until_the_worker_settles_the_photo(user_client, user, s3, settings):
    photo = make_photo(user)
    put_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest_for(photo))  # written, not yet notified

    card = status(user_client, photo).json()["photos"][str(photo.pk)]

    assert card["status"] == "processing"
    assert "Developing" in card["html"]


def test_failed_manifest_shows_the_reason_in_plain_words(user_client, user, s3, settings):
    photo = make_photo(user)
    deliver_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest_for(photo, "manifest_failed.json"))

    card = status(user_client, photo).json()["photos"][str(photo.pk)]

    assert card["status"] == "failed"
    assert card["failure"] == "Not a photo: Darkroom reads JPEG, PNG, WebP, GIF and HEIC."
    assert card["failure"] in card["html"] and f'value="{photo.pk}"' in card["html"]
    photo.refresh_from_db()
    assert (photo.failure_code, photo.failure_message) == ("unsupported_format", "not a supported image")


def test_manifest_for_another_version_of_the_original_is_ignored(user_client, user, s3, settings):
    photo = make_photo(user)
    stale = manifest_for(photo)
    stale["source"]["etag"] = '"older"'
    deliver_manifest(s3, settings.DARKROOM_BUCKET, photo, stale)

    assert status(user_client, photo).json()["photos"][str(photo.pk)]["status"] == "processing"


def test_unreadable_manifest_fails_the_photo_with_a_reason(user_client, user, s3, settings):
    photo = make_photo(user)
    deliver_manifest(s3, settings.DARKROOM_BUCKET, photo, {"version": 99, "status": "ready"})

    status(user_client, photo)

    photo.refresh_from_db()
    assert (photo.status, photo.failure_code) == ("failed", "bad_manifest")


@pytest.mark.parametrize("ids", ["nope", "1,2", ",".join(str(uuid.uuid4()) for _ in range(101))])
def test_status_rejects_bad_ids(user_client, ids):
    response = user_client.get("/api/photos/status", {"ids": ids})

    assert response.status_code == 400
    assert "error" in response.json()


def test_status_never_reveals_another_users_photo(user_client, other_user):
    theirs = make_photo(other_user)

    assert status(user_client, theirs).json() == {"photos": {}}


def test_gallery_requires_login(client):
    response = client.get("/photos/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_photo_page_shows_srcset_and_dimensions(user_client, ready_photo, settings):
    html = user_client.get(f"/photos/{ready_photo.pk}/").content.decode()

    # WebP only: a plain <img>, no <picture> and no JPEG
    assert '<div class="large">' in html and "<picture" not in html and ".jpg?" not in html
    assert "w252.webp" in html and "252w" in html and "w2016.webp" in html and "2016w" in html
    assert 'width="2016" height="1512"' in html
    assert "4032 × 3024 px" in html
    # rendition URLs are short-lived presigned GETs on the private bucket
    assert "X-Amz-Signature=" in html and "X-Amz-Expires=900" in html


def test_photo_page_shows_when_it_was_uploaded(user_client, user):
    # GIVEN a photo uploaded at a known moment (a year no presigned URL's X-Amz-Date can contain)
    uploaded = datetime(2019, 3, 5, 7, 9, 4, tzinfo=UTC)
    photo = make_photo(user, created_at=uploaded)

    html = user_client.get(f"/photos/{photo.pk}/").content.decode()

    # THEN a machine-readable timestamp the page shows in the visitor's time zone, and UTC until it does
    assert '<time datetime="2019-03-05T07:09:04+00:00" data-local-time>Tue, 5 Mar 2019, 07:09 UTC</time>' in html


@pytest.mark.parametrize(
    ("size_bytes", "shown"),
    [(999, "999\xa0bytes"), (1234, "1.2\xa0KB"), (5 * 1024 * 1024, "5.0\xa0MB")],
)
def test_photo_page_shows_the_originals_file_size_and_type(user_client, user, size_bytes, shown):
    photo = make_photo(user, size_bytes=size_bytes, content_type="image/png")

    html = user_client.get(f"/photos/{photo.pk}/").content.decode()

    # filesizeformat joins number and unit with a no-break space
    assert f"<dt>File</dt><dd>{shown} · image/png</dd>" in html


def test_another_users_photo_is_a_404_everywhere(user_client, other_user):
    theirs = make_photo(other_user)

    assert user_client.get(f"/photos/{theirs.pk}/").status_code == 404
    assert user_client.get(f"/photos/{theirs.pk}/w480").status_code == 404
    user_client.post("/photos/trash/move/", {"ids": [str(theirs.pk)]})
    assert Photo.objects.get(pk=theirs.pk).trashed_at is None


def test_status_for_the_photo_page_returns_its_large_picture_and_facts(user_client, ready_photo):
    response = user_client.get("/api/photos/status", {"ids": str(ready_photo.pk), "view": "detail"})

    html = response.json()["photos"][str(ready_photo.pk)]["html"]
    assert '<div class="large">' in html and "2016w" in html
    assert "4032 × 3024 px" in html


def test_status_refuses_an_unknown_view(user_client, ready_photo):
    response = user_client.get("/api/photos/status", {"ids": str(ready_photo.pk), "view": "admin"})

    assert response.status_code == 400
    assert "'view' must be one of" in response.json()["error"]


def test_photo_page_of_a_processing_photo_polls_for_its_result(user_client, user):
    photo = make_photo(user)

    html = user_client.get(f"/photos/{photo.pk}/").content.decode()

    assert "Developing" in html and "photos/gallery.js" in html and "view=detail" in html


def test_the_original_downloads_under_its_uploaded_name_and_type(user_client, user, s3, settings):
    photo = make_photo(user, filename="Été à Nice.jpg", content_type="image/jpeg")
    s3.put_object(Bucket=settings.DARKROOM_BUCKET, Key=photo.original_key, Body=b"\xff\xd8 the original bytes")

    response = user_client.get(f"/photos/{photo.pk}/original/")

    # THEN a short-lived S3 link, which answers with the bytes as an attachment named as uploaded
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    query = parse_qs(url.query)
    assert url.path.endswith(photo.original_key)
    assert query["response-content-type"] == ["image/jpeg"]
    assert query["response-content-disposition"] == ["attachment; filename*=utf-8''%C3%89t%C3%A9%20%C3%A0%20Nice.jpg"]
    assert int(query["X-Amz-Expires"][0]) == settings.DARKROOM_RENDITION_URL_EXPIRY_SECONDS
    downloaded = requests.get(response["Location"], timeout=5)  # moto answers the presigned GET
    assert downloaded.content == b"\xff\xd8 the original bytes"
    assert downloaded.headers["Content-Disposition"].startswith("attachment;")
    assert f'href="/photos/{photo.pk}/original/"' in user_client.get(f"/photos/{photo.pk}/").content.decode()


def test_a_filename_cannot_inject_header_parameters(user_client, user):
    photo = make_photo(user, filename='cat.jpg"; filename="evil.exe')

    query = parse_qs(urlsplit(user_client.get(f"/photos/{photo.pk}/original/")["Location"]).query)

    assert query["response-content-disposition"] == ['attachment; filename="cat.jpg\\"; filename=\\"evil.exe"']


def test_the_original_of_another_user_or_a_gone_one_is_a_404(user_client, user, other_user):
    theirs = make_photo(other_user)
    gone = make_photo(user, status="failed", failure_code="original_missing", failure_message="gone")

    assert user_client.get(f"/photos/{theirs.pk}/original/").status_code == 404
    assert user_client.get(f"/photos/{gone.pk}/original/").status_code == 404
    assert "Download original" not in user_client.get(f"/photos/{gone.pk}/").content.decode()


def test_the_original_needs_a_login(client, user):
    photo = make_photo(user)

    response = client.get(f"/photos/{photo.pk}/original/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")
