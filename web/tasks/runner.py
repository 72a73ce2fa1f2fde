"""Running one site-tasks message: at most once, and never failing the batch it came in for its task's sake.

A task runs only when its row is READY (or RUNNING with a worker that stopped) and the message carries the row's
current token. A failed attempt is retried by a new message with a delay; a message that cannot be read goes to the
dead-letter queue by our own send, since Zappa's batches cannot fail one message.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from traceback import format_exception

from django.conf import settings
from django.db import close_old_connections, transaction
from django.tasks import Task, TaskContext, TaskResultStatus, task_backends
from django.tasks.signals import task_finished, task_started
from django.utils import timezone
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

from web import aws, contracts
from web.tasks import records
from web.tasks.models import TaskRecord

logger = logging.getLogger(__name__)
# The error recorded for an attempt whose worker stopped without finishing it (a Lambda timeout, a crash).
WORKER_STOPPED = "web.tasks.runner.WorkerStopped"
# A task due within this much is run now rather than deferred again.
DEFER_SLACK = timedelta(seconds=1)


class WorkerStopped(Exception):
    """An attempt's worker stopped before the task finished."""


def run_message(body: str, *, worker_id: str) -> str:
    """Run what one message names, at most once; returns what happened, for logs and tests."""
    close_old_connections()  # the database may have dropped a connection idle since the last batch
    try:
        object_keys = contracts.s3_event_keys(body)
        if object_keys is not None:
            return _s3_event(object_keys)
        mail_event = contracts.ses_mail_event(body)
        if mail_event is not None:
            marked = import_string(settings.DARKROOM_TASKS_MAIL_EVENTS)(mail_event)
            return f"ses {mail_event.kind} event: {marked} marked"
        try:
            message = contracts.parse_task_message(body)
        except contracts.TaskMessageError as error:
            logger.error("task message unreadable, sent to the dead-letter queue: %s", error)
            _dead_letter(body)
            return "dead-lettered"
        outcome, claim = _claim(message, worker_id=worker_id)
        if claim is None:
            if outcome in ("unknown task", "no such task"):
                _dead_letter(body)
            logger.info("task %s %s: %s", message.task_path, message.task_id, outcome)
            return outcome
        return _run(claim)
    finally:
        close_old_connections()


@dataclass
class Claim:
    record: TaskRecord
    task: Task


def _s3_event(object_keys: list[str]) -> str:
    """S3's notifications come to this queue too (template.yaml): the site's handler of them takes the keys."""
    if not object_keys:
        return "s3 test event"
    handled = import_string(settings.DARKROOM_TASKS_S3_EVENTS)(object_keys)
    return f"s3 event: {handled} of {len(object_keys)} handled"


def _claim(message: contracts.TaskMessage, *, worker_id: str) -> tuple[str, Claim | None]:
    """(what happened, Claim or None): the row locked, checked and marked RUNNING in one transaction."""

    with transaction.atomic():
        record = TaskRecord.objects.select_for_update().filter(pk=message.task_id).first()
        if record is None:
            logger.error("task message names no task row: %s %s", message.task_path, message.task_id)
            return "no such task", None
        if record.message_token != message.token:
            return "duplicate or superseded message", None
        if record.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
            return "already finished", None
        backend = _backend(record)
        now = timezone.now()
        if record.status == TaskResultStatus.RUNNING:
            if now - record.last_attempted_at < backend.stale_after:
                # This copy came early (a redelivery): without another look, a worker that died would leave it RUNNING.
                records.look_again(record, at=record.last_attempted_at + backend.stale_after + timedelta(seconds=1))
                return "running elsewhere", None
            _record_error(record, WORKER_STOPPED, f"attempt {record.attempts}: the worker stopped mid-task\n")
        try:
            task = records.task_of(record.task_path)
        except ValueError as error:
            logger.error("task %s cannot run: %s", record.id, error)
            _finish(record, TaskResultStatus.FAILED, error_path="builtins.ValueError", traceback=f"{error}\n")
            return "unknown task", None
        if record.status == TaskResultStatus.RUNNING and record.attempts >= backend.attempts_allowed(task):
            _finish(record, TaskResultStatus.FAILED)
            return "failed: its worker stopped on every attempt", None
        if record.run_after and record.run_after > now + DEFER_SLACK:
            records.send_ready(record)  # SQS waits 15 minutes at most: this message comes again nearer the time
            return "deferred", None
        record.status = TaskResultStatus.RUNNING
        record.started_at = record.started_at or now
        record.last_attempted_at = now
        record.worker_ids = [*record.worker_ids, worker_id]
        record.save()
    return "claimed", Claim(record=record, task=task)


def _run(claim: Claim) -> str:
    record, task = claim.record, claim.task
    result = records.task_result(record, task)
    task_started.send(type(_backend(record)), task_result=result)
    try:
        if task.takes_context:
            value = task.call(TaskContext(task_result=result), *record.args, **record.kwargs)
        else:
            value = task.call(*record.args, **record.kwargs)
        value = normalize_json(value)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # the task's failure is its result, never this batch's
        outcome = _failed(record, task, error)
    else:
        with transaction.atomic():
            _finish(record, TaskResultStatus.SUCCESSFUL, return_value=value)
        outcome = "successful"
    task_finished.send(type(_backend(record)), task_result=records.task_result(record, task))
    return outcome


def _failed(record: TaskRecord, task: Task, error: BaseException) -> str:
    kind = type(error)
    _record_error(record, f"{kind.__module__}.{kind.__qualname__}", "".join(format_exception(error)))
    delay = _backend(record).next_delay(task, error, records.task_result(record, task))
    with transaction.atomic():
        if delay is None:
            _finish(record, TaskResultStatus.FAILED)
            return "failed"
        records.send_ready(record, run_after=timezone.now() + timedelta(seconds=delay))
    logger.warning("task %s %s failed attempt %d; again in %.0f s", record.task_path, record.id, record.attempts, delay)
    return "retrying"


def _record_error(record: TaskRecord, error_path: str, traceback: str) -> None:
    record.errors = [*record.errors, {"exception_class_path": error_path, "traceback": traceback}]


def _finish(
    record: TaskRecord, status: TaskResultStatus, *, return_value=None, error_path: str = "", traceback: str = ""
) -> None:
    if error_path:
        _record_error(record, error_path, traceback)
    record.status = status
    record.finished_at = timezone.now()
    record.return_value = return_value
    record.save()


def _backend(record: TaskRecord):
    return task_backends[record.backend]


def _dead_letter(body: str) -> None:
    """Straight to the dead-letter queue: Zappa's batches cannot fail one message, so SQS's redrive would not."""
    aws.send_message(queue_url=settings.DARKROOM_TASKS_DLQ_URL, body=body)
