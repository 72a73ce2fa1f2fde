from django.core.management.base import BaseCommand

from web.photos.services import photo_keep_originals


class Command(BaseCommand):
    help = (
        "Take every recorded photo's original out of the bucket's expiry of unconfirmed uploads. Run once if the "
        "site was deployed before the resize function that clears the pending tag; safe to run again."
    )

    def handle(self, *args, **options):
        counts = photo_keep_originals()
        self.stdout.write(
            f"originals: {counts['kept']} kept, {counts['missing']} missing, {counts['errors']} errors "
            "(run again for those)"
        )
