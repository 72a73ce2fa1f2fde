"""The fault-injected load run: concurrent users upload batches of files against the local stack while AWS
misbehaves, then every photo, background task, email and dead letter is counted.
tests/load/test_fault_injected_run.py asserts the counts; `python -m bench.load_run` prints them.

Faults, all injected from outside the code under test (devstack.faults hooks, devstack's poller control):
- the site's SQS sends fail (whole calls), so the outbox keeps those messages and the sweeper sends them;
- the functions' S3 and SES v2 requests fail transiently (503 SlowDown, 429 TooManyRequests per HTTP attempt),
  which the functions' botocore retries and, past those, the queue's redelivery must absorb;
- a sample of the messages the site sent (resize requests, emails, `task.ready`) is delivered a second time
  (re-sent to its queue, as SQS's at-least-once delivery may do);
- the resize function's pollers, and later the site's tasks worker (which settles photos from S3's manifest
  events and sends each batch's email), are SIGKILLed while messages are in flight, and restarted;
- a few uploads are not images (text declared as image/jpeg);
and faults that hang rather than fail, each for a window while the users upload (devstack.faults windows):
- SQS does not answer the site's sends for 30 s (a listener that accepts and never answers): requests meet the
  one-try client's timeouts, and the outbox keeps what they could not send;
- S3 answers a share of every process's requests after 10 s (a relay that holds the answer), past the site's read
  timeout (so its client retries) and within resize's;
- the database does not answer: during a window every SQL statement of the site and its sweep waits 5 s, then
  fails. SQLite has no connect or statement timeout to exercise, so this models the bound PostgreSQL's settings
  give (web/settings.py postgres_options: a new connection gives up after 5 s) and shows what the site does once it
  fires: requests made meanwhile answer with an error within seconds;
- a backlog of 2,000 photos stuck in processing past the deadline, originals in the bucket, recorded once the
  uploads are done, which the sweep drains over successive runs within its budget.
The site runs in its own process on a SQLite file (bench/local_site.py), and the scheduled sweep in another
(bench/load_sweeper.py: `web.scheduled.sweep` with the site function's 30 s), every couple of seconds with short
waits. Every request's time and every sweep run's time are measured against the site function's timeout.
"""

import json
import math
import random
import re
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import boto3
import requests
from jinja2 import Environment, FileSystemLoader

from bench.load_sweeper import BACKLOG_EMAIL
from bench.local_site import LocalSite
from bench.photo_files import small_jpeg
from bench.site_client import SiteClient
from devstack.faults import open_window, reported_counts
from devstack.stack import ROOT, SITE_TASKS_WORKER

POISON_BYTES = b"this is a text file, not a photo\n" * 40
# What the tasks worker logs (django.tasks' own task_finished receiver) each time a task finishes successfully.
TASK_SUCCEEDED = re.compile(r"Task id=(\S+) path=\S+ state=SUCCESSFUL$", re.M)
# What the worker logs for a task.ready message that runs nothing (web/tasks/runner.py): a duplicate, a finished task.
TASK_REFUSED = re.compile(
    r" web\.tasks\.runner task \S+ \S+: (duplicate or superseded message|already finished|running elsewhere)$", re.M
)
BATCH_MAIL_TASK = "web.photos.batches.upload_batch_mail"
# upload_batch_mail's return values when it sent nothing (the batch was already mailed, or is gone or empty).
BATCH_MAIL_SENT_NOTHING = ("already sent", "gone", "nothing to tell")
# The notify function's subject template for a batch: the expected subjects are rendered from it.
NOTIFY_TEMPLATES = ROOT / "functions" / "notify" / "mail_templates"
# Requests, the tasks worker and the sweep all run on the site's function: none may take longer than its timeout.
SITE_TIMEOUT_SECONDS = json.loads((ROOT / "zappa_settings.json").read_text())["common"]["timeout_seconds"]
# The sweep's summary of its stuck-photos step (web/scheduled.py).
STUCK_PHOTOS_SUMMARY = re.compile(r"photos: (\d+) finished, (\d+) re-enqueued, (\d+) failed")


@dataclass(frozen=True)
class LoadPlan:
    uploads: int = 300  # poison uploads included
    poison: int = 6
    users: int = 12  # one concurrent client each
    batch_size: int = 5  # the files a user picks at once: one batch id and size on each confirm, one email
    site_sqs_failure_rate: float = 0.10
    function_s3_failure_rate: float = 0.10
    ses_throttle_rate: float = 0.20
    duplicate_fraction: float = 0.10
    tasks_resent: int = 20  # copies sent to the tasks worker each second until it is caught mid-batch
    visibility_timeout: int = 5  # the template's 6 minutes, shortened so redeliveries come back within the run
    sweep_every: float = 2
    outbox_retry_after: float = 2
    # Past this the sweeper re-enqueues a photo (production: 10 minutes). On a 2-core machine the resize backlog at
    # the end of the uploads is longer, so it also asks again for photos merely queued: a second resize, no loss.
    processing_deadline: int = 60
    # Pollers per function. Lambda scales resize out (no MaximumConcurrency in the template) and notify up to its
    # ScalingConfig (2 locally); while a resize poller sleeps in botocore's retry backoff, the others work. The
    # site's tasks worker (its own Lambda, through Zappa's event source) runs two at once too.
    concurrency: dict[str, int] = field(default_factory=lambda: {"resize": 4, "notify": 2, SITE_TASKS_WORKER: 2})
    settle_timeout: float = 180
    seed: int = 7
    # Faults that hang, each opened once while the users upload (at the given share of the uploads confirmed).
    sqs_silent_seconds: float = 30
    s3_slow_answer_seconds: float = 10
    s3_slow_rate: float = 0.25  # of the HTTP attempts to S3 while its window is open
    s3_slow_window_seconds: float = 20
    database_wait_seconds: float = 5  # web/settings.py's connect_timeout for PostgreSQL
    database_window_seconds: float = 6
    database_probes: int = 12  # requests sent while the database does not answer, one per user
    backlog: int = 2000  # photos stuck in processing past the deadline when the run starts
    # The presigned POST's life and the clock skew allowed after it (production: 60 s each): each original's check
    # comes due this long after its confirm, within the run rather than two minutes after its last upload.
    presign_expiry_seconds: int = 30
    original_check_skew_seconds: int = 5


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
    batches: int = 0
    batches_not_mailed: int = 0
    batches_mailed_twice: int = 0
    emails_expected: int = 0
    emails_sent: int = 0
    emails_missing: int = 0
    emails_duplicated: int = 0
    emails_unexpected: int = 0
    upload_received_emails: int = 0
    tasks_successful: dict[str, int] = field(default_factory=dict)  # per task path
    tasks_unfinished: int = 0
    tasks_failed: int = 0
    tasks_finished_twice: int = 0
    tasks_rerun_after_worker_stopped: int = 0
    task_messages_that_ran_nothing: dict[str, int] = field(default_factory=dict)  # per reason, from the worker's log
    messages_delivered_twice: int = 0
    records_handed_back_to_queue: dict[str, int] = field(default_factory=dict)  # batchItemFailures, per function
    resize_pollers_killed_mid_batch: bool = False
    tasks_worker_killed_mid_batch: bool = False
    resize_dlq: int = 0
    resize_dlq_unexplained: int = 0
    notify_dlq: int = 0
    tasks_dlq: int = 0
    faults_injected: dict[str, int] = field(default_factory=dict)
    failure_reasons: dict[str, int] = field(default_factory=dict)
    backlog_photos: int = 0
    backlog_ready: int = 0
    backlog_not_ready: int = 0
    sweep_runs: int = 0
    sweep_runs_that_recovered_stuck_photos: int = 0
    most_stuck_photos_recovered_in_one_run: int = 0
    sweep_runs_ended_by_an_error: int = 0
    sweep_steps_stopped_for_their_deadline: int = 0
    sweep_steps_stopped_for_a_service: int = 0
    database_window_requests: int = 0
    database_window_errors: int = 0  # answered 5xx
    requests: int = 0
    site_timeout_seconds: float = SITE_TIMEOUT_SECONDS
    longest_request_seconds: float = 0.0
    longest_request: str = ""
    longest_database_window_request_seconds: float = 0.0
    longest_sweep_seconds: float = 0.0
    deadlines_missed: int = 0  # requests and sweep runs longer than the site function's timeout
    seconds: float = 0.0


@dataclass
class _Upload:
    user: int
    filename: str
    content: bytes
    poison: bool
    batch: dict = field(default_factory=dict)  # {"id", "size"}, as the upload page sends it on each confirm
    photo_id: str | None = None


def run(plan: LoadPlan = LoadPlan(), *, workdir: Path | None = None) -> LoadCounts:
    """The whole run; the site's and the functions' logs stay in `workdir` when one is given."""
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="darkroom-load-") as temporary:
            return run(plan, workdir=Path(temporary))
    started = time.monotonic()
    reports = Path(workdir) / "faults"
    reports.mkdir(parents=True, exist_ok=True)
    windows = reports / "windows.json"
    windows.unlink(missing_ok=True)
    site = LocalSite(
        Path(workdir),
        concurrency=plan.concurrency,
        visibility_timeout=plan.visibility_timeout,
        site_faults={
            "rates": {"sqs.SendMessage": plan.site_sqs_failure_rate},
            "seed": plan.seed,
            "report_dir": str(reports),
            "windows_file": str(windows),
            "database": True,
        },
        function_faults={
            "attempt_rates": {"s3": plan.function_s3_failure_rate, "sesv2.SendEmail": plan.ses_throttle_rate},
            "seed": plan.seed,
            "report_dir": str(reports),
            "windows_file": str(windows),
        },
        site_environment={
            "DARKROOM_PRESIGN_EXPIRY_SECONDS": str(plan.presign_expiry_seconds),
            "DARKROOM_ORIGINAL_CHECK_SKEW_SECONDS": str(plan.original_check_skew_seconds),
        },
        sweeper={
            "every": plan.sweep_every,
            "budget": SITE_TIMEOUT_SECONDS,
            "outbox_retry_after": plan.outbox_retry_after,
            "processing_deadline": plan.processing_deadline,
        },
    )
    with site:
        counts = _drive(site, plan, windows)
        counts.faults_injected = reported_counts(reports)
    counts.seconds = time.monotonic() - started
    return counts


def _email_of(user: int) -> str:
    return f"load{user}@example.com"


def _plan_uploads(plan: LoadPlan) -> list[_Upload]:
    chance = random.Random(plan.seed)
    poison_at = set(chance.sample(range(plan.uploads), plan.poison))
    uploads = [
        _Upload(
            user=number % plan.users,
            filename=f"{'poison' if number in poison_at else 'photo'}-{number}.jpg",
            content=POISON_BYTES if number in poison_at else small_jpeg(number),
            poison=number in poison_at,
        )
        for number in range(plan.uploads)
    ]
    for user in range(plan.users):  # each user picks batch_size files at a time, in the order they upload them
        mine = [upload for upload in uploads if upload.user == user]
        for start in range(0, len(mine), plan.batch_size):
            picked = mine[start : start + plan.batch_size]
            batch = {"id": str(uuid.UUID(int=chance.getrandbits(128), version=4)), "size": len(picked)}
            for upload in picked:
                upload.batch = batch
    return uploads


def _timed(client: SiteClient, timings: list[tuple[float, str]]) -> SiteClient:
    """Record how long the site took to answer each of the client's requests (to its response's headers)."""

    def record(response, *args, **kwargs):
        if response.url.startswith(client.base_url):
            timings.append((response.elapsed.total_seconds(), f"{response.request.method} {response.request.path_url}"))

    client.hooks["response"].append(record)
    return client


def _drive(site: LocalSite, plan: LoadPlan, windows: Path) -> LoadCounts:
    timings: list[tuple[float, str]] = []
    clients = [_timed(SiteClient(site.url), timings) for _ in range(plan.users)]
    for number, client in enumerate(clients):
        client.signup(_email_of(number), confirm=False)
    for number, client in enumerate(clients):  # the links went out together; injected SES faults may delay them
        client.address_confirm(_email_of(number), timeout=300)
    uploads = _plan_uploads(plan)
    confirmed = Counter()
    lock = threading.Lock()

    def upload_for(user: int) -> None:
        for upload in (item for item in uploads if item.user == user):
            upload.photo_id = clients[user].upload(upload.content, upload.filename, batch=upload.batch)
            with lock:
                confirmed["uploads"] += 1

    with ThreadPoolExecutor(max_workers=plan.users) as pool:
        futures = [pool.submit(upload_for, user) for user in range(plan.users)]

        def wait_for_confirmed(number: int) -> None:
            while confirmed["uploads"] < number and not all(future.done() for future in futures):
                time.sleep(0.1)

        wait_for_confirmed(plan.uploads // 6)
        open_window(windows, "sqs.SendMessage", for_seconds=plan.sqs_silent_seconds, kind="silent")
        wait_for_confirmed(plan.uploads // 3)
        killed_resize = _kill_mid_batch(site, "resize", "DARKROOM_RESIZE_QUEUE_URL")
        wait_for_confirmed(plan.uploads // 2)
        slow = {"kind": "slow", "seconds": plan.s3_slow_answer_seconds, "rate": plan.s3_slow_rate}
        open_window(windows, "s3", for_seconds=plan.s3_slow_window_seconds, **slow)
        wait_for_confirmed(2 * plan.uploads // 3)
        resent: list[int] = []
        killed_tasks = _kill_mid_batch(
            site, SITE_TASKS_WORKER, "DARKROOM_TASKS_QUEUE_URL", feed=lambda: resent.append(_resend_tasks(site, plan))
        )
        for future in futures:
            future.result()
    database_window = _database_does_not_answer(site, clients, uploads, plan, windows)
    # Only now: drained beside 300 uploads on a 2-core machine, the backlog would take many minutes. It drains while
    # the last photos settle and their originals' checks (two minutes after confirm) come due.
    site.backlog_record(plan.backlog)
    # Twice: most batch emails (and their task.ready messages) are sent only once the photos settle.
    duplicates, seen = _deliver_twice(site, plan)
    duplicates += sum(resent)
    _wait_until_settled(site, clients, uploads, plan)
    more, _ = _deliver_twice(site, plan, after=seen)
    duplicates += more
    _wait_until_settled(site, clients, uploads, plan)
    log = (site.workdir / "functions.log").read_text()
    counts = _count(site, uploads, log)
    counts.messages_delivered_twice = duplicates
    counts.records_handed_back_to_queue = {
        name: len(re.findall(rf"^\S+ {name} +retry ", log, re.M)) for name in ("resize", "notify")
    }
    counts.resize_pollers_killed_mid_batch = killed_resize
    counts.tasks_worker_killed_mid_batch = killed_tasks
    _count_deadlines(counts, timings, database_window, site.sweep_runs(), site.workdir / "sweeper.log")
    return counts


def _database_does_not_answer(
    site: LocalSite, clients: list[SiteClient], uploads: list[_Upload], plan: LoadPlan, windows: Path
) -> list[tuple[float, str, int]]:
    """Open the database window, and have each user ask the site something meanwhile (a status poll, a presign, the
    health check, in turn): (seconds, request, status) of each, -1 for a request that got no answer."""
    open_window(windows, "database", for_seconds=plan.database_window_seconds, seconds=plan.database_wait_seconds)
    probes = []
    for number, client in enumerate(clients[: plan.database_probes]):
        mine = [upload.photo_id for upload in uploads if upload.user == number][:1]
        probes.append((client, ("status", "presign", "health")[number % 3], mine))

    def probe(client: SiteClient, kind: str, photo_ids: list[str]) -> tuple[float, str, int]:
        started = time.monotonic()
        try:
            if kind == "status":
                url = f"{client.base_url}/api/photos/status"
                answer = client.get(url, params={"ids": ",".join(photo_ids)}, timeout=SITE_TIMEOUT_SECONDS + 5)
            elif kind == "presign":
                body = {"filename": "probe.jpg", "content_type": "image/jpeg", "size": 1000}
                answer = client.api("/api/uploads/presign", body)
            else:
                answer = client.get(f"{client.base_url}/healthz", timeout=SITE_TIMEOUT_SECONDS + 5)
            status = answer.status_code
        except requests.RequestException:
            status = -1
        return time.monotonic() - started, kind, status

    with ThreadPoolExecutor(max_workers=len(probes)) as pool:
        answered = list(pool.map(lambda args: probe(*args), probes))
    time.sleep(max(0.0, plan.database_window_seconds - max(seconds for seconds, *_ in answered)))
    return answered


def _count_deadlines(
    counts: LoadCounts,
    timings: list[tuple[float, str]],
    database_window: list[tuple[float, str, int]],
    sweeps: list[dict],
    sweeper_log: Path,
) -> None:
    """The longest request and sweep run against the site function's timeout, and how the sweep drained."""
    longest = max(timings, default=(0.0, ""))
    counts.requests = len(timings)
    counts.longest_request_seconds, counts.longest_request = longest
    counts.database_window_requests = len(database_window)
    counts.database_window_errors = sum(status >= 500 for *_, status in database_window)
    counts.longest_database_window_request_seconds = max((seconds for seconds, *_ in database_window), default=0.0)
    recovered = [sum(map(int, found.groups()[1:])) for run in sweeps for found in [_stuck_summary(run)] if found]
    counts.sweep_runs = len(sweeps)
    counts.sweep_runs_that_recovered_stuck_photos = sum(number > 0 for number in recovered)
    counts.most_stuck_photos_recovered_in_one_run = max(recovered, default=0)
    counts.sweep_runs_ended_by_an_error = sum("error" in run for run in sweeps)
    counts.longest_sweep_seconds = max((run["seconds"] for run in sweeps), default=0.0)
    log = sweeper_log.read_text() if sweeper_log.exists() else ""
    counts.sweep_steps_stopped_for_their_deadline = log.count("sweep step stopped for its deadline")
    counts.sweep_steps_stopped_for_a_service = len(re.findall(r"sweep step stopped: \S+ did not answer", log))
    counts.deadlines_missed = (
        sum(seconds > SITE_TIMEOUT_SECONDS for seconds, _ in timings)
        + sum(status == -1 or seconds > SITE_TIMEOUT_SECONDS for seconds, _, status in database_window)
        + sum(run["seconds"] > run["budget"] for run in sweeps)
    )


def _stuck_summary(run: dict) -> re.Match | None:
    return STUCK_PHOTOS_SUMMARY.search(run.get("summary", ""))


def _in_flight(site: LocalSite, variable: str) -> tuple[int, int, int]:
    """(waiting, received and not yet deleted, delayed) messages of a queue."""
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=site.stack.resources[variable], AttributeNames=names
    )["Attributes"]
    waiting, received, delayed = (int(attributes.get(name, 0)) for name in names)
    return waiting, received, delayed


def _kill_mid_batch(site: LocalSite, name: str, variable: str, feed: Callable[[], None] | None = None) -> bool:
    """SIGKILL a function's (or the tasks worker's) pollers while messages are in flight (received, not yet
    deleted: some poller holds them mid-batch), then restart them; those messages come back after the visibility
    timeout. `feed`, called every second until then, gives a poller whose own traffic is sparse something to hold."""
    deadline = time.monotonic() + 30
    fed_at = -math.inf
    while _in_flight(site, variable)[1] == 0 and time.monotonic() < deadline:
        if feed is not None and time.monotonic() - fed_at >= 1:
            feed()
            fed_at = time.monotonic()
        time.sleep(0.005)
    mid_batch = _in_flight(site, variable)[1] > 0
    site.stack.kill_function(name)
    time.sleep(1)
    site.stack.restart_function(name)
    return mid_batch


def _resend_tasks(site: LocalSite, plan: LoadPlan) -> int:
    """Copies of the last task messages the site sent: the tasks worker holds a message for milliseconds, so without
    a batch of these in hand it is seldom caught mid-batch. Tasks are idempotent: a finished one runs nothing."""
    rows = site.query(
        "SELECT queue, body FROM outbox_outboxmessage WHERE sent_at IS NOT NULL AND queue = 'tasks'"
        " ORDER BY id DESC LIMIT ?",
        (plan.tasks_resent,),
    )
    _send_copies(site, rows)
    return len(rows)


def _deliver_twice(site: LocalSite, plan: LoadPlan, *, after: int = 0) -> tuple[int, int]:
    """Re-send a sample of the messages the site did send (outbox rows past `after`), to their own queues: each is
    then delivered twice. Returns how many, and the last row looked at."""
    rows = site.query(
        "SELECT id, queue, body FROM outbox_outboxmessage WHERE sent_at IS NOT NULL AND id > ? ORDER BY id", (after,)
    )
    sample = random.Random(plan.seed).sample(rows, round(len(rows) * plan.duplicate_fraction))
    _send_copies(site, [(queue, body) for _, queue, body in sample])
    return len(sample), max((row_id for row_id, *_ in rows), default=after)


def _send_copies(site: LocalSite, messages: list[tuple[str, str]]) -> None:
    """Send again (queue, body) pairs the site sent, each to its own queue."""
    urls = {
        "resize": site.stack.resources["DARKROOM_RESIZE_QUEUE_URL"],
        "notify": site.stack.resources["DARKROOM_NOTIFY_QUEUE_URL"],
        "tasks": site.stack.resources["DARKROOM_TASKS_QUEUE_URL"],
    }
    sqs = boto3.client("sqs")  # this process has no faults installed: the copies always go out
    for queue, body in messages:
        sqs.send_message(QueueUrl=urls[queue], MessageBody=json.dumps(json.loads(body), separators=(",", ":")))


def _batch_subject(*, developed: int, failed: int) -> str:
    """The subject notify gives a batch's email, rendered from its own template as notify's mail_render does."""
    environment = Environment(loader=FileSystemLoader(NOTIFY_TEMPLATES), trim_blocks=True, lstrip_blocks=True)
    return environment.get_template("upload_batch/subject.txt").render(developed=developed, failed_count=failed)


def _expected_emails(uploads: list[_Upload]) -> Counter:
    """From the plan, not the site: an address confirmation per user, and per batch one email with the batch's true
    counts (every poison file failed, every other one developed). (recipient, subject) pairs, as moto's SES keeps
    them."""
    users = {upload.user for upload in uploads}
    expected = Counter({(_email_of(user), "Confirm your email address for Darkroom"): 1 for user in users})
    batches: dict[str, list[_Upload]] = {}
    for upload in uploads:
        batches.setdefault(upload.batch["id"], []).append(upload)
    for picked in batches.values():
        failed = sum(upload.poison for upload in picked)
        expected[(_email_of(picked[0].user), _batch_subject(developed=len(picked) - failed, failed=failed))] += 1
    return expected


def _tasks_unfinished(site: LocalSite) -> int:
    return site.query("SELECT count(*) FROM site_tasks_taskrecord WHERE status IN ('READY', 'RUNNING')")[0][0]


def _wait_until_settled(site: LocalSite, clients: list[SiteClient], uploads: list[_Upload], plan: LoadPlan) -> None:
    """Poll like the gallery does until no photo is processing, the outbox is empty, no task is waiting or running,
    every expected email is out and the three queues are drained (in flight and delayed messages included), or the
    timeout passes."""
    deadline = time.monotonic() + plan.settle_timeout
    expected = _expected_emails(uploads)
    while time.monotonic() < deadline:
        processing = 0
        for user, client in enumerate(clients):
            ids = [upload.photo_id for upload in uploads if upload.user == user]
            processing += sum(state == "processing" for state in client.statuses(ids).values())
        pending = site.query("SELECT count(*) FROM outbox_outboxmessage WHERE sent_at IS NULL")[0][0]
        processing += site.query("SELECT count(*) FROM photos_photo WHERE status = 'processing'")[0][0]
        emails_out = not (expected - Counter(site.sent_emails()))
        queues_empty = all(
            sum(_in_flight(site, variable)) == 0
            for variable in ("DARKROOM_RESIZE_QUEUE_URL", "DARKROOM_NOTIFY_QUEUE_URL", "DARKROOM_TASKS_QUEUE_URL")
        )
        if not processing and not pending and not _tasks_unfinished(site) and emails_out and queues_empty:
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


def _task_counts(site: LocalSite, log: str) -> dict:
    """The site's TaskRecord rows, and the worker's log of tasks finished: none waiting or running, none failed, none
    run to completion twice, and each batch mailed by exactly one run of upload_batch_mail."""
    rows = site.query("SELECT id, task_path, status, args, errors, return_value FROM site_tasks_taskrecord")
    statuses = Counter(status for _, _, status, *_ in rows)
    finishes = Counter(TASK_SUCCEEDED.findall(log))
    mail_runs = Counter(
        json.loads(args)[0]
        for _, path, status, args, _, value in rows
        if path == BATCH_MAIL_TASK and status == "SUCCESSFUL" and json.loads(value) not in BATCH_MAIL_SENT_NOTHING
    )
    # SQLite stores UUIDs as hex; the task's argument is the dashed form.
    batches = {
        str(uuid.UUID(batch_id)): emailed_at
        for batch_id, emailed_at in site.query("SELECT id, emailed_at FROM photos_uploadbatch")
    }
    return {
        "batches": len(batches),
        "batches_not_mailed": sum(
            emailed_at is None or not mail_runs[batch_id] for batch_id, emailed_at in batches.items()
        ),
        "batches_mailed_twice": sum(runs > 1 for runs in mail_runs.values()),
        "tasks_successful": dict(
            Counter(path.rsplit(".", 1)[-1] for _, path, status, *_ in rows if status == "SUCCESSFUL")
        ),
        "tasks_unfinished": statuses["READY"] + statuses["RUNNING"],
        "tasks_failed": statuses["FAILED"],
        "tasks_finished_twice": sum(count > 1 for count in finishes.values()),
        "tasks_rerun_after_worker_stopped": sum("WorkerStopped" in errors for *_, errors, _ in rows),
        "task_messages_that_ran_nothing": dict(Counter(TASK_REFUSED.findall(log))),
    }


def _count(site: LocalSite, uploads: list[_Upload], log: str) -> LoadCounts:
    rows = site.query(
        "SELECT photo.id, status, failure_code, failure_message, resize_attempts, email = ? FROM photos_photo photo"
        " JOIN accounts_user owner ON owner.id = photo.owner_id",
        (BACKLOG_EMAIL,),
    )
    # photo id -> (status, code, message, attempts), the users' photos only; the backlog's statuses apart.
    photos = {row[0]: row[1:5] for row in rows if not row[5]}
    backlog = Counter(row[1] for row in rows if row[5])
    by_id = {upload.photo_id.replace("-", ""): upload for upload in uploads}  # SQLite stores UUIDs as hex
    statuses = Counter(status for status, *_ in photos.values())
    expected, sent = _expected_emails(uploads), Counter(site.sent_emails())
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
        # A user's batches with the same counts share a subject: anything past the expected number is a duplicate.
        emails_duplicated=sum(count - expected[key] for key, count in sent.items() if count > expected.get(key, count)),
        emails_unexpected=sum(count for key, count in sent.items() if key not in expected),
        upload_received_emails=sum(count for (_, subject), count in sent.items() if subject.startswith("We received")),
        resize_dlq=len(resize_dead),
        # A resize request may end in its DLQ only for a photo the site settled anyway (the sweeper re-enqueued
        # it, or its manifest was written before the last failure); anything else there would be a lost photo.
        resize_dlq_unexplained=sum(body.get("photo_id", "").replace("-", "") not in settled for body in resize_dead),
        notify_dlq=len(_dead_letters(site, "DARKROOM_NOTIFY_DLQ_URL")),
        tasks_dlq=len(_dead_letters(site, "DARKROOM_TASKS_DLQ_URL")),
        failure_reasons=dict(Counter(f"{code}: {message}" for status, code, message, _ in photos.values() if code)),
        backlog_photos=sum(backlog.values()),
        backlog_ready=backlog["ready"],
        backlog_not_ready=sum(backlog.values()) - backlog["ready"],
        **_task_counts(site, log),
    )


def as_dict(counts: LoadCounts) -> dict:
    return asdict(counts)
