"""The Django site in its own process for the benchmarks and the load run, as on Lambda: one process, its own
database connections, and (when asked) the sweeper on a schedule, like Zappa's `events` calling `sweep`.

    python -m bench.site_server --port 8123 [--sweep-every 2 --outbox-retry-after 2 --processing-deadline 30]

DJANGO_SETTINGS_MODULE, DATABASE_URL and the DARKROOM_* variables come from the environment (bench/local_site.py
sets them); DEVSTACK_FAULTS injects the site's own AWS faults (the load run's failing SQS sends).
"""

import argparse
import logging
import threading
from datetime import timedelta

import django

from devstack import faults

logger = logging.getLogger("bench.site")


def sweep_forever(*, every: float, outbox_retry_after: float, processing_deadline: int, stop: threading.Event):
    """`manage.py sweep` on a short schedule with short deadlines, so a run of minutes sees what production sees
    over hours: failed sends re-sent from the outbox, stuck photos settled, re-enqueued or failed."""
    from django.db import close_old_connections
    from django.test import override_settings

    from web.outbox.services import outbox_flush
    from web.photos.services import photo_recover_stuck

    with override_settings(DARKROOM_PROCESSING_DEADLINE_SECONDS=processing_deadline):
        while not stop.wait(every):
            try:
                sent, pending = outbox_flush(older_than=timedelta(seconds=outbox_retry_after))
                counts = photo_recover_stuck()
                if sent or pending or any(counts.values()):
                    logger.info("sweep: outbox %s sent, %s pending; photos %s", sent, pending, counts)
            except Exception:  # a locked database or an outage: the next round tries again, like the schedule
                logger.exception("sweep failed")
            finally:
                close_old_connections()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.site_server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--sweep-every", type=float, default=0, help="seconds between sweeps; 0: no sweeper")
    parser.add_argument("--outbox-retry-after", type=float, default=120)
    parser.add_argument("--processing-deadline", type=int, default=600)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")
    faults.install_from_environment()  # before django.setup(): the site's clients are made on first use
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    # Signups are not what is measured: a fast hasher keeps PBKDF2's half second per user out of the runs.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    if args.sweep_every:
        stop = threading.Event()
        threading.Thread(
            target=sweep_forever,
            kwargs={
                "every": args.sweep_every,
                "outbox_retry_after": args.outbox_retry_after,
                "processing_deadline": args.processing_deadline,
                "stop": stop,
            },
            daemon=True,
        ).start()
    run("127.0.0.1", args.port, get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
