"""Fair use per account, checked at presign: photos per hour and per day, and bytes stored (issue 16). A limit is a
429 that says which limit and when it lifts; the upload tray shows that text."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.web.factories import make_photo
from tests.web.helpers import presign

pytestmark = pytest.mark.django_db


def test_the_hourly_limit_says_when_more_can_be_uploaded(user_client, user, settings):
    # GIVEN an account at its hourly limit, its oldest upload of the hour 40 minutes old
    settings.DARKROOM_UPLOADS_PER_HOUR = 3
    for minutes in (40, 20, 1):
        make_photo(user, created_at=timezone.now() - timedelta(minutes=minutes))

    response = presign(user_client)

    # THEN it is refused, saying when the oldest leaves the hour
    assert response.status_code == 429
    assert response.json()["error"] == (
        "You have uploaded 3 photos in the last hour, the limit: you can upload more in 20 minutes."
    )
    assert 1190 <= int(response["Retry-After"]) <= 1200


def test_the_daily_limit_counts_a_day(user_client, user, settings):
    settings.DARKROOM_UPLOADS_PER_DAY = 2
    for hours in (23, 3):
        make_photo(user, created_at=timezone.now() - timedelta(hours=hours))

    response = presign(user_client)

    assert response.status_code == 429
    assert response.json()["error"] == (
        "You have uploaded 2 photos in the last day, the limit: you can upload more in 60 minutes."
    )


def test_uploads_older_than_the_window_do_not_count(user_client, user, settings):
    settings.DARKROOM_UPLOADS_PER_HOUR = 1
    make_photo(user, created_at=timezone.now() - timedelta(minutes=61))

    assert presign(user_client).status_code == 200


def test_storage_counts_every_photo_and_the_file_about_to_come(user_client, user, settings):
    # GIVEN an account allowed 10 MB, holding 9 MB (a third of it in the Trash)
    settings.DARKROOM_STORAGE_BYTES_PER_ACCOUNT = 10 * 2**20
    make_photo(user, size_bytes=6 * 2**20)
    make_photo(user, size_bytes=3 * 2**20, trashed_at=timezone.now())

    # THEN a 1 MB file fits and a 2 MB one does not, with no time to wait for (it lifts by deleting)
    assert presign(user_client, size=2**20).status_code == 200
    refused = presign(user_client, size=2 * 2**20)
    assert refused.status_code == 429 and "Retry-After" not in refused
    assert refused.json()["error"] == (
        "Your photos take 9 MB of the 10 MB an account may store: delete photos and empty the Trash to upload more."
    )


def test_another_accounts_uploads_do_not_count(user_client, other_user, settings):
    settings.DARKROOM_UPLOADS_PER_HOUR = 1
    make_photo(other_user)

    assert presign(user_client).status_code == 200
