"""The fault-injected load run (bench/load_scenario.py): 300 uploads, in batches, by concurrent users against the
local stack while SQS sends, S3 and SES requests fail, messages arrive twice and the resize pollers and the site's
tasks worker die mid-batch; while SQS, S3 and the database hang for a while; and with 2,000 stuck photos for the
sweep to drain. Afterwards nothing is lost, nothing is done twice, and no request or sweep run took longer than the
site function's timeout. The same run's figures: `python -m bench.load_run`."""

import shutil
from pathlib import Path

import pytest

from bench import load_run, load_scenario

pytestmark = pytest.mark.slow

# The site's and the functions' logs and the site's database stay here for a look after a failure.
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "load"


@pytest.fixture(scope="module")
def counts() -> load_scenario.LoadCounts:
    shutil.rmtree(OUTPUT, ignore_errors=True)
    plan = load_scenario.LoadPlan()
    counts = load_scenario.run(plan, workdir=OUTPUT)
    print("\n" + load_run.markdown(counts, plan))  # shown with -s, and in the report of a failing test
    return counts


def test_the_run_went_through_its_faults(counts):
    assert counts.uploads == 300
    assert counts.resize_pollers_killed_mid_batch
    assert counts.tasks_worker_killed_mid_batch
    assert counts.messages_delivered_twice > 0
    assert counts.outbox_sends_that_failed > 0  # the sweeper, not the request, sent these
    injected = counts.faults_injected
    assert injected.get("sqs.SendMessage") and injected.get("sesv2.SendEmail attempt")
    assert injected.get("s3.GetObject attempt") and injected.get("s3.PutObject attempt")


def test_the_run_went_through_its_hanging_faults(counts):
    injected = counts.faults_injected
    assert injected.get("sqs.SendMessage silent")  # attempts sent to a listener that never answers
    assert any(name.startswith("s3.") and name.endswith(" slow") for name in injected)  # answered after 10 s
    assert injected.get("database statement blocked")
    assert counts.backlog_photos == 2000


def test_no_request_and_no_sweep_run_outlasted_the_site_function(counts):
    # Computed by the run against the timeout in zappa_settings.json; the figures are in bench/results/load_run.md.
    assert counts.requests > counts.uploads
    assert counts.sweep_runs > 0
    assert counts.deadlines_missed == 0


def test_requests_made_while_the_database_hangs_answer_with_an_error(counts):
    assert counts.database_window_requests == load_scenario.LoadPlan.database_probes
    assert counts.database_window_errors == counts.database_window_requests


def test_the_stuck_photo_backlog_drains_over_successive_sweeps(counts):
    assert counts.backlog_not_ready == 0
    assert counts.backlog_ready == counts.backlog_photos
    assert counts.sweep_runs_that_recovered_stuck_photos > 1
    assert counts.sweep_steps_stopped_for_their_deadline > 0


def test_every_photo_is_settled_and_only_the_poison_failed(counts):
    assert counts.photos_stuck == 0
    assert counts.photos_failed_without_reason == 0
    assert counts.poison_failed == counts.poison_uploads
    assert counts.good_photos_not_ready == 0
    assert counts.photos_ready + counts.photos_failed == counts.uploads
    assert counts.outbox_pending == 0


def test_every_email_is_sent_exactly_once_and_one_per_batch(counts):
    assert counts.emails_missing == 0
    assert counts.emails_duplicated == 0
    assert counts.emails_unexpected == 0  # each batch's subject carries its true developed and failed counts
    assert counts.upload_received_emails == 0
    assert counts.batches == 60  # 12 users, 25 files each, picked 5 at a time
    assert counts.batches_not_mailed == counts.batches_mailed_twice == 0
    confirmation_and_batch_emails = load_scenario.LoadPlan.users + counts.batches
    assert counts.emails_sent == counts.emails_expected == confirmation_and_batch_emails


def test_every_task_finished_and_none_ran_twice(counts):
    assert counts.tasks_unfinished == 0
    assert counts.tasks_failed == 0
    assert counts.tasks_finished_twice == 0
    assert counts.tasks_successful.get("upload_batch_mail", 0) >= counts.batches


def test_dead_letter_queues_hold_nothing_that_was_lost(counts):
    assert counts.notify_dlq == 0
    assert counts.tasks_dlq == 0
    assert counts.resize_dlq_unexplained == 0
