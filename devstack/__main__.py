"""`make run`: all of Darkroom on this machine, with moto server playing AWS.

moto server (S3, SQS, SES, DynamoDB) ─ the template's resources ─ a Lambda-like poller process per function ─
a migrated SQLite database ─ the Django site, and a poller running its tasks worker on the same database. Local
mode only: it sets DARKROOM_LOCAL and fake credentials itself, so production settings never see any of it.
"""

import argparse
import io
import logging
import os
import signal
import socket
import sys
import threading

from devstack.stack import ROOT, LocalStack


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


SWEEP_EVERY_SECONDS = 60
DATABASE = ROOT / "db.sqlite3"  # `make superuser` writes to the same file


def sweep_periodically(stop: threading.Event) -> None:
    """What Zappa's scheduled event does on AWS: re-send stuck outbox messages, recover stuck photos."""
    from django.core.management import call_command
    from django.db import close_old_connections

    while not stop.wait(SWEEP_EVERY_SECONDS):
        try:
            call_command("sweep", stdout=io.StringIO())
        except Exception:  # keep sweeping; the next round tries again
            logging.getLogger("devstack").exception("sweep failed")
        finally:
            close_old_connections()


def forget_photos_of_earlier_runs() -> int:
    """moto keeps S3 and SQS in memory, so every original of an earlier run is gone: rows that point at them would
    show broken cards forever. Accounts stay. Returns how many photos were dropped."""
    from web.outbox.models import OutboxMessage
    from web.photos.models import Photo

    OutboxMessage.objects.all().delete()  # they announce photos (or welcomes) of a run whose queues are gone
    return Photo.objects.all().delete()[1].get(Photo._meta.label, 0)


def site_environment(site_url: str) -> dict[str, str]:
    """Local mode's settings for the site, over whatever the shell exported."""
    return {
        "DARKROOM_LOCAL": "1",
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "web.settings",
        # The stack's own database, never one DATABASE_URL may point at: photos of earlier runs are dropped.
        "DATABASE_URL": f"sqlite:///{DATABASE}",
        "DARKROOM_SITE_URL": site_url,
        # One readable line per step of an upload: no per-request lines, no metric documents on stdout.
        "DJANGO_SERVER_LOG_LEVEL": "WARNING",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }


def stop_like_ctrl_c(signum, frame) -> None:
    """A `kill` stops everything as cleanly as Ctrl-C does."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("DARKROOM_PORT", "8000")))
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("DARKROOM_MOTO_PORT", "5055")))
    args = parser.parse_args(argv)

    for name, port in (("site", args.port), ("moto server", args.moto_port)):
        if not port_is_free(port):
            print(f"devstack: port {port} for the {name} is already in use. Stop what uses it, or pick other ports:")
            print("  make run DARKROOM_PORT=8001 DARKROOM_MOTO_PORT=5056")
            return 2

    site_url = f"http://127.0.0.1:{args.port}/"
    os.environ.update(site_environment(site_url))
    signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    stack = LocalStack(moto_port=args.moto_port, site_origin=site_url.rstrip("/"))
    stopping = threading.Event()
    try:
        os.environ.update(stack.start_aws())
        stack.start_functions()
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        stack.start_site_worker(dict(os.environ))  # this process's environment is the site's
        if dropped := forget_photos_of_earlier_runs():
            print(f"devstack: {dropped} photo(s) of an earlier run dropped: moto started empty, their files are gone")
        threading.Thread(target=sweep_periodically, args=(stopping,), daemon=True, name="sweeper").start()
        print(f"devstack: moto server (S3, SQS, SES, DynamoDB) on {stack.moto_url}")
        print(
            "devstack: resize, notify and the site's tasks worker polling their queues;"
            f" the sweeper runs every {SWEEP_EVERY_SECONDS} s"
        )
        print(f"devstack: Darkroom is at {site_url}   sent emails: {site_url}local/outbox/   Ctrl-C stops it all")
        call_command("runserver", f"127.0.0.1:{args.port}", use_reloader=False, skip_checks=True)
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C or kill (make forwards one too) must not cut the shutdown short and orphan the pollers.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stopping.set()
        stack.stop()
        print("devstack: stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
