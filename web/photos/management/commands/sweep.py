import time
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from web.accounts.tasks import accounts_delete_overdue
from web.accounts.throttle import throttle_prune
from web.outbox.services import outbox_flush, outbox_prune
from web.photos.batches import batches_quiet
from web.photos.services import photo_recover_stuck, trash_purge
from web.tasks.records import task_records_prune


class Command(BaseCommand):
    help = (
        "Re-send outbox messages still pending, re-enqueue (or fail) photos stuck in processing, enqueue again the"
        " deletion task of accounts whose deletion is overdue, empty photos out of the Trash after"
        " DARKROOM_TRASH_DAYS, and prune sent messages and expired sessions."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        sent, pending = outbox_flush()
        counts = photo_recover_stuck()
        deadline = started + settings.DARKROOM_ACCOUNT_DELETION_BUDGET_SECONDS
        overdue = accounts_delete_overdue()
        mailed = batches_quiet()
        emptied = trash_purge(deadline=deadline)
        pruned = outbox_prune()
        task_records_prune(older_than=timedelta(days=settings.DARKROOM_TASK_RESULTS_KEEP_DAYS))
        throttle_prune()
        call_command("clearsessions")
        self.stdout.write(
            f"outbox: {sent} sent, {pending} still pending; photos: {counts['finished']} finished, "
            f"{counts['requeued']} re-enqueued, {counts['failed']} failed, {counts['errors']} errors; "
            f"overdue account deletions enqueued again: {overdue}; quiet upload batches mailed: {mailed};"
            f" trash: {emptied['photos']} deleted for good, {emptied['errors']} errors; pruned {pruned} sent messages"
        )
