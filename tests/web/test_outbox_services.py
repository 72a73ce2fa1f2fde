"""The outbox: a failed SQS send loses nothing, and the sweeper sends it exactly once."""

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from django.core.management import call_command
from django.db import OperationalError, transaction
from django.utils import timezone

from tests.web.helpers import alarm_phrase, upload_and_confirm
from web import aws
from web.contracts import Message, Queue
from web.outbox import services
from web.outbox.models import OutboxMessage
from web.outbox.services import outbox_enqueue, outbox_flush, outbox_prune

pytestmark = pytest.mark.django_db


def age_outbox(minutes: int = 10) -> None:
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_failed_send_keeps_the_message_and_the_sweeper_sends_it_once(
    user_client, sqs_down, resize_messages, notify_messages, django_capture_on_commit_callbacks
):
    # GIVEN SQS fails while an upload is confirmed
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_and_confirm(user_client)

    # THEN the request still succeeds and its message waits in the outbox with the reason
    assert response.status_code == 201
    pending = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert pending.count() == 2  # the resize request, and the task that checks the original later
    assert all("SQS is down" in message.last_error and message.attempts == 1 for message in pending)

    # WHEN SQS is back and the sweeper runs twice
    sqs_down.undo()
    age_outbox()
    call_command("sweep")
    call_command("sweep")

    # THEN the message reached its queue exactly once
    assert len(resize_messages()) == 1 and notify_messages() == []
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_a_failed_send_logs_the_line_the_outbox_alarm_counts(
    user_client, sqs_down, caplog, django_capture_on_commit_callbacks
):
    with caplog.at_level("WARNING", logger="web.outbox.services"), django_capture_on_commit_callbacks(execute=True):
        upload_and_confirm(user_client)

    # template.yaml's OutboxSendFailedMetric counts these lines; its alarm fires when they persist
    phrase = alarm_phrase("OutboxSendFailedMetric")
    assert len([record for record in caplog.records if phrase in record.getMessage()]) == 2  # one per message


def test_flush_leaves_fresh_messages_to_their_on_commit_send(sqs_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox_enqueue(Message(Queue.NOTIFY, {"kind": "verify_address", "to": "ada@example.com"}))
    sqs_down.undo()

    assert outbox_flush() == (0, 0)  # younger than the retry delay: not touched yet
    age_outbox()
    assert outbox_flush() == (1, 0)


def test_flush_counts_what_still_fails(sqs_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox_enqueue(Message(Queue.NOTIFY, {"kind": "verify_address", "to": "ada@example.com"}))
    age_outbox()

    assert outbox_flush() == (0, 1)
    assert OutboxMessage.objects.get().attempts == 2


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox_enqueue(Message(Queue.NOTIFY, {}))


def test_rolled_back_transaction_sends_nothing(notify_messages, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError, match="signup failed"):
        with transaction.atomic():
            outbox_enqueue(Message(Queue.NOTIFY, {"kind": "verify_address", "to": "ada@example.com"}))
            raise RuntimeError("signup failed after the message was recorded")

    assert not OutboxMessage.objects.exists()
    assert notify_messages() == []


def test_messages_of_one_transaction_are_sent_together_and_each_outcome_is_kept(
    monkeypatch, resize_messages, notify_messages, django_capture_on_commit_callbacks
):
    real_send = aws.send_message

    def resize_down(*, queue_url, **message):
        if "resize" in queue_url:
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "resize queue down"}}, "SendMessage")
        return real_send(queue_url=queue_url, **message)

    monkeypatch.setattr(aws, "send_message", resize_down)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        outbox_enqueue(
            Message(Queue.RESIZE, {"kind": "resize.requested"}),
            Message(Queue.NOTIFY, {"kind": "verify_address", "to": "a@b.c"}),
        )

    assert len(callbacks) == 1
    assert [message["kind"] for message in notify_messages()] == ["verify_address"]
    assert resize_messages() == []
    notify, resize = OutboxMessage.objects.order_by("queue")
    assert resize.sent_at is None and "resize queue down" in resize.last_error
    assert notify.sent_at is not None and notify.sqs_message_id


@pytest.mark.django_db(transaction=True)
def test_a_send_that_crashes_after_commit_leaves_the_request_answered_and_the_messages_pending(
    user_client, monkeypatch
):
    # GIVEN the after-commit send crashes (SQLite's "database is locked" under concurrent requests, say)
    def crash(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "outbox_send_committed", crash)

    # WHEN an upload is confirmed, with real commits
    response = upload_and_confirm(user_client)

    # THEN the photo is recorded and the answer says so; its messages wait for the sweeper
    assert response.status_code == 201
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 2


def test_prune_deletes_messages_sent_over_a_week_ago_and_nothing_pending(settings):
    old_sent, recent_sent, old_pending = (
        OutboxMessage.objects.create(queue="notify", body={"kind": "welcome"}) for _ in range(3)
    )
    week_ago = timezone.now() - timedelta(days=settings.DARKROOM_OUTBOX_KEEP_SENT_DAYS, seconds=1)
    OutboxMessage.objects.filter(pk=old_sent.pk).update(created_at=week_ago, sent_at=week_ago)
    OutboxMessage.objects.filter(pk=recent_sent.pk).update(sent_at=timezone.now())
    OutboxMessage.objects.filter(pk=old_pending.pk).update(created_at=week_ago)

    assert outbox_prune() == 1

    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent_sent.pk, old_pending.pk}
