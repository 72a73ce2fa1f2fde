"""Deleting an account. The owner's own: deactivated at once, its photos and row deleted by a background task,
which the sweeper enqueues again when it is overdue. The admin's: everything at once."""

import time

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.web.factories import make_photo, manifest_for, put_manifest, store_original
from tests.web.helpers import alarm_phrase
from web import contracts
from web.accounts import deletion
from web.accounts.deletion import account_delete_some, user_delete
from web.accounts.models import User
from web.accounts.services import password_reset_request
from web.accounts.tasks import account_delete, accounts_delete_overdue
from web.outbox.models import OutboxMessage
from web.photos.models import Photo
from web.tasks.models import TaskRecord

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase"  # the `user` fixture's


def _delete_some(user, seconds: float = 60) -> dict:
    return account_delete_some(user_id=user.pk, deadline=time.monotonic() + seconds)


def _deletion_tasks(user) -> list[str]:
    tasks = TaskRecord.objects.filter(task_path=account_delete.module_path, args=[user.pk])
    return list(tasks.values_list("status", flat=True))


def _bucket_keys(s3, bucket: str) -> set[str]:
    return {item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}


def _stored_photo(s3, settings, owner) -> Photo:
    """A ready photo with its original, its manifest and (as far as the listing goes) its renditions in S3."""
    photo = make_photo(owner, status="ready")
    store_original(s3, settings.DARKROOM_BUCKET, photo)
    manifest = manifest_for(photo)
    put_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest)
    for rendition in manifest["renditions"]:
        s3.put_object(Bucket=settings.DARKROOM_BUCKET, Key=rendition["key"], Body=b"pixels")
    return photo


def test_account_page_shows_the_account_and_its_links(user_client, user):
    make_photo(user)

    page = user_client.get("/account/").content.decode()

    assert "ada@example.com" in page and "<dd>1</dd>" in page
    assert 'href="/password/change/"' in page and 'href="/account/delete/"' in page


def test_account_page_counts_the_trash_apart(user_client, user):
    # GIVEN two photos in the timeline and one in the Trash
    make_photo(user)
    make_photo(user)
    make_photo(user, trashed_at=timezone.now())

    page = user_client.get("/account/").content.decode()

    # THEN the count matches the gallery's, and the Trash's is beside it
    assert '<dd>2 <span class="status-note">and 1 in the <a href="/photos/trash/">Trash</a></span></dd>' in page


@pytest.mark.parametrize("url", ["/account/", "/account/delete/"])
def test_account_pages_need_a_login(client, url):
    response = client.get(url)

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_delete_page_says_what_goes(user_client, user):
    make_photo(user)
    make_photo(user, trashed_at=timezone.now())  # the Trash goes too

    page = user_client.get("/account/delete/").content.decode()

    assert "all 2 of your photos" in page and "There is no undo" in page


@pytest.mark.parametrize(("password", "error"), [("wrong", "That is not your password."), ("", "Enter your password")])
def test_delete_needs_the_password(user_client, user, password, error):
    response = user_client.post("/account/delete/", {"password": password})

    assert response.status_code == 400
    assert error in response.content.decode()
    user.refresh_from_db()
    assert user.is_active and user.deletion_requested_at is None


def test_delete_deactivates_and_logs_out_at_once(user_client, user, client):
    elsewhere = Client()
    elsewhere.force_login(user)

    response = user_client.post("/account/delete/", {"password": PASSWORD}, follow=True)

    # THEN the user lands on the home page, logged out, told what happens next
    assert response.redirect_chain == [("/", 302)]
    assert "Your account is deleted" in response.content.decode()
    assert user_client.get("/photos/").status_code == 302
    assert elsewhere.get("/photos/").status_code == 302
    # AND the account can no longer log in or ask for a password reset
    user.refresh_from_db()
    assert not user.is_active and user.deletion_requested_at is not None
    assert client.post("/login/", {"username": "ada@example.com", "password": PASSWORD}).status_code == 200
    assert not password_reset_request(email="ada@example.com", correlation_id="c")


def test_signup_with_the_address_of_an_account_being_deleted_says_so(user_client, client, user):
    user_client.post("/account/delete/", {"password": PASSWORD})

    response = client.post("/signup/", {"email": "ada@example.com", "password": "correct horse battery"})

    assert response.status_code == 400
    assert "is being deleted. Try again in a few minutes." in response.content.decode()


def test_deleting_the_account_enqueues_the_task_that_deletes_its_photos_then_itself(
    user_client, user, other_user, s3, settings
):
    # GIVEN two users with stored photos, and the first deletes their account
    mine = [_stored_photo(s3, settings, user) for _ in range(2)]
    theirs = _stored_photo(s3, settings, other_user)
    user_client.post("/account/delete/", {"password": PASSWORD})
    assert _deletion_tasks(user) == ["READY"]

    # AND an upload of theirs that was never confirmed
    stray = f"uploads/{user.pk}/0508d24d-1c2b-4f3a-9e8d-7c6b5a4f3e2d"
    s3.put_object(Bucket=settings.DARKROOM_BUCKET, Key=stray, Body=b"half a photo")

    # WHEN the task runs
    outcome = account_delete.call(user.pk)

    # THEN every object and row of the deleted account is gone, and nothing of the other user's
    assert outcome == {"photos": 2, "status": "deleted"}
    assert not User.objects.filter(pk=user.pk).exists()
    assert list(Photo.objects.all()) == [theirs]
    remaining = _bucket_keys(s3, settings.DARKROOM_BUCKET)
    assert not any(str(photo.pk) in key for photo in mine for key in remaining) and stray not in remaining
    assert theirs.original_key in remaining and any(f"renditions/{theirs.pk}/" in key for key in remaining)


def test_a_run_goes_on_where_the_last_one_stopped(user_client, user, s3, settings, monkeypatch):
    for _ in range(3):
        _stored_photo(s3, settings, user)
    user_client.post("/account/delete/", {"password": PASSWORD})
    # GIVEN a run whose deadline comes after its first photo (each check of the clock is a second later)
    clock = iter(range(1000))
    monkeypatch.setattr(deletion.time, "monotonic", lambda: next(clock))

    # WHEN it runs out of time, THEN one photo is gone, two wait, and so does the account
    assert account_delete_some(user_id=user.pk, deadline=1) == {"photos": 1, "status": "continues"}
    assert Photo.objects.count() == 2 and User.objects.filter(pk=user.pk).exists()

    # AND the next run finishes the job
    assert account_delete_some(user_id=user.pk, deadline=10_000) == {"photos": 2, "status": "deleted"}
    assert _bucket_keys(s3, settings.DARKROOM_BUCKET) == set()


def test_a_task_out_of_time_enqueues_itself_again(user_client, user, s3, settings):
    _stored_photo(s3, settings, user)
    user_client.post("/account/delete/", {"password": PASSWORD})
    settings.DARKROOM_ACCOUNT_DELETION_BUDGET_SECONDS = -1

    assert account_delete.call(user.pk) == {"photos": 0, "status": "continues"}
    assert _deletion_tasks(user) == ["READY", "READY"]  # the view's, and the next run's


def test_a_photo_recorded_during_the_deletion_keeps_the_account_for_the_next_run(user, s3, settings, monkeypatch):
    User.objects.update(is_active=False, deletion_requested_at="2026-01-01T00:00:00Z")
    real_list_keys = deletion.aws.list_keys

    def list_keys(*, prefix):  # a confirm in flight records its row while the task is at the account's uploads
        if prefix == f"uploads/{user.pk}/":
            make_photo(user)
        return real_list_keys(prefix=prefix)

    monkeypatch.setattr(deletion.aws, "list_keys", list_keys)

    assert account_delete.call(user.pk) == {"photos": 0, "status": "busy"}
    assert User.objects.filter(pk=user.pk).exists()  # the row was not cascaded away with its objects in S3
    assert _deletion_tasks(user) == ["READY"]  # and the next run is on its way
    monkeypatch.undo()
    assert _delete_some(user) == {"photos": 1, "status": "deleted"}


def test_a_task_for_an_account_already_gone_does_nothing(user):
    User.objects.filter(pk=user.pk).update(is_active=False, deletion_requested_at="2026-01-01T00:00:00Z")
    User.objects.filter(pk=user.pk).delete()

    assert account_delete.call(user.pk) == {"photos": 0, "status": "gone"}


def test_deleting_an_account_forgets_its_emails(user, other_user):
    for recipient in (user, other_user):
        email = contracts.password_changed_email(
            change_id=str(recipient.pk), to=recipient.email, reset_page_url="http://t/", correlation_id="c"
        )
        OutboxMessage.objects.create(queue="notify", body=email)
    User.objects.filter(pk=user.pk).update(is_active=False, deletion_requested_at="2026-01-01T00:00:00Z")

    _delete_some(user)

    assert [message.body["to"] for message in OutboxMessage.objects.all()] == ["grace@example.com"]


def test_a_reset_link_sent_before_the_deletion_does_not_work(
    client, user, django_capture_on_commit_callbacks, notify_messages
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/password/reset/", {"email": "ada@example.com"})
    [email] = notify_messages()
    link = email["data"]["reset_url"].removeprefix("http://testserver")
    client.force_login(user)
    client.post("/account/delete/", {"password": PASSWORD})

    page = client.get(link, follow=True)

    assert "does not work any more" in page.content.decode()
    assert not OutboxMessage.objects.filter(body__kind="password_changed").exists()


def test_an_old_session_gets_nothing_from_the_api_after_the_deletion(user_client, user):
    elsewhere = Client()
    elsewhere.force_login(user)
    photo = make_photo(user)
    user_client.post("/account/delete/", {"password": PASSWORD})

    presign = elsewhere.post(
        "/api/uploads/presign",
        {"filename": "a.jpg", "content_type": "image/jpeg", "size": 10},
        content_type="application/json",
    )
    confirm = elsewhere.post("/api/uploads/confirm", {"key": photo.original_key}, content_type="application/json")
    status = elsewhere.get(f"/api/photos/status?ids={photo.pk}")

    assert (presign.status_code, confirm.status_code, status.status_code) == (401, 401, 401)


def test_an_account_that_cannot_be_deleted_fails_its_task_loudly_and_the_others_still_go(
    user, other_user, s3, settings, monkeypatch, caplog
):
    stuck = _stored_photo(s3, settings, user)
    _stored_photo(s3, settings, other_user)
    User.objects.update(is_active=False, deletion_requested_at="2026-01-01T00:00:00Z")
    real_delete = deletion.photo_delete

    def photo_delete(*, photo):
        if photo.pk == stuck.pk:
            raise RuntimeError("S3 exploded")
        real_delete(photo=photo)

    monkeypatch.setattr(deletion, "photo_delete", photo_delete)

    # WHEN each account's task runs, THEN the stuck one raises (so its task is retried) and is logged
    with caplog.at_level("ERROR", logger="web.accounts.tasks"), pytest.raises(RuntimeError):
        account_delete.call(user.pk)
    assert account_delete.call(other_user.pk) == {"photos": 1, "status": "deleted"}
    assert list(User.objects.all()) == [user] and list(Photo.objects.all()) == [stuck]
    # template.yaml's SweepErrorMetric counts this line; its alarm fires when deletions keep failing
    assert alarm_phrase("SweepErrorMetric") in caplog.text


def test_the_sweeper_enqueues_an_overdue_deletion_once(user, other_user, capsys):
    # GIVEN an account deleted long ago whose task is gone, and one deleted a moment ago
    User.objects.filter(pk=user.pk).update(is_active=False, deletion_requested_at="2026-01-01T00:00:00Z")
    User.objects.filter(pk=other_user.pk).update(is_active=False, deletion_requested_at=timezone.now())

    # WHEN the sweeper runs twice
    call_command("sweep")
    call_command("sweep")

    # THEN the overdue one has one task again, the recent one none from the sweeper
    assert "overdue account deletions enqueued again: 1;" in capsys.readouterr().out
    assert _deletion_tasks(user) == ["READY"] and _deletion_tasks(other_user) == []


def test_overdue_deletions_past_the_sweeps_deadline_wait_for_the_next_run(user, other_user):
    User.objects.update(is_active=False, deletion_requested_at="2026-01-01T00:00:00Z")

    assert accounts_delete_overdue(deadline=time.monotonic() - 1) == 0
    assert _deletion_tasks(user) == [] and _deletion_tasks(other_user) == []
    assert accounts_delete_overdue() == 2


def test_an_account_without_photos_waits_too_when_the_time_is_up(user):
    User.objects.update(is_active=False, deletion_requested_at="2026-01-01T00:00:00Z")

    assert _delete_some(user, seconds=-1) == {"photos": 0, "status": "continues"}
    assert User.objects.filter(pk=user.pk).exists()


def test_the_admins_deletion_deletes_the_account_and_its_objects_at_once(user, other_user, s3, settings):
    mine, theirs = make_photo(user), make_photo(other_user)
    for photo in (mine, theirs):
        s3.put_object(Bucket=settings.DARKROOM_BUCKET, Key=photo.original_key, Body=b"x")
        s3.put_object(Bucket=settings.DARKROOM_BUCKET, Key=f"renditions/{photo.pk}/w240.jpg", Body=b"x")

    user_delete(user=user)

    assert _bucket_keys(s3, settings.DARKROOM_BUCKET) == {theirs.original_key, f"renditions/{theirs.pk}/w240.jpg"}
    assert list(Photo.objects.all()) == [theirs] and not User.objects.filter(pk=user.pk).exists()
