from django.core.management.base import BaseCommand

from web.outbox.services import outbox_flush
from web.photos.services import photo_recover_stuck


class Command(BaseCommand):
    help = "Re-send outbox messages still pending, and re-enqueue (or fail) photos stuck in processing."

    def handle(self, *args, **options):
        sent, pending = outbox_flush()
        counts = photo_recover_stuck()
        self.stdout.write(
            f"outbox: {sent} sent, {pending} still pending; photos: {counts['finished']} finished, "
            f"{counts['requeued']} re-enqueued, {counts['failed']} failed, {counts['errors']} errors"
        )
