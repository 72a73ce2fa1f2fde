"""The sweep within its deadline: a backlog drains over successive runs, a hung S3 costs one call, and the Lambda
context's remaining time is the budget."""

import os
import time
import types
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from tests.web.factories import stuck_photos
from tests.web.silent import silent_listener
from web import aws
from web.photos.models import Photo
from web.scheduled import FUNCTION_TIMEOUT_SECONDS, run_seconds, sweep_run

# In-region latency of one S3 or SQS call, charged to the clock the deadlines read.
CALL_SECONDS = 0.025
BACKLOG = 2000


class Clock:
    """time.monotonic() for the sweep's modules, moved on by each AWS call rather than by moto's own speed."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    fake_time = types.SimpleNamespace(monotonic=clock.monotonic)
    for module in ("web.scheduled", "web.photos.services", "web.outbox.services"):
        monkeypatch.setattr(f"{module}.time", fake_time)
    for name in ("head_object", "keep_original", "read_json", "send_message", "delete_objects", "list_keys"):
        monkeypatch.setattr(aws, name, _charged(clock, getattr(aws, name)))
    # The resize message's send runs once its transaction commits, which the test's own transaction defers: it is
    # charged when the message is recorded.
    monkeypatch.setattr("web.photos.services.outbox_enqueue", _charged_enqueue(clock))
    return clock


def _charged(clock: Clock, call):
    def charged(**kwargs):
        clock.now += CALL_SECONDS
        return call(**kwargs)

    return charged


def _charged_enqueue(clock: Clock):
    from web.outbox.services import outbox_enqueue

    def charged(*messages):
        clock.now += CALL_SECONDS
        return outbox_enqueue(*messages)

    return charged


def _stuck_backlog(user, s3, settings, count: int) -> None:
    """`count` photos whose resize never answered, each with its original stored and still tagged pending."""
    stuck_photos(s3, user, count)


def _stuck_count(settings) -> int:
    overdue = timezone.now() - timedelta(seconds=settings.DARKROOM_PROCESSING_DEADLINE_SECONDS)
    return Photo.objects.filter(status="processing", resize_requested_at__lte=overdue).count()


@pytest.mark.slow  # seconds of waiting on purpose: `make test`, not `make check`
@pytest.mark.django_db
def test_a_backlog_of_2000_stuck_photos_drains_over_successive_sweeps(user, s3, settings, clock):
    # GIVEN 2,000 stuck photos, and 4 AWS calls of 25 ms for each (manifest, HEAD, untag, resize message)
    _stuck_backlog(user, s3, settings, BACKLOG)
    drained_per_run, run_seconds_taken = [], []

    # WHEN the sweep runs every five minutes on the site function's 30 s
    while (left := _stuck_count(settings)) and len(drained_per_run) < 40:
        started = clock.now
        sweep_run(seconds=FUNCTION_TIMEOUT_SECONDS)
        run_seconds_taken.append(clock.now - started)
        drained_per_run.append(left - _stuck_count(settings))

    # THEN each run recovers what its 8 s share holds (80 photos) and all are recovered after 25 runs,
    # every run well inside the function's timeout
    assert _stuck_count(settings) == 0
    assert len(drained_per_run) == BACKLOG // 80
    assert set(drained_per_run) == {80}
    assert max(run_seconds_taken) < FUNCTION_TIMEOUT_SECONDS - aws.CALL_MAX_SECONDS
    assert Photo.objects.filter(resize_attempts=2).count() == BACKLOG


@pytest.mark.django_db
def test_a_sweep_stops_a_step_for_its_deadline_and_says_so(user, s3, settings, clock, caplog):
    _stuck_backlog(user, s3, settings, 200)

    sweep_run(seconds=FUNCTION_TIMEOUT_SECONDS)

    assert 0 < _stuck_count(settings) < 200
    assert "sweep step stopped for its deadline: stuck photos" in caplog.text


@pytest.mark.django_db
def test_a_short_lambda_budget_leaves_every_step_for_the_next_run(caplog):
    # GIVEN a Lambda context with less time left than one AWS call may take
    context = types.SimpleNamespace(get_remaining_time_in_millis=lambda: 5000)

    # WHEN the sweep runs with that budget
    summary = sweep_run(seconds=run_seconds(context))

    # THEN no step starts, each says so, and the next run goes on
    assert summary.startswith("outbox: next run; stuck photos: next run")
    assert caplog.text.count("not started; the next run goes on") == 6


def test_without_a_lambda_context_a_sweep_takes_the_function_timeout():
    assert run_seconds(None) == FUNCTION_TIMEOUT_SECONDS


@pytest.mark.slow  # seconds of waiting on purpose: `make test`, not `make check`
@pytest.mark.django_db
def test_a_hung_s3_costs_the_sweep_one_call_not_the_function_timeout(user, settings, caplog):
    # GIVEN stuck photos, and an S3 that accepts connections and never answers
    overdue = timezone.now() - timedelta(seconds=settings.DARKROOM_PROCESSING_DEADLINE_SECONDS + 60)
    for number in range(3):
        Photo.objects.create(
            owner=user,
            original_key=f"uploads/{user.pk}/{uuid.uuid4()}",
            etag='"pinned"',
            filename=f"{number}.jpg",
            content_type="image/jpeg",
            size_bytes=4,
            resize_requested_at=overdue,
        )
    with silent_listener() as port, mock.patch.dict(os.environ, {"AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{port}"}):
        aws.clear_clients()
        started = time.monotonic()

        # WHEN the sweep runs
        sweep_run(seconds=FUNCTION_TIMEOUT_SECONDS)
        took = time.monotonic() - started
    aws.clear_clients()

    # THEN it ends inside the function's timeout, with the photos left for the next run
    assert took < FUNCTION_TIMEOUT_SECONDS - 2
    assert Photo.objects.filter(status="processing", resize_attempts=1).count() == 3
    assert "sweep step stopped" in caplog.text
