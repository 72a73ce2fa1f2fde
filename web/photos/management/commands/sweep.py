from django.core.management.base import BaseCommand

from web.scheduled import FUNCTION_TIMEOUT_SECONDS, sweep_run


class Command(BaseCommand):
    help = (
        "Re-send outbox messages still pending, re-enqueue (or fail) photos stuck in processing, enqueue again the"
        " deletion task of accounts whose deletion is overdue, empty photos out of the Trash after"
        " DARKROOM_TRASH_DAYS, and prune sent messages and expired sessions; each step within its deadline, what"
        " does not fit is left for the next run (docs/deadlines.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seconds", type=float, default=FUNCTION_TIMEOUT_SECONDS, help="How long the whole run may take."
        )

    def handle(self, *args, **options):
        self.stdout.write(sweep_run(seconds=options["seconds"]))
