from django.db import models

from web.contracts import Queue


class OutboxMessage(models.Model):
    """A message recorded in the same transaction as the change it announces, sent to SQS after commit."""

    queue = models.CharField(max_length=16, choices=[(queue.value, queue.name.title()) for queue in Queue])
    body = models.JSONField()
    # SQS holds the message back until then (15 minutes at most; web/tasks re-defers a longer wait).
    deliver_after = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sqs_message_id = models.CharField(max_length=128, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["created_at"], name="outbox_pending_idx", condition=models.Q(sent_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.queue} #{self.pk} ({'sent' if self.sent_at else 'pending'})"
