"""django.tasks on SQS: the backend (web/tasks/backend.py) and the site's worker (web/tasks/worker.py, runner.py),
driven for real on moto's SQS and the test database, commits included."""

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.tasks import TaskResultStatus
from django.tasks.exceptions import InvalidTask, TaskResultDoesNotExist
from django.utils import timezone

from tests.samples import load_event
from tests.web import task_examples
from tests.web.task_examples import add, fails_until, which_attempt
from web import contracts
from web.outbox.models import OutboxMessage
from web.outbox.services import outbox_flush
from web.tasks import runner
from web.tasks.backend import exponential_backoff
from web.tasks.models import TaskRecord
from web.tasks.worker import handle_sqs_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_waiting(settings):
    """Retries come back at once (the backoff's own shape is tested on its own), and calls are forgotten."""
    settings.TASKS = {
        "default": {
            "BACKEND": "web.tasks.backend.SQSBackend",
            "OPTIONS": {"MAX_ATTEMPTS": 3, "BACKOFF": "tests.web.task_examples.no_backoff"},
        }
    }
    task_examples.CALLS.clear()


def lambda_event(bodies: list[str]) -> dict:
    return {"Records": [{"messageId": str(index), "body": body} for index, body in enumerate(bodies)]}


@pytest.fixture
def worker(task_messages):
    """Runs the worker, as Lambda would, on everything the site-tasks queue holds, until it holds nothing."""

    def run() -> int:
        delivered = 0
        while bodies := [json.dumps(body) for body in task_messages()]:
            handle_sqs_event(lambda_event(bodies), SimpleNamespace(aws_request_id=f"request-{delivered}"))
            delivered += len(bodies)
        return delivered

    return run


# ---------------------------------------------------------------- enqueue


def test_enqueue_records_the_task_and_sends_a_message_naming_it(task_messages):
    result = add.enqueue(2, 3)

    assert result.status == TaskResultStatus.READY and result.args == [2, 3]
    record = TaskRecord.objects.get(pk=result.id)
    [message] = task_messages()
    assert message == contracts.task_ready(
        task_id=result.id,
        task_path="tests.web.task_examples.add",
        token=record.message_token,
        correlation_id=message["correlation_id"],
    )


def test_a_task_enqueued_in_a_transaction_is_sent_only_once_it_commits(task_messages):
    with transaction.atomic():
        result = add.enqueue(1, 1)
        assert task_messages() == []  # not yet: the transaction may still roll back
    assert [message["task_id"] for message in task_messages()] == [result.id]


def test_a_task_enqueued_in_a_rolled_back_transaction_never_exists(task_messages):
    with pytest.raises(RuntimeError), transaction.atomic():
        add.enqueue(1, 1)
        raise RuntimeError("the view failed after enqueueing")

    assert not TaskRecord.objects.exists() and task_messages() == []


def test_a_task_enqueued_while_sqs_is_down_is_sent_by_the_sweeper(sqs_down, task_messages, worker):
    # GIVEN SQS fails as the task is enqueued
    result = add.enqueue(4, 5)
    assert OutboxMessage.objects.get(queue="tasks").sent_at is None

    # WHEN it is back and the sweeper flushes the outbox
    sqs_down.undo()
    assert outbox_flush(older_than=timedelta(0)) == (1, 0)

    # THEN the task runs once
    worker()
    assert add.get_result(result.id).return_value == 9
    assert task_examples.CALLS == [("add", (4, 5))]


def test_arguments_that_are_not_json_are_refused_at_enqueue():
    with pytest.raises(TypeError):
        add.enqueue(object(), 1)
    assert not TaskRecord.objects.exists()


def test_a_naive_run_after_is_refused():
    with pytest.raises(InvalidTask):
        add.using(run_after=timezone.now().replace(tzinfo=None))


def test_max_attempts_below_one_is_refused():
    with pytest.raises(InvalidTask):
        fails_until.using().__class__(func=fails_until.func, max_attempts=0)


# ---------------------------------------------------------------- results


def test_get_result_reads_what_the_worker_recorded(worker):
    result = add.enqueue(20, 22)

    worker()

    done = add.get_result(result.id)
    assert done.status == TaskResultStatus.SUCCESSFUL and done.return_value == 42
    assert done.started_at <= done.finished_at and done.enqueued_at <= done.started_at
    assert done.last_attempted_at == done.started_at
    assert done.worker_ids == ["request-0"] and done.attempts == 1 and done.errors == []
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL


def test_an_unknown_result_id_says_so():
    with pytest.raises(TaskResultDoesNotExist):
        add.get_result("nosuchresult")


def test_the_context_gives_the_attempt(worker):
    result = which_attempt.enqueue()
    worker()
    assert which_attempt.get_result(result.id).return_value == 1


# ---------------------------------------------------------------- run_after


def test_run_after_within_15_minutes_is_an_sqs_delay(task_messages):
    later = timezone.now() + timedelta(minutes=5)

    add.using(run_after=later).enqueue(1, 2)

    assert OutboxMessage.objects.get(queue="tasks").deliver_after == later
    assert task_messages() == []  # not visible before its delay


def test_a_task_arriving_before_its_run_after_is_deferred_again(task_messages):
    # GIVEN a task for tomorrow, whose message arrives after SQS's longest delay (15 minutes)
    result = add.using(run_after=timezone.now() + timedelta(days=1)).enqueue(1, 2)
    assert task_messages() == []  # SQS holds it back
    message = OutboxMessage.objects.get(queue="tasks").body

    # WHEN the worker gets it
    outcome = runner.run_message(json.dumps(message), worker_id="w")

    # THEN it runs nothing and sends a new message, the old one now void
    assert outcome == "deferred" and task_examples.CALLS == []
    again = OutboxMessage.objects.filter(queue="tasks").latest("id").body
    assert again["token"] != message["token"] and again["task_id"] == result.id
    assert runner.run_message(json.dumps(message), worker_id="w") == "duplicate or superseded message"


# ---------------------------------------------------------------- retries


def test_a_failed_attempt_is_retried_and_its_error_kept(worker):
    result = fails_until.enqueue(2, "once")

    worker()

    done = fails_until.get_result(result.id)
    assert done.status == TaskResultStatus.SUCCESSFUL and done.return_value == "done on attempt 2"
    assert done.attempts == 2
    [error] = done.errors
    assert error.exception_class is ConnectionError and "attempt 1 failed" in error.traceback


def test_a_task_that_fails_every_attempt_is_failed_with_every_error(worker):
    result = fails_until.enqueue(99, "always")

    worker()

    done = fails_until.get_result(result.id)
    assert done.status == TaskResultStatus.FAILED and done.attempts == 3
    assert [error.exception_class_path for error in done.errors] == ["builtins.ConnectionError"] * 3
    with pytest.raises(ValueError, match="Task failed"):
        _ = done.return_value


def test_a_retry_waits_its_backoff(settings, task_messages):
    settings.TASKS["default"]["OPTIONS"]["BACKOFF"] = "web.tasks.backend.exponential_backoff"
    fails_until.enqueue(2, "waits")
    [message] = task_messages()

    before = timezone.now()
    assert runner.run_message(json.dumps(message), worker_id="w") == "retrying"

    retry = OutboxMessage.objects.filter(queue="tasks").latest("id")
    assert before + timedelta(seconds=1) <= retry.deliver_after <= timezone.now() + timedelta(seconds=2)


def test_exponential_backoff_doubles_with_jitter_and_stops_growing():
    def after(attempts):
        return exponential_backoff(ValueError(), SimpleNamespace(attempts=attempts))

    for attempts, ceiling in [(1, 2), (2, 4), (3, 8), (10, 1024), (30, 3600)]:
        waits = [after(attempts) for _ in range(200)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(set(waits)) > 100  # jittered, not one value


# ---------------------------------------------------------------- at most once


def test_a_duplicate_delivery_runs_nothing_twice(task_messages):
    add.enqueue(1, 2)
    [message] = task_messages()
    body = json.dumps(message)

    assert runner.run_message(body, worker_id="first") == "successful"
    assert runner.run_message(body, worker_id="second") == "already finished"
    assert task_examples.CALLS == [("add", (1, 2))]


def test_a_duplicate_arriving_while_the_task_runs_elsewhere_is_dropped(task_messages):
    result = add.enqueue(1, 2)
    [message] = task_messages()
    TaskRecord.objects.filter(pk=result.id).update(status="RUNNING", last_attempted_at=timezone.now())

    assert runner.run_message(json.dumps(message), worker_id="second") == "running elsewhere"
    assert task_examples.CALLS == []


def test_a_redelivery_while_the_task_runs_looks_again_once_a_dead_worker_would_be_stale(task_messages):
    # GIVEN a task whose worker died a moment ago, and its message redelivered early (a short visibility timeout)
    result = add.enqueue(1, 2)
    [message] = task_messages()
    TaskRecord.objects.filter(pk=result.id).update(status="RUNNING", last_attempted_at=timezone.now())

    # WHEN the early copy arrives THEN it runs nothing, but records a copy held back until the attempt is stale
    assert runner.run_message(json.dumps(message), worker_id="second") == "running elsewhere"
    [again] = OutboxMessage.objects.filter(queue="tasks").order_by("-pk")[:1]
    assert again.body["task_id"] == result.id and again.body["token"] == message["token"]
    assert again.deliver_after > timezone.now() + timedelta(seconds=50)

    # AND once stale, that copy runs the task again, the dead attempt recorded as stopped
    TaskRecord.objects.filter(pk=result.id).update(last_attempted_at=timezone.now() - timedelta(minutes=5))
    assert runner.run_message(json.dumps(again.body), worker_id="third") == "successful"
    assert [error.exception_class_path for error in add.get_result(result.id).errors] == [runner.WORKER_STOPPED]


def test_a_worker_killed_mid_task_counts_as_an_attempt(task_messages):
    # GIVEN a task whose first worker claimed it and died (a Lambda timeout) a while ago
    result = add.enqueue(1, 2)
    [message] = task_messages()
    TaskRecord.objects.filter(pk=result.id).update(
        status="RUNNING", last_attempted_at=timezone.now() - timedelta(minutes=5), worker_ids=["killed"]
    )

    # WHEN SQS delivers its message again
    outcome = runner.run_message(json.dumps(message), worker_id="second")

    # THEN it runs as the second attempt, the first recorded as stopped
    done = add.get_result(result.id)
    assert outcome == "successful" and done.attempts == 2 and done.worker_ids == ["killed", "second"]
    assert [error.exception_class_path for error in done.errors] == [runner.WORKER_STOPPED]


def test_a_task_whose_worker_dies_on_every_attempt_ends_failed(task_messages):
    result = add.enqueue(1, 2)
    [message] = task_messages()
    TaskRecord.objects.filter(pk=result.id).update(
        status="RUNNING", last_attempted_at=timezone.now() - timedelta(minutes=5), worker_ids=["a", "b", "c"]
    )

    assert runner.run_message(json.dumps(message), worker_id="d") == "failed: its worker stopped on every attempt"
    assert add.get_result(result.id).status == TaskResultStatus.FAILED and task_examples.CALLS == []


def test_one_failing_task_never_reruns_the_finished_tasks_of_its_batch(task_messages):
    # GIVEN a batch of three, the middle one failing
    add.enqueue(1, 1)
    fails_until.enqueue(2, "middle")
    add.enqueue(2, 2)
    bodies = [json.dumps(message) for message in task_messages()]

    # WHEN the batch is handled, then delivered again whole (as after a timeout)
    handle_sqs_event(lambda_event(bodies), SimpleNamespace(aws_request_id="first"))
    handle_sqs_event(lambda_event(bodies), SimpleNamespace(aws_request_id="again"))

    # THEN each add ran once, and the failure waits as its own new message
    assert [call for call in task_examples.CALLS if call[0] == "add"] == [("add", (1, 1)), ("add", (2, 2))]
    [retry] = task_messages()
    assert retry["task"] == "tests.web.task_examples.fails_until"


# ---------------------------------------------------------------- bad messages


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        json.dumps({"version": 2, "kind": "task.ready"}),
        json.dumps({**load_event("site_task.json"), "token": ""}),
        json.dumps({**load_event("site_task.json"), "task_id": "../../etc"}),
    ],
)
def test_a_malformed_message_goes_to_the_dead_letter_queue(body, dead_task_messages, caplog):
    with caplog.at_level("ERROR", logger="web.tasks.runner"):
        assert runner.run_message(body, worker_id="w") == "dead-lettered"

    assert "unreadable" in caplog.text
    assert dead_task_messages() == [body]


def test_a_message_for_an_unknown_task_path_fails_the_task_and_is_dead_lettered(task_messages, dead_task_messages):
    result = add.enqueue(1, 2)
    TaskRecord.objects.filter(pk=result.id).update(task_path="tests.web.task_examples.not_a_task")
    [message] = task_messages()

    assert runner.run_message(json.dumps(message), worker_id="w") == "unknown task"

    record = TaskRecord.objects.get(pk=result.id)
    assert record.status == "FAILED" and "not a task" in record.errors[0]["traceback"]
    assert [json.loads(dead)["task_id"] for dead in dead_task_messages()] == [result.id]


def test_a_message_for_a_task_row_that_does_not_exist_is_dead_lettered(dead_task_messages):
    body = json.dumps(load_event("site_task.json"))

    assert runner.run_message(body, worker_id="w") == "no such task"
    assert len(dead_task_messages()) == 1


def test_the_message_matches_the_sample():
    sample = load_event("site_task.json")

    message = contracts.task_ready(
        task_id=sample["task_id"],
        task_path=sample["task"],
        token=sample["token"],
        correlation_id=sample["correlation_id"],
    )

    assert message == sample
    assert contracts.parse_task_message(json.dumps(sample)).task_id == sample["task_id"]


def test_an_async_task_runs_and_its_result_reads_async_too(worker):
    from asgiref.sync import async_to_sync

    from tests.web.task_examples import add_later

    result = add_later.enqueue(5, 6)
    worker()

    done = async_to_sync(add_later.aget_result)(result.id)
    assert done.status == TaskResultStatus.SUCCESSFUL and done.return_value == 11
