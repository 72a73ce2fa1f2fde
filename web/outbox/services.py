"""The transactional outbox: a message is never sent before its row commits, and never lost when SQS fails."""

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from web import aws
from web.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)


def _queue_url(queue: str) -> str:
    urls = {
        OutboxMessage.Queue.RESIZE: settings.DARKROOM_RESIZE_QUEUE_URL,
        OutboxMessage.Queue.NOTIFY: settings.DARKROOM_NOTIFY_QUEUE_URL,
    }
    return urls[queue]


def outbox_enqueue(*, queue: str, body: dict) -> OutboxMessage:
    """Record a message inside the caller's transaction; it is sent once that transaction commits."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_enqueue must run inside the transaction that records what the message announces")
    message = OutboxMessage.objects.create(queue=queue, body=body)
    transaction.on_commit(lambda: outbox_send(message_id=message.pk))
    return message


def outbox_send(*, message_id: int) -> bool:
    """Send one pending message; on failure it stays pending for the sweeper. Returns whether it was sent."""
    with transaction.atomic():
        # skip_locked: a sweeper and an on-commit send never both send the same row (PostgreSQL; SQLite
        # serialises writers anyway).
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, sent_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        message.attempts += 1
        try:
            message.sqs_message_id = aws.send_message(
                queue_url=_queue_url(message.queue), body=json.dumps(message.body, separators=(",", ":"))
            )
        except Exception as error:  # any failure: keep the row pending, the sweeper retries it
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.save(update_fields=["attempts", "last_error"])
            logger.warning(
                "outbox send failed queue=%s id=%s correlation_id=%s error=%s",
                message.queue,
                message.pk,
                message.body.get("correlation_id"),
                message.last_error,
            )
            return False
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["attempts", "sent_at", "sqs_message_id", "last_error"])
    logger.info(
        "message sent queue=%s kind=%s correlation_id=%s",
        message.queue,
        message.body.get("kind"),
        message.body.get("correlation_id"),
    )
    return True


def outbox_flush(*, older_than: timedelta | None = None) -> tuple[int, int]:
    """Re-send messages still pending after `older_than` (a few minutes by default). Returns (sent, still pending)."""
    if older_than is None:
        older_than = timedelta(seconds=settings.DARKROOM_OUTBOX_RETRY_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    pending_ids = list(
        OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=cutoff).values_list("pk", flat=True)
    )
    sent = sum(outbox_send(message_id=pk) for pk in pending_ids)
    return sent, len(pending_ids) - sent
