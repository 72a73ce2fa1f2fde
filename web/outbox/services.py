"""The transactional outbox: a message is never sent before its row commits, and never lost when SQS fails."""

import json
import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from web import aws, contracts
from web.accounts.mail_status import mail_allowed
from web.contracts import Message, Queue
from web.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)
# The sweeper re-sends at most this many messages at once (one SQS request each, in parallel).
FLUSH_BATCH = 10
# Once a request's send finds SQS silent, this process leaves its next sends to the sweeper at once for this long: a
# request that commits several times (a confirm and the tasks it enqueues) waits for a silent SQS once, not per commit.
SILENT_SQS_PAUSE_SECONDS = 10


class _SilentSQS:
    until = 0.0  # time.monotonic()


def _queue_url(queue: str) -> str:
    return getattr(settings, f"DARKROOM_{Queue(queue).name}_QUEUE_URL")


@cache
def _send_pool() -> ThreadPoolExecutor:
    """Threads for parallel sends, started once per process rather than per request. Lambda serves one request per
    process; the spare workers are for runserver's threads. A busy pool only makes a send wait its turn."""
    return ThreadPoolExecutor(max_workers=FLUSH_BATCH, thread_name_prefix="darkroom-outbox")


def outbox_enqueue(*messages: Message, deliver_after: datetime | None = None) -> list[OutboxMessage]:
    """Record messages inside the caller's transaction; they are sent together once it commits, and SQS holds them
    back until `deliver_after` (at most 15 minutes ahead), when given."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_enqueue must run inside the transaction that records what the message announces")
    recorded = [
        OutboxMessage.objects.create(queue=message.queue, body=message.body, deliver_after=deliver_after)
        for message in messages
        if _deliverable(message)
    ]
    # robust: the rows are committed, so a send that crashes (SQLite's "database is locked" under concurrent
    # requests, say) is logged and left to the sweeper instead of failing a request whose work is recorded.
    transaction.on_commit(lambda: outbox_send_committed(messages=recorded), robust=True)
    return recorded


def _deliverable(message: Message) -> bool:
    """Emails to an address not yet confirmed, or that SES reported as bouncing for good or complaining, are never
    sent (mail_status)."""
    body = message.body
    if message.queue != Queue.NOTIFY or mail_allowed(body.get("to", ""), kind=body.get("kind", "")):
        return True
    logger.info("email not sent: its address gets no mail of this kind=%s", body.get("kind"))
    return False


def outbox_send_committed(*, messages: list[OutboxMessage]) -> int:
    """The request's own send, right after its commit. Its rows are a moment old and the sweeper only takes rows
    pending for minutes, so no lock is taken and none is held while SQS answers (SQLite's single write lock,
    PostgreSQL's row locks). One short attempt each (aws.sqs_client_one_try): a hung SQS costs the request about a
    second. Returns how many were sent; what fails stays pending for the sweeper."""
    if time.monotonic() < _SilentSQS.until:
        logger.warning("outbox send skipped: SQS did not answer a moment ago; %s left to the sweeper", len(messages))
        return 0
    outcomes = _deliver_all(messages, one_try=True)
    if any(error is not None and aws.not_answering(error) for _, error in outcomes):
        _SilentSQS.until = time.monotonic() + SILENT_SQS_PAUSE_SECONDS
    with transaction.atomic():
        _record_outcomes(messages, outcomes)
    return sum(error is None for _, error in outcomes)


def outbox_send(*, message_ids: list[int]) -> tuple[int, bool]:
    """The sweeper's send of pending messages. Returns (how many were sent, whether SQS did not answer at all);
    what fails stays pending."""
    with transaction.atomic():
        # skip_locked: two sweepers never send the same row (PostgreSQL; SQLite serialises writers anyway). The rows
        # stay locked while SQS answers: one batch's sends in parallel, at most aws.CALL_MAX_SECONDS.
        messages = list(
            OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk__in=message_ids, sent_at__isnull=True)
        )
        outcomes = _deliver_all(messages)
        _record_outcomes(messages, outcomes)
    hung = bool(outcomes) and all(error is not None and aws.not_answering(error) for _, error in outcomes)
    return sum(error is None for _, error in outcomes), hung


def _deliver_all(messages: list[OutboxMessage], *, one_try: bool = False) -> list[tuple[str, Exception | None]]:
    def deliver(message: OutboxMessage) -> tuple[str, Exception | None]:
        return _deliver(message, one_try=one_try)

    if len(messages) > 1:  # the request waits for the slowest send, not for their sum
        # made here, not by two threads at once: boto3's default session is not thread-safe
        aws.sqs_client_one_try() if one_try else aws.sqs_client()
        return list(_send_pool().map(deliver, messages))
    return [deliver(message) for message in messages]


def _delay(message: OutboxMessage) -> int:
    if message.deliver_after is None:
        return 0
    seconds = (message.deliver_after - timezone.now()).total_seconds()
    return max(0, min(aws.SQS_MAX_DELAY_SECONDS, math.ceil(seconds)))


def _record_outcomes(messages: list[OutboxMessage], outcomes: list[tuple[str, Exception | None]]) -> None:
    for message, (sqs_message_id, error) in zip(messages, outcomes, strict=True):
        _record_outcome(message, sqs_message_id=sqs_message_id, error=error)


def _deliver(message: OutboxMessage, *, one_try: bool) -> tuple[str, Exception | None]:
    """One SQS send; no database work here, it may run on a pool thread."""
    try:
        body = json.dumps(message.body, separators=(",", ":"))
        queue_url, delay = _queue_url(message.queue), _delay(message)
        return aws.send_message(queue_url=queue_url, body=body, delay_seconds=delay, one_try=one_try), None
    except Exception as error:  # any failure: keep the row pending, the sweeper retries it
        return "", error


def _record_outcome(message: OutboxMessage, *, sqs_message_id: str, error: Exception | None) -> None:
    message.attempts += 1
    correlation_id = message.body.get("correlation_id")
    if error is not None:
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        message.save(update_fields=["attempts", "last_error"])
        logger.warning(
            "outbox send failed queue=%s id=%s correlation_id=%s error=%s",
            message.queue,
            message.pk,
            correlation_id,
            message.last_error,
        )
        return
    message.sent_at = timezone.now()
    message.sqs_message_id = sqs_message_id
    message.last_error = ""
    fields = ["attempts", "sent_at", "sqs_message_id", "last_error"]
    # A sent row is never sent again: what works as a credential (a reset link) need not stay in the table.
    redacted = contracts.redacted(message.body)
    if redacted is not message.body:
        message.body = redacted
        fields.append("body")
    message.save(update_fields=fields)
    logger.info(
        "message sent queue=%s kind=%s correlation_id=%s", message.queue, message.body.get("kind"), correlation_id
    )


# The prune deletes this many rows per statement, each well inside the database's statement timeout.
PRUNE_CHUNK = 1000


def outbox_prune(*, deadline: float = math.inf, older_than: timedelta | None = None) -> int:
    """Delete messages sent longer ago than `older_than` (a week by default), a chunk at a time until `deadline`
    (time.monotonic()): the table would otherwise keep every address and filename forever. Returns how many went."""
    if older_than is None:
        older_than = timedelta(days=settings.DARKROOM_OUTBOX_KEEP_SENT_DAYS)
    old = OutboxMessage.objects.filter(sent_at__lt=timezone.now() - older_than)
    deleted = 0
    while time.monotonic() < deadline:
        chunk = list(old.values_list("pk", flat=True)[:PRUNE_CHUNK])
        if not chunk:
            return deleted
        deleted += OutboxMessage.objects.filter(pk__in=chunk).delete()[0]
    logger.info("sweep step stopped for its deadline: outbox prune, %s deleted, more next run", deleted)
    return deleted


def outbox_forget_recipient(*, email: str) -> int:
    """Delete every email message to `email`, sent or not: what is left of an account once it is deleted."""
    deleted, _ = OutboxMessage.objects.filter(queue=Queue.NOTIFY, body__to=email).delete()
    return deleted


def outbox_flush(*, deadline: float = math.inf, older_than: timedelta | None = None) -> tuple[int, int]:
    """Re-send messages still pending after `older_than` (a few minutes by default), oldest first, a batch at a time
    until `deadline` (time.monotonic()) or until SQS does not answer a whole batch; the rest wait for the next run.
    Returns (sent, still pending)."""
    if older_than is None:
        older_than = timedelta(seconds=settings.DARKROOM_OUTBOX_RETRY_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    pending_ids = list(
        OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=cutoff).values_list("pk", flat=True)
    )
    sent = 0
    for start in range(0, len(pending_ids), FLUSH_BATCH):
        if time.monotonic() >= deadline:
            logger.info("sweep step stopped for its deadline: outbox flush, %s left", len(pending_ids) - start)
            break
        batch_sent, hung = outbox_send(message_ids=pending_ids[start : start + FLUSH_BATCH])
        sent += batch_sent
        if hung:
            logger.warning("sweep step stopped: SQS did not answer, outbox flush, %s left", len(pending_ids) - start)
            break
    return sent, len(pending_ids) - sent
