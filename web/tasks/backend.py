"""A django.tasks backend on SQS, with results in the database and the site's own Lambda as the worker.

`.enqueue()` writes the task's row (what Django's TaskResult holds) and a `task.ready` message through the
transactional outbox, in one transaction: inside the caller's transaction, nothing is sent unless it commits, and
an SQS failure leaves the message pending for the sweeper, never lost. web/tasks/worker.py runs it. docs/tasks.md.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.tasks import Task, TaskResult
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.exceptions import InvalidTask, TaskResultDoesNotExist
from django.tasks.signals import task_enqueued
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

from web.tasks import records
from web.tasks.models import TaskRecord

# A backoff returns the seconds to wait before the next attempt, or None for no more attempts.
Backoff = Callable[[BaseException, TaskResult], float | None]
BACKOFF_FIRST_SECONDS = 2
BACKOFF_LONGEST_SECONDS = 3600


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryingTask(Task):
    """django.tasks' Task with retries, in the shape proposed for Django itself (django/new-features#142):
    `@task(max_attempts=5, backoff=my_backoff)`; None takes the backend's MAX_ATTEMPTS and BACKOFF."""

    max_attempts: int | None = None
    backoff: Backoff | None = None


def exponential_backoff(exception: BaseException, task_result: TaskResult) -> float:
    """2, 4, 8… seconds after attempts 1, 2, 3…, at most an hour, each between half and all of that at random
    ("equal jitter"), so tasks that failed together do not all come back together."""
    ceiling = min(BACKOFF_LONGEST_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** max(0, task_result.attempts - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


class SQSBackend(BaseTaskBackend):
    task_class = RetryingTask
    supports_defer = True
    supports_async_task = True
    supports_get_result = True

    def __init__(self, alias, params):
        super().__init__(alias, params)
        self.max_attempts = int(self.options.get("MAX_ATTEMPTS", 3))
        self.default_backoff: Backoff = import_string(self.options.get("BACKOFF", f"{__name__}.exponential_backoff"))
        self.stale_after = timedelta(seconds=int(self.options.get("STALE_AFTER_SECONDS", 60)))

    def validate_task(self, task):
        super().validate_task(task)
        if getattr(task, "max_attempts", None) is not None and task.max_attempts < 1:
            raise InvalidTask("max_attempts must be at least 1.")

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        record = TaskRecord(
            id=get_random_string(32),
            task_path=task.module_path,
            queue_name=task.queue_name,
            backend=self.alias,
            args=normalize_json(args),
            kwargs=normalize_json(kwargs),
            enqueued_at=timezone.now(),
            run_after=task.run_after,
        )
        with transaction.atomic():
            records.send_ready(record, created=True)
        result = records.task_result(record, task)
        task_enqueued.send(type(self), task_result=result)
        return result

    def get_result(self, result_id):
        record = TaskRecord.objects.filter(pk=result_id).first()
        if record is None:
            raise TaskResultDoesNotExist(result_id)
        return records.task_result(record)

    def attempts_allowed(self, task: Task) -> int:
        return getattr(task, "max_attempts", None) or self.max_attempts

    def next_delay(self, task: Task, error: BaseException, result: TaskResult) -> float | None:
        """Seconds until the next attempt after `error`, or None when the task has had its attempts."""
        if result.attempts >= self.attempts_allowed(task):
            return None
        return (getattr(task, "backoff", None) or self.default_backoff)(error, result)
