"""The site's scheduled sweep in a process of its own, as Zappa's `events` invoke it: `web.scheduled.sweep` with a
Lambda-like context holding the site function's 30 s, every few seconds; each run's length goes to a JSON-lines file.

    python -m bench.load_sweeper --every 2 --runs-file runs.jsonl [--outbox-retry-after 2 --processing-deadline 60]
    python -m bench.load_sweeper --backlog 2000 [--processing-deadline 60]

The environment is the site's (bench/local_site.py); DEVSTACK_FAULTS injects the site's faults here too. The two
waits are shortened so a run of minutes sees what production sees over hours. --backlog records that many photos
stuck in processing past the deadline, each with its original in the bucket (tagged pending, as uploaded), and exits:
most were developed but the site never heard (S3's notification lost: their manifest is in the bucket), the rest
never reached resize (their message lost), as --resize-share says.
"""

import argparse
import contextlib
import io
import json
import logging
import signal
import threading
import time
from pathlib import Path

import django

from bench.photo_files import small_jpeg
from devstack import faults

logger = logging.getLogger("bench.sweeper")

BACKLOG_EMAIL = "backlog@example.com"
# One small image for every stuck photo: the backlog tests the sweep, not resize's speed.
BACKLOG_IMAGE_SIZE = (64, 48)


class LambdaContext:
    """What web.scheduled reads from Lambda's context: the time left of the function's timeout."""

    def __init__(self, seconds: float):
        self._ends = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self._ends - time.monotonic()) * 1000)


def backlog_record(count: int, *, resize_share: float = 0.05) -> None:
    """`count` photos stuck processing past the deadline, originals stored; all but `resize_share` of them with the
    manifest their resize wrote, which the site never read."""
    from django.conf import settings

    from tests.web.factories import manifest_for, put_manifest, stuck_photos
    from web import aws
    from web.accounts.models import User

    owner = User.objects.create_user(BACKLOG_EMAIL, "correct horse battery")
    photos = stuck_photos(aws.s3_client(), owner, count, body=small_jpeg(0, BACKLOG_IMAGE_SIZE))
    developed = photos[int(count * resize_share) :]
    for photo in developed:
        put_manifest(aws.s3_client(), settings.DARKROOM_BUCKET, photo, manifest_for(photo))
    logger.info("backlog: %s stuck photos recorded, %s of them developed", count, len(developed))


def sweep_once(runs_file: Path, budget: float) -> None:
    """One scheduled invocation: its length, summary or error go to runs_file."""
    from web import scheduled

    output = io.StringIO()
    started = time.monotonic()
    error = None
    try:
        with contextlib.redirect_stdout(output):
            scheduled.sweep({}, LambdaContext(budget))
    except Exception as failure:  # sweep logged it ("sweep error"); the next run goes on, as on the schedule
        error = f"{type(failure).__name__}: {failure}"
    run = {"seconds": round(time.monotonic() - started, 3), "budget": budget, "summary": output.getvalue().strip()}
    if error:
        run["error"] = error
    with runs_file.open("a") as runs:
        runs.write(json.dumps(run) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load_sweeper", description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=2, help="seconds between the end of a run and the next")
    parser.add_argument("--runs-file", type=Path)
    parser.add_argument("--budget", type=float, default=30, help="the site function's timeout (zappa_settings.json)")
    parser.add_argument("--outbox-retry-after", type=int, default=120)
    parser.add_argument("--processing-deadline", type=int, default=600)
    parser.add_argument("--backlog", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("botocore").setLevel(logging.WARNING)
    faults.install_from_environment()  # before django.setup(): the site's clients are made on first use
    django.setup()
    from django.test import override_settings

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with override_settings(
        DARKROOM_OUTBOX_RETRY_AFTER_SECONDS=args.outbox_retry_after,
        DARKROOM_PROCESSING_DEADLINE_SECONDS=args.processing_deadline,
    ):
        if args.backlog:
            backlog_record(args.backlog)
            return
        while not stop.wait(args.every):
            sweep_once(args.runs_file, args.budget)


if __name__ == "__main__":
    main()
