"""The accounts' background tasks (django.tasks, run by the site-tasks worker: docs/tasks.md)."""

import logging
import math
import time
from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from web.accounts.deletion import account_delete_some
from web.accounts.models import User
from web.tasks.records import first_args_pending

logger = logging.getLogger(__name__)


@task
def account_delete(user_id: int) -> dict:
    """Delete an account its owner deleted: its photos for as long as one run may take, then itself again until
    none are left, then the account. Returns what this run did."""
    deadline = time.monotonic() + settings.DARKROOM_ACCOUNT_DELETION_BUDGET_SECONDS
    try:
        outcome = account_delete_some(user_id=user_id, deadline=deadline)
    except Exception:
        # template.yaml's SweepErrorMetric counts this phrase; the task's retries and the sweeper try again.
        logger.exception("sweep error: could not delete account user_id=%s", user_id)
        raise
    if outcome["status"] in ("continues", "busy"):
        account_delete.enqueue(user_id)
    logger.info("account deletion user_id=%s: %s", user_id, outcome)
    return outcome


def accounts_delete_overdue(*, deadline: float = math.inf) -> int:
    """The sweeper's part: enqueue account_delete again for each account whose deletion is overdue and has no task
    waiting or running (its task failed for good, or was never sent), until `deadline` (time.monotonic()); the rest
    wait for the next sweep. Returns how many were enqueued."""
    overdue = timezone.now() - timedelta(seconds=settings.DARKROOM_ACCOUNT_DELETION_OVERDUE_SECONDS)
    pending = first_args_pending(account_delete)
    users = User.objects.filter(deletion_requested_at__lte=overdue).exclude(pk__in=pending)
    enqueued = 0
    for user_id in users.values_list("pk", flat=True):
        if time.monotonic() >= deadline:
            logger.info("sweep step stopped for its deadline: overdue account deletions, next run goes on")
            break
        account_delete.enqueue(user_id)
        enqueued += 1
    return enqueued
