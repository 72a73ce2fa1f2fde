from django.core.management.base import BaseCommand

from web.outbox.services import outbox_flush
from web.photos.services import accounts_delete_requested, photo_recover_stuck


class Command(BaseCommand):
    help = (
        "Re-send outbox messages still pending, re-enqueue (or fail) photos stuck in processing, and delete the"
        " photos and rows of accounts their owners deleted."
    )

    def handle(self, *args, **options):
        sent, pending = outbox_flush()
        counts = photo_recover_stuck()
        deleted = accounts_delete_requested()
        self.stdout.write(
            f"outbox: {sent} sent, {pending} still pending; photos: {counts['finished']} finished, "
            f"{counts['requeued']} re-enqueued, {counts['failed']} failed, {counts['errors']} errors; "
            f"deleted accounts: {deleted['accounts']} accounts, {deleted['photos']} photos, {deleted['errors']} errors"
        )
