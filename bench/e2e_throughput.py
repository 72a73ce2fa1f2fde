"""End-to-end throughput on the local stack: N photos uploaded at once by several users, timed until every photo is
ready (renditions and manifest, seen by the site) and every email is in moto's SES (an address confirmation per
user and one email per upload batch).

    .venv/bin/python -m bench.e2e_throughput [--photos 100] [--users 10] [--resize-concurrency 1]

The clock starts once the users have signed up and confirmed their addresses, and the photo is in memory.
"""

import argparse
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.local_site import LocalSite
from bench.photo_files import twelve_megapixel_jpeg
from bench.site_client import SiteClient

TIMEOUT_SECONDS = 600
POLL_SECONDS = 0.5
SETTLE_SECONDS = 3


def run(*, photos: int = 100, users: int = 10, resize_concurrency: int = 1, notify_concurrency: int = 1) -> dict:
    content = twelve_megapixel_jpeg()
    with tempfile.TemporaryDirectory(prefix="darkroom-throughput-") as workdir:
        concurrency = {"resize": resize_concurrency, "notify": notify_concurrency}
        with LocalSite(Path(workdir), concurrency=concurrency) as site:
            clients = [SiteClient(site.url) for _ in range(users)]
            for number, client in enumerate(clients):
                client.signup(f"throughput{number}@example.com")
            plan = [list(range(number, photos, users)) for number in range(users)]
            started = time.monotonic()

            def upload_all(number: int) -> list[str]:
                # Each user picks all their photos at once: one batch, so one email once they have all developed.
                batch = {"id": str(uuid.uuid4()), "size": len(plan[number])}
                return [clients[number].upload(content, f"photo{index}.jpg", batch=batch) for index in plan[number]]

            with ThreadPoolExecutor(max_workers=users) as pool:
                photo_ids = list(pool.map(upload_all, range(users)))
            uploaded = time.monotonic() - started
            # The address confirmation, and one email per batch
            ready_at, emails_at = _wait_until_done(site, clients, photo_ids, users * 2, started)
            time.sleep(SETTLE_SECONDS)  # a second email for a batch would come now, and be counted
            upload_emails = len(site.sent_emails()) - users  # all but the address confirmations
    finished = max([*ready_at.values(), emails_at])
    return {
        "photos": photos,
        "users": users,
        "photo_bytes": len(content),
        "concurrency": concurrency,
        "uploads_done_s": uploaded,
        "last_ready_s": max(ready_at.values()),
        "last_email_s": emails_at,
        "total_s": finished,
        "photos_per_minute": photos / finished * 60,
        "upload_emails": upload_emails,
        "ready_times_s": sorted(ready_at.values()),
    }


def _wait_until_done(
    site: LocalSite, clients: list[SiteClient], photo_ids: list[list[str]], emails: int, started: float
) -> tuple[dict[str, float], float]:
    """When each photo turned ready, and when the last expected email was sent (seconds since `started`)."""
    ready_at: dict[str, float] = {}
    emails_at = None
    while time.monotonic() - started < TIMEOUT_SECONDS:
        if emails_at is None and len(site.sent_emails()) >= emails:
            emails_at = time.monotonic() - started
        for client, ids in zip(clients, photo_ids, strict=True):
            waiting = [photo_id for photo_id in ids if photo_id not in ready_at]
            for photo_id, state in client.statuses(waiting).items() if waiting else ():
                if state == "failed":
                    raise RuntimeError(f"photo {photo_id} failed")
                if state == "ready":
                    ready_at[photo_id] = time.monotonic() - started
        if emails_at is not None and len(ready_at) == sum(map(len, photo_ids)):
            return ready_at, emails_at
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"{len(ready_at)} photos ready, emails done: {emails_at is not None}, after {TIMEOUT_SECONDS} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--resize-concurrency", type=int, default=1, help="resize poller processes")
    args = parser.parse_args()
    result = run(photos=args.photos, users=args.users, resize_concurrency=args.resize_concurrency)
    print(
        f"{result['photos']} photos of {result['photo_bytes'] / 2**20:.1f} MiB: last ready at "
        f"{result['last_ready_s']:.1f} s, last email at {result['last_email_s']:.1f} s, "
        f"{result['photos_per_minute']:.0f} photos/minute (uploads done at {result['uploads_done_s']:.1f} s)"
    )


if __name__ == "__main__":
    main()
