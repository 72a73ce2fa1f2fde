from datetime import UTC, date, datetime, time
from time import monotonic

from django.core.management.base import BaseCommand

from web.photos.models import Photo
from web.photos.services import REDEVELOPABLE_CODES, photos_redevelop, photos_to_redevelop, redevelop_summary
from web.scheduled import FUNCTION_TIMEOUT_SECONDS

# Kept for the summary line: zappa manage runs the command in the site's Lambda, which stops it at its timeout.
FINISH_SECONDS = 5


class Command(BaseCommand):
    help = (
        "Ask resize again for the photos it failed, once a fix to it is deployed (after PhotoRefusalsAlarm, say):"
        " those failed with the codes given and uploaded since the day given. A photo whose original is gone or was"
        " replaced stays failed (docs/operations.md#developing-failed-photos-again)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--code",
            action="append",
            choices=REDEVELOPABLE_CODES,
            help="A failure code to develop again; repeat it for more. Every one of them when left out.",
        )
        parser.add_argument(
            "--since", type=date.fromisoformat, required=True, help="The first upload day, YYYY-MM-DD (UTC)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Only say how many photos it would ask for.")
        parser.add_argument(
            "--seconds",
            type=float,
            default=FUNCTION_TIMEOUT_SECONDS,
            help="How long it may take; what does not fit is left for the next run.",
        )

    def handle(self, *args, **options):
        photos = Photo.objects.filter(
            failure_code__in=options["code"] or REDEVELOPABLE_CODES,
            created_at__gte=datetime.combine(options["since"], time.min, tzinfo=UTC),
        )
        if options["dry_run"]:
            self.stdout.write(f"{photos_to_redevelop(photos=photos).count()} failed photo(s) would be developed again")
            return
        deadline = monotonic() + max(0.0, options["seconds"] - FINISH_SECONDS)
        self.stdout.write(redevelop_summary(photos_redevelop(photos=photos, deadline=deadline)))
