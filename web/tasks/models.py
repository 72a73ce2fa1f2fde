from django.db import models
from django.tasks import TaskResultStatus


class TaskRecord(models.Model):
    """One enqueued task and what became of it: the columns of Django's TaskResult, plus what the worker needs to
    run it exactly once (the token of the one message that may run it, when it may run)."""

    id = models.CharField(primary_key=True, max_length=32, editable=False)
    task_path = models.CharField(max_length=255)
    queue_name = models.CharField(max_length=64, default="default")
    backend = models.CharField(max_length=64, default="default")
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=TaskResultStatus.choices, default=TaskResultStatus.READY)
    enqueued_at = models.DateTimeField()
    run_after = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_attempted_at = models.DateTimeField(null=True, blank=True)
    return_value = models.JSONField(null=True, blank=True)
    # [{"exception_class_path": ..., "traceback": ...}], one per failed attempt
    errors = models.JSONField(default=list, blank=True)
    # One per attempt started, so len(worker_ids) is TaskResult.attempts
    worker_ids = models.JSONField(default=list, blank=True)
    # A duplicate or superseded SQS message carries another token and runs nothing.
    message_token = models.CharField(max_length=32)

    class Meta:
        ordering = ["-enqueued_at"]
        indexes = [
            models.Index(fields=["status", "enqueued_at"], name="task_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_path} {self.id} ({self.status})"

    @property
    def attempts(self) -> int:
        return len(self.worker_ids)
