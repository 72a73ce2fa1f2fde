"""Deleting is undoable: photos wait in the Trash for DARKROOM_TRASH_DAYS, restorable, invisible everywhere else."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.web.factories import make_photo, manifest_for
from web.photos import services
from web.photos.models import Photo

pytestmark = pytest.mark.django_db


def trash(client, *photos, follow=False, **extra):
    return client.post("/photos/trash/move/", {"ids": [str(photo.pk) for photo in photos], **extra}, follow=follow)


def test_moving_photos_to_the_trash_says_so_and_offers_undo(user_client, user):
    photos = [make_photo(user), make_photo(user)]

    response = trash(user_client, *photos)

    assert response.status_code == 302 and response["Location"] == "/photos/"
    assert all(photo.trashed_at for photo in Photo.objects.all())
    html = user_client.get("/photos/").content.decode()
    assert "Moved 2 photos to the Trash." in html
    assert 'action="/photos/trash/restore/"' in html and html.count(f'name="ids" value="{photos[0].pk}"') == 1
    # the undo is offered once, right after
    assert 'action="/photos/trash/restore/"' not in user_client.get("/photos/").content.decode()


def test_undo_restores_them_to_the_gallery(user_client, user):
    photo = make_photo(user, filename="back.jpg")
    trash(user_client, photo)

    response = user_client.post("/photos/trash/restore/", {"ids": [str(photo.pk)]})

    assert response.status_code == 302
    assert Photo.objects.get(pk=photo.pk).trashed_at is None
    html = user_client.get("/photos/").content.decode()
    assert "Restored 1 photo." in html and str(photo.pk) in html


def test_a_trashed_photo_is_invisible_everywhere_but_the_trash(user_client, user):
    photo = make_photo(user, filename="hidden.jpg")
    trash(user_client, photo)
    user_client.get("/photos/")  # the page that offers the undo, once

    assert str(photo.pk) not in user_client.get("/photos/").content.decode()
    assert user_client.get(f"/photos/{photo.pk}/").status_code == 404
    assert user_client.get(f"/photos/{photo.pk}/original/").status_code == 404
    assert user_client.get(f"/photos/{photo.pk}/w480").status_code == 404
    assert user_client.get("/api/photos/status", {"ids": str(photo.pk)}).json() == {"photos": {}}
    trash_page = user_client.get("/photos/trash/").content.decode()
    assert "hidden.jpg" in trash_page and "30 days left" in trash_page


def test_the_trash_shows_how_long_each_photo_has_left(user_client, user):
    make_photo(user, trashed_at=timezone.now() - timedelta(days=29, hours=1))

    assert "1 day left" in user_client.get("/photos/trash/").content.decode()


def test_deleting_for_good_asks_first_then_removes_every_object(user_client, user, s3, settings):
    photo = make_photo(user, filename="gone.jpg", trashed_at=timezone.now())
    bucket = settings.DARKROOM_BUCKET
    s3.put_object(Bucket=bucket, Key=photo.original_key, Body=b"original")
    for rendition in manifest_for(photo)["renditions"]:
        s3.put_object(Bucket=bucket, Key=rendition["key"], Body=b"pixels")

    asked = user_client.post("/photos/trash/delete/", {"ids": [str(photo.pk)]})
    assert asked.status_code == 200 and "Delete 1 photo for good?" in asked.content.decode()
    assert Photo.objects.filter(pk=photo.pk).exists()

    done = user_client.post("/photos/trash/delete/", {"ids": [str(photo.pk)], "confirm": "yes"})

    assert done.status_code == 302 and done["Location"] == "/photos/trash/"
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_deleting_for_good_never_touches_a_photo_outside_the_trash(user_client, user):
    kept = make_photo(user)

    response = user_client.post("/photos/trash/delete/", {"ids": [str(kept.pk)], "confirm": "yes"})

    assert response.status_code == 302 and Photo.objects.filter(pk=kept.pk).exists()


def test_another_users_photo_can_be_neither_trashed_restored_nor_deleted(user_client, other_user):
    theirs = make_photo(other_user)
    binned = make_photo(other_user, trashed_at=timezone.now())

    trash(user_client, theirs)
    user_client.post("/photos/trash/restore/", {"ids": [str(binned.pk)]})
    user_client.post("/photos/trash/delete/", {"ids": [str(binned.pk)], "confirm": "yes"})

    assert Photo.objects.get(pk=theirs.pk).trashed_at is None
    assert Photo.objects.get(pk=binned.pk).trashed_at is not None
    assert "Select" not in user_client.get("/photos/trash/").content.decode()


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ([], "Select at least one photo first."),
        (["not-a-uuid"], "The selection is not a list of photo ids"),
        ([str(n) * 1 for n in range(501)], "Select at most 500 photos at once."),
    ],
)
@pytest.mark.parametrize("path", ["/photos/trash/move/", "/photos/trash/restore/", "/photos/trash/delete/"])
def test_a_bad_selection_is_said_on_the_page_it_came_from(user_client, path, ids, message):
    response = user_client.post(path, {"ids": ids, "next": "/photos/trash/"}, follow=True)

    assert response.redirect_chain == [("/photos/trash/", 302)]
    assert message in response.content.decode()


@pytest.mark.parametrize("path", ["/photos/trash/move/", "/photos/trash/restore/", "/photos/trash/delete/"])
def test_trash_actions_need_post(user_client, path):
    assert user_client.get(path).status_code == 405


def test_next_may_only_point_back_into_the_site(user_client, user):
    photo = make_photo(user)

    response = trash(user_client, photo, next="https://evil.example/")

    assert response["Location"] == "/photos/"


def test_the_sweeper_empties_the_trash_after_thirty_days(user, s3, settings):
    old = make_photo(user, trashed_at=timezone.now() - timedelta(days=30, minutes=1))
    recent = make_photo(user, trashed_at=timezone.now() - timedelta(days=29))
    s3.put_object(Bucket=settings.DARKROOM_BUCKET, Key=old.original_key, Body=b"original")

    call_command("sweep")

    assert list(Photo.objects.values_list("pk", flat=True)) == [recent.pk]
    assert s3.list_objects_v2(Bucket=settings.DARKROOM_BUCKET).get("KeyCount") == 0


def test_emptying_the_trash_stops_at_its_deadline(user):
    make_photo(user, trashed_at=timezone.now() - timedelta(days=40))

    counts = services.trash_purge(deadline=time.monotonic() - 1)

    assert counts == {"photos": 0, "errors": 0} and Photo.objects.count() == 1


def test_one_photo_failing_to_delete_does_not_stop_the_rest(user, monkeypatch):
    first, second = (make_photo(user, trashed_at=timezone.now() - timedelta(days=40 + n)) for n in range(2))
    real_delete = services.photo_delete

    def flaky(*, photo):
        if photo.pk == second.pk:  # the oldest goes first and fails
            raise RuntimeError("S3 is down")
        real_delete(photo=photo)

    monkeypatch.setattr(services, "photo_delete", flaky)

    counts = services.trash_purge(deadline=time.monotonic() + 60)

    assert counts == {"photos": 1, "errors": 1}
    assert list(Photo.objects.values_list("pk", flat=True)) == [second.pk]


def test_a_trashed_photo_still_developing_is_still_recovered(user, settings):
    # The sweeper keeps a trashed upload's original out of the expiry, so a restore finds it whole.
    photo = make_photo(user, trashed_at=timezone.now())
    Photo.objects.filter(pk=photo.pk).update(resize_requested_at=timezone.now() - timedelta(hours=1))

    counts = services.photo_recover_stuck()

    assert counts["failed"] + counts["requeued"] == 1


def test_undo_restores_only_what_that_move_put_in_the_trash(user_client, user):
    # GIVEN a photo already in the Trash, and a stale tab that still shows it beside another
    earlier = make_photo(user, trashed_at=timezone.now() - timedelta(days=3))
    now = make_photo(user)

    trash(user_client, earlier, now)
    undo_ids = user_client.session["darkroom_undo_trash"]

    assert undo_ids == [str(now.pk)]


def test_the_undo_offered_names_only_the_photos_just_moved(user_client, user):
    earlier = make_photo(user, trashed_at=timezone.now() - timedelta(days=3))
    now = make_photo(user)

    response = trash(user_client, earlier, now, follow=True)

    html = response.content.decode()
    assert "Moved 1 photo to the Trash." in html
    assert f'name="ids" value="{now.pk}"' in html and f'value="{earlier.pk}"' not in html


def test_the_sweeper_leaves_a_photo_restored_while_it_was_emptying(user, monkeypatch):
    # GIVEN two expired photos, the second restored by its owner while the sweeper deletes the first
    first, second = (make_photo(user, trashed_at=timezone.now() - timedelta(days=40 - n)) for n in range(2))
    real_delete = services.photo_delete

    def delete_then_owner_restores(*, photo):
        real_delete(photo=photo)
        services.photo_restore(owner=user, photo_ids=[second.pk])

    monkeypatch.setattr(services, "photo_delete", delete_then_owner_restores)

    counts = services.trash_purge(deadline=time.monotonic() + 60)

    assert counts == {"photos": 1, "errors": 0}
    assert list(Photo.objects.values_list("pk", flat=True)) == [second.pk]
