"""Zappa's scheduled event: the function zappa_settings.json names re-sends stale messages and recovers stuck photos."""

import importlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.web.factories import make_photo, store_original
from web import contracts
from web.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db
ZAPPA_SETTINGS = Path(__file__).resolve().parents[2] / "zappa_settings.json"


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    """The test's transaction lives on one connection; Django's test client spares it the same way for requests."""
    monkeypatch.setattr("web.scheduled.close_old_connections", lambda: None)


def scheduled_function():
    """What Zappa's handler does with an event's `function`: import the module, take the attribute."""
    dotted = json.loads(ZAPPA_SETTINGS.read_text())["common"]["events"][0]["function"]
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def test_the_scheduled_event_resends_stale_messages_and_requeues_stuck_photos(
    user, s3, settings, resize_messages, notify_messages, django_capture_on_commit_callbacks
):
    # GIVEN a photo whose resize was requested past the deadline and never answered
    overdue = timezone.now() - timedelta(seconds=settings.DARKROOM_PROCESSING_DEADLINE_SECONDS + 1)
    photo = make_photo(user, resize_requested_at=overdue, correlation_id="stuck-photo-0001")
    store_original(s3, settings.DARKROOM_BUCKET, photo)
    # AND an email whose send failed, pending past the retry delay
    welcome = OutboxMessage.objects.create(
        queue=contracts.Queue.NOTIFY,
        body=contracts.password_changed_email(
            change_id="1", to=user.email, reset_page_url="http://testserver/", correlation_id="welcome-0001"
        ),
    )
    stale = timezone.now() - timedelta(seconds=settings.DARKROOM_OUTBOX_RETRY_AFTER_SECONDS + 1)
    OutboxMessage.objects.filter(pk=welcome.pk).update(created_at=stale)

    # WHEN the scheduler fires, calling the function the way Zappa does
    with django_capture_on_commit_callbacks(execute=True):
        scheduled_function()({}, None)

    # THEN the photo's resize is requested again, counted as another attempt
    photo.refresh_from_db()
    assert photo.resize_attempts == 2 and photo.status == "processing"
    assert photo.resize_requested_at > overdue
    [request] = resize_messages()
    assert request["kind"] == "resize.requested"
    assert (request["photo_id"], request["correlation_id"]) == (str(photo.pk), "stuck-photo-0001")
    # AND the pending email went out, once
    welcome.refresh_from_db()
    assert welcome.sent_at is not None and welcome.attempts == 1
    assert [message["correlation_id"] for message in notify_messages()] == ["welcome-0001"]


def test_the_scheduled_event_closes_stale_connections_around_the_sweep(monkeypatch):
    # Django does this around web requests only; a database connection dropped between sweeps must not fail one.
    calls = []
    monkeypatch.setattr("web.scheduled.close_old_connections", lambda: calls.append("close"))
    monkeypatch.setattr("web.scheduled.call_command", lambda name, **options: calls.append(name))

    scheduled_function()({}, None)

    assert calls == ["close", "sweep", "close"]


def test_the_sweep_clears_expired_sessions(user, client):
    from django.contrib.sessions.models import Session

    client.force_login(user)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    scheduled_function()({}, None)

    assert not Session.objects.exists()
