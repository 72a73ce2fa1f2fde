"""The sweeper's second job: photos stuck in processing are re-enqueued a bounded number of times, then failed."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.web.factories import make_photo, manifest_for, put_manifest
from web.outbox.models import OutboxMessage
from web.photos.services import clean_filename, photo_recover_stuck

pytestmark = pytest.mark.django_db


def overdue(settings) -> timezone.datetime:
    return timezone.now() - timedelta(seconds=settings.DARKROOM_PROCESSING_DEADLINE_SECONDS + 1)


def test_stuck_photo_is_reenqueued_with_its_correlation_id(user, settings, django_capture_on_commit_callbacks):
    photo = make_photo(user, resize_requested_at=overdue(settings), correlation_id="abc123abc123")

    with django_capture_on_commit_callbacks(execute=True):
        counts = photo_recover_stuck()

    assert counts == {"finished": 0, "requeued": 1, "failed": 0}
    photo.refresh_from_db()
    assert photo.resize_attempts == 2 and photo.status == "processing"
    message = OutboxMessage.objects.get()
    assert message.sent_at is not None
    assert message.body["kind"] == "resize.requested" and message.body["correlation_id"] == "abc123abc123"


def test_photo_within_deadline_is_left_alone(user):
    make_photo(user)

    assert photo_recover_stuck() == {"finished": 0, "requeued": 0, "failed": 0}


def test_after_the_last_attempt_the_photo_fails_with_a_reason(user, settings):
    photo = make_photo(
        user, resize_requested_at=overdue(settings), resize_attempts=settings.DARKROOM_MAX_RESIZE_ATTEMPTS
    )

    assert photo_recover_stuck()["failed"] == 1
    photo.refresh_from_db()
    assert photo.status == "failed" and photo.failure_code == "timeout"
    assert "did not finish" in photo.failure_message
    assert not OutboxMessage.objects.exists()


def test_finished_photo_nobody_looked_at_is_settled_from_its_manifest(user, s3, settings):
    photo = make_photo(user, resize_requested_at=overdue(settings))
    put_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest_for(photo))

    assert photo_recover_stuck()["finished"] == 1
    photo.refresh_from_db()
    assert photo.status == "ready"


def test_sweep_command_reports_what_it_did(user, settings, capsys):
    make_photo(user, resize_requested_at=overdue(settings))

    call_command("sweep")

    assert "1 re-enqueued" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("holiday.jpg", "holiday.jpg"), ("../../x.jpg", "x.jpg"), ("C:\\Users\\me\\y.png", "y.png"), (" z.gif ", "z.gif")],
)
def test_clean_filename_keeps_only_the_name(raw, clean):
    assert clean_filename(raw) == clean
