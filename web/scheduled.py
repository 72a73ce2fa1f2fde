"""Entry points Zappa's scheduler calls (`events` in zappa_settings.json), and the sweep they run within a deadline.

Every step gets a deadline (time.monotonic()) and leaves what does not fit for the next run, five minutes later.
A step starts no new AWS call after the run's last start, which keeps one call's longest time (aws.CALL_MAX_SECONDS)
in hand before the function's timeout; docs/deadlines.md has the budgets.
"""

import logging
import time
from collections.abc import Callable
from datetime import timedelta

import django
from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections

from web import aws

logger = logging.getLogger(__name__)

# The site function's timeout (zappa_settings.json): a run without a Lambda context (manage.py sweep) takes no longer.
FUNCTION_TIMEOUT_SECONDS = 30
# Kept at the end for the summary line and closing the database connection.
FINISH_SECONDS = 2
# The longest share of the run each AWS step may take, so a backlog in one never starves the steps after it.
OUTBOX_SECONDS = 4
STUCK_PHOTOS_SECONDS = 8
TRASH_SECONDS = 4


def sweep(event, context):
    django.setup()  # idempotent; Zappa's handler sets DJANGO_SETTINGS_MODULE before calling us
    # Django closes stale and expired connections around web requests only (request_started/finished signals);
    # a scheduled event gets neither, so a connection the database dropped between sweeps would fail this one.
    close_old_connections()
    try:
        call_command("sweep", seconds=run_seconds(context))
    except Exception:
        # template.yaml's SweepErrorMetric counts this phrase.
        logger.exception("sweep error: the sweep stopped; the next run goes on")
        raise
    finally:
        close_old_connections()


def run_seconds(context) -> float:
    """How long this run may take: what the Lambda context says is left, else the function's timeout."""
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        return context.get_remaining_time_in_millis() / 1000
    return FUNCTION_TIMEOUT_SECONDS


def sweep_run(*, seconds: float) -> str:
    """Every sweep step, in order, each within its deadline; returns the summary line."""
    started = time.monotonic()
    last_start = started + seconds - FINISH_SECONDS - aws.CALL_MAX_SECONDS
    parts = []
    for name, share, step in _steps():
        now = time.monotonic()
        if now >= last_start:
            logger.info("sweep step stopped for its deadline: %s, not started; the next run goes on", name)
            parts.append(f"{name}: next run")
            continue
        parts.append(step(last_start if share is None else min(last_start, now + share)))
    took = time.monotonic() - started
    return f"{'; '.join(parts)}; took {took:.1f} s of {seconds:.0f} s"


def _steps() -> list[tuple[str, float | None, Callable[[float], str]]]:
    """(name, longest share in seconds or None for whatever is left, step(deadline) -> summary). Imported here:
    Zappa imports this module before Django is set up, and the steps import models."""
    from web.accounts.tasks import accounts_delete_overdue
    from web.accounts.throttle import throttle_prune
    from web.outbox.services import outbox_flush, outbox_prune
    from web.photos.batches import batches_quiet
    from web.photos.services import photo_recover_stuck, trash_purge
    from web.tasks.records import task_records_prune

    def outbox(deadline):
        return "outbox: {} sent, {} still pending".format(*outbox_flush(deadline=deadline))

    def stuck_photos(deadline):
        counts = photo_recover_stuck(deadline=deadline)
        return (
            f"photos: {counts['finished']} finished, {counts['requeued']} re-enqueued, {counts['failed']} failed,"
            f" {counts['errors']} errors"
        )

    def trash(deadline):
        emptied = trash_purge(deadline=deadline)
        return f"trash: {emptied['photos']} deleted for good, {emptied['errors']} errors"

    def prunes(deadline):
        pruned = outbox_prune(deadline=deadline)
        task_records_prune(older_than=timedelta(days=settings.DARKROOM_TASK_RESULTS_KEEP_DAYS))
        throttle_prune()
        call_command("clearsessions")
        return f"pruned {pruned} sent messages"

    # The two enqueue steps and the prunes touch only the database and, after commit, SQS with one short try each.
    return [
        ("outbox", OUTBOX_SECONDS, outbox),
        ("stuck photos", STUCK_PHOTOS_SECONDS, stuck_photos),
        (
            "overdue account deletions",
            None,
            lambda deadline: f"overdue account deletions enqueued again: {accounts_delete_overdue(deadline=deadline)}",
        ),
        (
            "quiet upload batches",
            None,
            lambda deadline: f"quiet upload batches mailed: {batches_quiet(deadline=deadline)}",
        ),
        ("trash", TRASH_SECONDS, trash),
        ("prunes", None, prunes),
    ]
