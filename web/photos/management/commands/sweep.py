import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from web.accounts.throttle import throttle_prune
from web.outbox.services import outbox_flush, outbox_prune
from web.photos.services import accounts_delete_requested, photo_recover_stuck, trash_purge


class Command(BaseCommand):
    help = (
        "Re-send outbox messages still pending, re-enqueue (or fail) photos stuck in processing, delete the"
        " photos and rows of accounts their owners deleted, empty photos out of the Trash after"
        " DARKROOM_TRASH_DAYS, and prune sent messages and expired sessions."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        sent, pending = outbox_flush()
        counts = photo_recover_stuck()
        deadline = started + settings.DARKROOM_ACCOUNT_DELETION_BUDGET_SECONDS
        deleted = accounts_delete_requested(deadline=deadline)
        emptied = trash_purge(deadline=deadline)
        pruned = outbox_prune()
        throttle_prune()
        call_command("clearsessions")
        self.stdout.write(
            f"outbox: {sent} sent, {pending} still pending; photos: {counts['finished']} finished, "
            f"{counts['requeued']} re-enqueued, {counts['failed']} failed, {counts['errors']} errors; "
            f"deleted accounts: {deleted['accounts']} accounts, {deleted['photos']} photos, {deleted['errors']} errors;"
            f" trash: {emptied['photos']} deleted for good, {emptied['errors']} errors; pruned {pruned} sent messages"
        )
