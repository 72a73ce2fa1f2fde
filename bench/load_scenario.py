"""The fault-injected load run: concurrent users upload against the local stack while AWS misbehaves, then every
photo, email and dead letter is counted. tests/load/test_fault_injected_run.py asserts the counts;
`python -m bench.load_run` prints them.

Faults, all injected from outside the code under test (devstack.faults hooks, devstack's poller control):
- the site's SQS sends fail (whole calls), so the outbox keeps those messages and the sweeper sends them;
- the functions' S3 and SES v2 requests fail transiently (503 SlowDown, 429 TooManyRequests per HTTP attempt),
  which the functions' botocore retries and, past those, the queue's redelivery must absorb;
- a sample of the messages the site sent is delivered a second time (re-sent to its queue, as SQS's
  at-least-once delivery may do);
- the resize function's pollers are SIGKILLed while messages are in flight, and restarted;
- a few uploads are not images (text declared as image/jpeg).
The site runs in its own process on a SQLite file (bench/local_site.py), with the sweeper inside it every couple
of seconds and short deadlines (bench/site_server.py).
"""

import json
import random
import re
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import boto3

from bench.local_site import LocalSite
from bench.photo_files import small_jpeg
from bench.site_client import SiteClient
from devstack.faults import reported_counts

POISON_BYTES = b"this is a text file, not a photo\n" * 40


@dataclass(frozen=True)
class LoadPlan:
    uploads: int = 300  # poison uploads included
    poison: int = 6
    users: int = 12  # one concurrent client each
    site_sqs_failure_rate: float = 0.10
    function_s3_failure_rate: float = 0.10
    ses_throttle_rate: float = 0.20
    duplicate_fraction: float = 0.10
    visibility_timeout: int = 5  # the template's 6 minutes, shortened so redeliveries come back within the run
    sweep_every: float = 2
    outbox_retry_after: float = 2
    # Past this the sweeper re-enqueues a photo (production: 10 minutes); above the run's queue backlog, so it acts
    # on what was lost rather than on what is merely queued.
    processing_deadline: int = 60
    # Pollers per function. Lambda scales resize out (no MaximumConcurrency in the template) and notify up to its
    # ScalingConfig (2 locally); while a resize poller sleeps in botocore's retry backoff, the others work.
    concurrency: dict[str, int] = field(default_factory=lambda: {"resize": 4, "notify": 2})
    settle_timeout: float = 180
    seed: int = 7


@dataclass
class LoadCounts:
    uploads: int = 0
    poison_uploads: int = 0
    photos_ready: int = 0
    photos_failed: int = 0
    photos_failed_without_reason: int = 0
    photos_stuck: int = 0
    poison_failed: int = 0
    good_photos_not_ready: int = 0
    photos_requeued_by_sweeper: int = 0
    outbox_sends_that_failed: int = 0
    outbox_pending: int = 0
    emails_expected: int = 0
    emails_sent: int = 0
    emails_missing: int = 0
    emails_duplicated: int = 0
    emails_unexpected: int = 0
    messages_delivered_twice: int = 0
    records_handed_back_to_queue: dict[str, int] = field(default_factory=dict)  # batchItemFailures, per function
    resize_pollers_killed_mid_batch: bool = False
    resize_dlq: int = 0
    resize_dlq_unexplained: int = 0
    notify_dlq: int = 0
    faults_injected: dict[str, int] = field(default_factory=dict)
    failure_reasons: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class _Upload:
    user: int
    filename: str
    content: bytes
    poison: bool
    photo_id: str | None = None


def run(plan: LoadPlan = LoadPlan(), *, workdir: Path | None = None) -> LoadCounts:
    """The whole run; the site's and the functions' logs stay in `workdir` when one is given."""
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="darkroom-load-") as temporary:
            return run(plan, workdir=Path(temporary))
    started = time.monotonic()
    reports = Path(workdir) / "faults"
    reports.mkdir(parents=True, exist_ok=True)
    site = LocalSite(
        Path(workdir),
        concurrency=plan.concurrency,
        visibility_timeout=plan.visibility_timeout,
        site_faults={
            "rates": {"sqs.SendMessage": plan.site_sqs_failure_rate},
            "seed": plan.seed,
            "report_dir": str(reports),
        },
        function_faults={
            "attempt_rates": {"s3": plan.function_s3_failure_rate, "sesv2.SendEmail": plan.ses_throttle_rate},
            "seed": plan.seed,
            "report_dir": str(reports),
        },
        sweeper={
            "sweep_every": plan.sweep_every,
            "outbox_retry_after": plan.outbox_retry_after,
            "processing_deadline": plan.processing_deadline,
        },
    )
    with site:
        counts = _drive(site, plan)
        counts.faults_injected = reported_counts(reports)
    counts.seconds = time.monotonic() - started
    return counts


def _plan_uploads(plan: LoadPlan) -> list[_Upload]:
    poison_at = set(random.Random(plan.seed).sample(range(plan.uploads), plan.poison))
    return [
        _Upload(
            user=number % plan.users,
            filename=f"{'poison' if number in poison_at else 'photo'}-{number}.jpg",
            content=POISON_BYTES if number in poison_at else small_jpeg(number),
            poison=number in poison_at,
        )
        for number in range(plan.uploads)
    ]


def _drive(site: LocalSite, plan: LoadPlan) -> LoadCounts:
    clients = [SiteClient(site.url) for _ in range(plan.users)]
    for number, client in enumerate(clients):
        client.signup(f"load{number}@example.com")
    uploads = _plan_uploads(plan)
    confirmed = Counter()
    lock = threading.Lock()

    def upload_for(user: int) -> None:
        for upload in (item for item in uploads if item.user == user):
            upload.photo_id = clients[user].upload(upload.content, upload.filename)
            with lock:
                confirmed["uploads"] += 1

    with ThreadPoolExecutor(max_workers=plan.users) as pool:
        futures = [pool.submit(upload_for, user) for user in range(plan.users)]
        while confirmed["uploads"] < plan.uploads // 3 and not all(future.done() for future in futures):
            time.sleep(0.1)
        killed = _kill_resize_mid_batch(site)
        for future in futures:
            future.result()
    duplicates = _deliver_twice(site, plan)
    _wait_until_settled(site, clients, uploads, plan)
    counts = _count(site, uploads)
    counts.messages_delivered_twice = duplicates
    log = (site.workdir / "functions.log").read_text()
    counts.records_handed_back_to_queue = {
        name: len(re.findall(rf"^\S+ {name} +retry ", log, re.M)) for name in ("resize", "notify")
    }
    counts.resize_pollers_killed_mid_batch = killed
    return counts


def _in_flight(site: LocalSite, variable: str) -> tuple[int, int]:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=site.stack.resources[variable],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def _kill_resize_mid_batch(site: LocalSite) -> bool:
    """SIGKILL the resize function's pollers while messages are in flight (received, not yet deleted: some poller
    holds them mid-batch), then restart them; those messages come back after the visibility timeout."""
    deadline = time.monotonic() + 10
    while _in_flight(site, "DARKROOM_RESIZE_QUEUE_URL")[1] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    mid_batch = _in_flight(site, "DARKROOM_RESIZE_QUEUE_URL")[1] > 0
    site.stack.kill_function("resize")
    time.sleep(1)
    site.stack.restart_function("resize")
    return mid_batch


def _deliver_twice(site: LocalSite, plan: LoadPlan) -> int:
    """Re-send a sample of the messages the site did send, to their own queues: each is then delivered twice."""
    rows = site.query("SELECT queue, body FROM outbox_outboxmessage WHERE sent_at IS NOT NULL ORDER BY id")
    sample = random.Random(plan.seed).sample(rows, round(len(rows) * plan.duplicate_fraction))
    urls = {
        "resize": site.stack.resources["DARKROOM_RESIZE_QUEUE_URL"],
        "notify": site.stack.resources["DARKROOM_NOTIFY_QUEUE_URL"],
    }
    sqs = boto3.client("sqs")  # this process has no faults installed: the copies always go out
    for queue, body in sample:
        sqs.send_message(QueueUrl=urls[queue], MessageBody=json.dumps(json.loads(body), separators=(",", ":")))
    return len(sample)


def _expected_emails(site: LocalSite) -> Counter:
    users = site.query("SELECT email FROM accounts_user")
    photos = site.query("SELECT u.email, p.filename FROM photos_photo p JOIN accounts_user u ON u.id = p.owner_id")
    expected = Counter({(email, "Welcome to Darkroom"): 1 for (email,) in users})
    expected.update({(email, f"We received {filename}"): 1 for email, filename in photos})
    return expected


def _wait_until_settled(site: LocalSite, clients: list[SiteClient], uploads: list[_Upload], plan: LoadPlan) -> None:
    """Poll like the gallery does until no photo is processing, the outbox is empty, every expected email is out
    and both queues are drained (in flight and delayed messages included), or the timeout passes."""
    deadline = time.monotonic() + plan.settle_timeout
    while time.monotonic() < deadline:
        processing = 0
        for user, client in enumerate(clients):
            ids = [upload.photo_id for upload in uploads if upload.user == user]
            processing += sum(state == "processing" for state in client.statuses(ids).values())
        pending = site.query("SELECT count(*) FROM outbox_outboxmessage WHERE sent_at IS NULL")[0][0]
        emails_out = not (_expected_emails(site) - Counter(site.sent_emails()))
        queues_empty = all(
            sum(_in_flight(site, variable)) == 0
            for variable in ("DARKROOM_RESIZE_QUEUE_URL", "DARKROOM_NOTIFY_QUEUE_URL")
        )
        if not processing and not pending and emails_out and queues_empty:
            return
        time.sleep(1)


def _dead_letters(site: LocalSite, variable: str) -> list[dict]:
    sqs = boto3.client("sqs")
    url = site.stack.resources[variable]
    seen: dict[str, dict] = {}
    for _ in range(50):  # hide what was read for a minute, so each pass sees new ones, until nothing is left
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
        if not messages:
            break
        seen.update({message["MessageId"]: json.loads(message["Body"]) for message in messages})
    return list(seen.values())


def _count(site: LocalSite, uploads: list[_Upload]) -> LoadCounts:
    photos = {
        photo_id: (status, code, message, attempts)
        for photo_id, status, code, message, attempts in site.query(
            "SELECT id, status, failure_code, failure_message, resize_attempts FROM photos_photo"
        )
    }
    by_id = {upload.photo_id.replace("-", ""): upload for upload in uploads}  # SQLite stores UUIDs as hex
    statuses = Counter(status for status, *_ in photos.values())
    expected, sent = _expected_emails(site), Counter(site.sent_emails())
    resize_dead = _dead_letters(site, "DARKROOM_RESIZE_DLQ_URL")
    settled = {photo_id for photo_id, (status, *_) in photos.items() if status != "processing"}
    return LoadCounts(
        uploads=len(uploads),
        poison_uploads=sum(upload.poison for upload in uploads),
        photos_ready=statuses["ready"],
        photos_failed=statuses["failed"],
        photos_failed_without_reason=sum(
            status == "failed" and not (code and message) for status, code, message, _ in photos.values()
        ),
        photos_stuck=statuses["processing"] + len(uploads) - len(photos),
        poison_failed=sum(by_id[photo_id].poison and status == "failed" for photo_id, (status, *_) in photos.items()),
        good_photos_not_ready=sum(
            not by_id[photo_id].poison and status != "ready" for photo_id, (status, *_) in photos.items()
        ),
        photos_requeued_by_sweeper=sum(attempts > 1 for *_, attempts in photos.values()),
        outbox_sends_that_failed=site.query("SELECT count(*) FROM outbox_outboxmessage WHERE attempts > 1")[0][0],
        outbox_pending=site.query("SELECT count(*) FROM outbox_outboxmessage WHERE sent_at IS NULL")[0][0],
        emails_expected=sum(expected.values()),
        emails_sent=sum(sent.values()),
        emails_missing=sum((expected - sent).values()),
        emails_duplicated=sum(count - 1 for key, count in sent.items() if key in expected and count > 1),
        emails_unexpected=sum(count for key, count in sent.items() if key not in expected),
        resize_dlq=len(resize_dead),
        # A resize request may end in its DLQ only for a photo the site settled anyway (the sweeper re-enqueued
        # it, or its manifest was written before the last failure); anything else there would be a lost photo.
        resize_dlq_unexplained=sum(body.get("photo_id", "").replace("-", "") not in settled for body in resize_dead),
        notify_dlq=len(_dead_letters(site, "DARKROOM_NOTIFY_DLQ_URL")),
        failure_reasons=dict(Counter(f"{code}: {message}" for status, code, message, _ in photos.values() if code)),
    )


def as_dict(counts: LoadCounts) -> dict:
    return asdict(counts)
