"""A task's database row: sending its message, and reading it back as Django's TaskResult."""

from datetime import datetime, timedelta

from django.tasks import Task, TaskResult, TaskResultStatus
from django.tasks.base import TaskError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

from web import contracts
from web.correlation import new_correlation_id
from web.outbox.services import outbox_enqueue
from web.tasks.models import TaskRecord


def send_ready(record: TaskRecord, *, created: bool = False, run_after: datetime | None = None) -> None:
    """Save `record` as READY with a new message token, and record the message that may run it (sent after the
    caller's transaction commits; SQS holds it back until `run_after`, at most 15 minutes ahead)."""
    record.status = TaskResultStatus.READY
    record.message_token = get_random_string(32)
    if run_after is not None:
        record.run_after = run_after
    record.save(force_insert=created)
    message = contracts.task_ready(
        task_id=record.id, task_path=record.task_path, token=record.message_token, correlation_id=new_correlation_id()
    )
    outbox_enqueue(contracts.Message(contracts.Queue.TASKS, message), deliver_after=record.run_after)


def look_again(record: TaskRecord, *, at: datetime) -> None:
    """Record a copy of the running task's message, held back until `at`: if its worker died, that copy finds the
    attempt stale and runs it again; if it finished, the copy does nothing."""
    message = contracts.task_ready(
        task_id=record.id, task_path=record.task_path, token=record.message_token, correlation_id=new_correlation_id()
    )
    outbox_enqueue(contracts.Message(contracts.Queue.TASKS, message), deliver_after=at)


def task_of(path: str) -> Task:
    """The Task a path names; ValueError when it names nothing, or something that is not a task."""
    try:
        task = import_string(path)
    except ImportError as error:
        raise ValueError(f"no task at {path!r}: {error}") from error
    if not isinstance(task, Task):
        raise ValueError(f"{path!r} is not a task (decorate it with @task)")
    return task


def task_result(record: TaskRecord, task: Task | None = None) -> TaskResult:
    result = TaskResult(
        task=task or task_of(record.task_path),
        id=record.id,
        status=TaskResultStatus(record.status),
        enqueued_at=record.enqueued_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
        last_attempted_at=record.last_attempted_at,
        args=list(record.args),
        kwargs=dict(record.kwargs),
        backend=record.backend,
        errors=[TaskError(**error) for error in record.errors],
        worker_ids=list(record.worker_ids),
    )
    object.__setattr__(result, "_return_value", record.return_value)
    return result


def task_records_prune(*, older_than: timedelta) -> int:
    """Delete finished tasks' rows older than `older_than`: their arguments may name people. Returns how many."""
    finished = TaskRecord.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        finished_at__lt=timezone.now() - older_than,
    )
    deleted, _ = finished.delete()
    return deleted


def first_args_pending(task: Task) -> set:
    """The first argument of each of `task`'s results still READY or RUNNING: what a sweeper need not enqueue again."""
    pending = TaskRecord.objects.filter(
        task_path=task.module_path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    )
    return {args[0] for args in pending.values_list("args", flat=True) if args}
