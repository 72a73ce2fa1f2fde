"""Upload latency: Darkroom's confirm request (HEAD, row, outbox, two SQS sends) against the same request doing the
resize and the email inline (bench/upload_inline.py), both through Django against moto server, with a 12 MP photo.

    .venv/bin/python -m bench.upload_latency [--runs 30]

A worker process runs Django in-process (its WSGI handler, called as Zappa's handler calls it, so no HTTP server sits
in between) with the functions' folders on PYTHONPATH for the inline variant; moto server runs in a process of its
own, as AWS is remote. Before each timed request the 12 MP JPEG is put under a fresh key, untimed; the two variants
alternate so both see the same conditions.
"""

import argparse
import gc
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from devstack.stack import ROOT

TARGET_SPEEDUP = 20
TARGET_P95_MS = 30
WARM_UP_ROUNDS = 2


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict:
    return {"p50_ms": statistics.median(values), "p95_ms": percentile(values, 0.95), "samples_ms": values}


def run(*, runs: int = 30) -> dict:
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            str(path) for path in (ROOT, ROOT / "functions" / "resize", ROOT / "functions" / "notify")
        ),
    }
    command = [sys.executable, "-m", "bench.upload_latency", "--worker", f"--runs={runs}"]
    output = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False)
    if output.returncode != 0:
        raise RuntimeError(output.stderr[-3000:])
    result = json.loads(output.stdout.splitlines()[-1])
    confirm, inline = summary(result["confirm_ms"]), summary(result["inline_ms"])
    return {
        "runs": runs,
        "photo_bytes": result["photo_bytes"],
        "confirm": confirm,
        "inline": inline,
        "speedup_p50": inline["p50_ms"] / confirm["p50_ms"],
        "speedup_p95": inline["p95_ms"] / confirm["p95_ms"],
        "resize_ms": statistics.median(part["resize_ms"] for part in result["parts"]),
        "email_ms": statistics.median(part["email_ms"] for part in result["parts"]),
        "targets": {"speedup": TARGET_SPEEDUP, "confirm_p95_ms": TARGET_P95_MS},
    }


def worker(runs: int) -> dict:
    """Runs in the worker process: Django in-process against moto server in its own process, requests alternating."""
    import logging

    from bench.photo_files import twelve_megapixel_jpeg
    from bench.site_in_process import site_beside_moto

    logging.disable(logging.INFO)  # one log line per confirm would be timed too
    workdir = Path(tempfile.mkdtemp(prefix="darkroom-latency-"))
    with site_beside_moto(workdir / "latency.sqlite3"):
        return _measure(runs, content=twelve_megapixel_jpeg())


def _measure(runs: int, *, content: bytes) -> dict:
    import boto3
    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.test import Client, override_settings

    from web.accounts.models import User

    call_command("migrate", verbosity=0)
    user = User.objects.create_user(email="latency@example.com", password="correct horse battery")
    login = Client()
    login.force_login(user)
    # The cookies a logged-in browser sends: its session, and the CSRF token the upload page echoes in a header.
    cookies = {settings.SESSION_COOKIE_NAME: login.cookies[settings.SESSION_COOKIE_NAME].value, **CSRF_COOKIE}
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    bucket = os.environ["DARKROOM_BUCKET"]
    queue_urls = [os.environ["DARKROOM_RESIZE_QUEUE_URL"], os.environ["DARKROOM_NOTIFY_QUEUE_URL"]]
    paths = {"confirm": "/api/uploads/confirm", "inline": "/bench/uploads/confirm-inline"}
    timings: dict[str, list[float]] = {name: [] for name in paths}
    with override_settings(ROOT_URLCONF="bench.upload_inline"):
        from bench import upload_inline

        site = WSGIHandler()
        for run_number in range(runs + WARM_UP_ROUNDS):  # warm imports, clients, connections, the allocator
            for name, path in paths.items():
                key = f"uploads/{user.pk}/{uuid.uuid4()}"
                s3.put_object(
                    Bucket=bucket, Key=key, Body=content, ContentType="image/jpeg", Tagging="darkroom-upload=pending"
                )
                for queue_url in queue_urls:
                    _drain(sqs, queue_url)
                body = json.dumps({"key": key, "filename": "photo.jpg"}).encode()
                gc.collect()  # like timeit: no collection of the previous request's garbage inside the timing
                started = time.perf_counter()
                status, answer = _post(site, path, body=body, cookies=cookies)
                elapsed = (time.perf_counter() - started) * 1000
                if status != 201:
                    raise RuntimeError(f"{name}: {status} {answer[:300]!r}")
                if run_number >= WARM_UP_ROUNDS:
                    timings[name].append(elapsed)
    return {
        "photo_bytes": len(content),
        "confirm_ms": timings["confirm"],
        "inline_ms": timings["inline"],
        "parts": upload_inline.PART_TIMINGS[WARM_UP_ROUNDS:],
    }


# Any 32 letters and digits are a valid CSRF secret; the page sends the cookie's value back as X-CSRFToken.
CSRF_COOKIE = {"csrftoken": "darkroomlatencybenchcsrftoken000"}


def _post(site, path: str, *, body: bytes, cookies: dict[str, str]) -> tuple[int, bytes]:
    """One JSON POST through Django's WSGI handler, as Zappa's handler hands it the request API Gateway received:
    the whole middleware stack runs, CSRF check included (Django's test client would skip it and add its own
    bookkeeping of rendered templates)."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "HTTP_COOKIE": "; ".join(f"{name}={value}" for name, value in cookies.items()),
        "HTTP_X_CSRFTOKEN": CSRF_COOKIE["csrftoken"],
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
    }
    statuses = []
    response = site(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        answer = b"".join(response)
    finally:
        response.close()  # as every WSGI server does: Django's request_finished (database clean-up) runs here
    return int(statuses[0].split()[0]), answer


def _drain(sqs, queue_url: str) -> None:
    """Take what the last request sent, as the stack's pollers would: moto's SendMessage reads every message still
    in the queue, so a backlog that no function consumes would slow each send a little more."""
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
        "Messages"
    ):
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.runs)))
        return
    result = run(runs=args.runs)
    for name in ("confirm", "inline"):
        print(f"{name:8} p50 {result[name]['p50_ms']:7.1f} ms   p95 {result[name]['p95_ms']:7.1f} ms")
    print(f"speed-up {result['speedup_p50']:.0f}x at p50, {result['speedup_p95']:.0f}x at p95")


if __name__ == "__main__":
    main()
