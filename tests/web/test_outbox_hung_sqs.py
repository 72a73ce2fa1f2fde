"""An SQS that accepts connections and never answers: the request's own send gives up in about a second, the
message waits in the outbox, and the sweeper (which retries) sends it once SQS is back."""

import os
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from tests.web.helpers import upload_and_confirm
from tests.web.silent import silent_listener
from web import aws
from web.outbox import services
from web.outbox.models import OutboxMessage
from web.outbox.services import outbox_flush
from web.photos.models import Photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def sqs_hangs():
    """SQS's endpoint is a listener that never answers, until `sqs_hangs.stop()`; S3 stays on moto."""
    with silent_listener() as port:
        endpoint = mock.patch.dict(os.environ, {"AWS_ENDPOINT_URL_SQS": f"http://127.0.0.1:{port}"})
        endpoint.start()
        aws.clear_clients()
        yield endpoint
        if os.environ.get("AWS_ENDPOINT_URL_SQS"):
            endpoint.stop()
    aws.clear_clients()
    services._SilentSQS.until = 0.0


def test_confirm_answers_within_two_seconds_when_sqs_hangs(user_client, sqs_hangs, django_capture_on_commit_callbacks):
    # WHEN the owner confirms an upload while SQS hangs, the send after commit included
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_and_confirm(user_client)
    elapsed = time.monotonic() - started

    # THEN the photo is recorded and the request answers in about the one attempt's read timeout: its second
    # commit's send (the task checking the original) does not wait for SQS again
    assert response.status_code == 201
    assert elapsed < 2, f"confirm took {elapsed:.1f} s"
    # AND its messages wait in the outbox for the sweeper
    assert Photo.objects.get().status == "processing"
    assert set(OutboxMessage.objects.values_list("queue", "sent_at")) == {("resize", None), ("tasks", None)}
    assert "timeout" in OutboxMessage.objects.get(queue="resize").last_error.lower()


def test_the_sweeper_sends_what_the_hung_request_left(
    user_client, sqs_hangs, resize_messages, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload_and_confirm(user_client)
    # GIVEN SQS answers again, minutes later
    sqs_hangs.stop()
    aws.clear_clients()
    stale = timezone.now() - timedelta(minutes=10)
    OutboxMessage.objects.update(created_at=stale)

    # WHEN the sweeper flushes the outbox
    sent, still_pending = outbox_flush(deadline=time.monotonic() + 10)

    # THEN everything went, and the photo's resize is on its queue
    assert (sent, still_pending) == (OutboxMessage.objects.count(), 0)
    [request] = resize_messages()  # sent once
    assert request["photo_id"] == str(Photo.objects.get().pk)


@pytest.mark.slow  # seconds of waiting on purpose: `make test`, not `make check`
def test_the_sweeper_stops_flushing_when_sqs_hangs(sqs_hangs, caplog):
    # GIVEN more pending messages than one batch of sends
    stale = timezone.now() - timedelta(minutes=10)
    for number in range(25):
        OutboxMessage.objects.create(queue="tasks", body={"kind": "task.ready", "n": number})
    OutboxMessage.objects.update(created_at=stale)

    # WHEN the sweeper flushes while SQS hangs
    sent, still_pending = outbox_flush(deadline=time.monotonic() + 60)

    # THEN it gives up after the first batch (one retrying call's time), leaving every row pending, and says so
    assert (sent, still_pending) == (0, 25)
    assert OutboxMessage.objects.filter(attempts=1).count() == 10
    assert "sweep step stopped: SQS did not answer" in caplog.text
