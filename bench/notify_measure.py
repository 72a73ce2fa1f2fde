"""Measures the notify function so the template can pick its memory size and timeout.

    .venv/bin/python -m bench.notify_measure [--messages 500] [--runs 5]

Each measurement runs in a fresh interpreter with the function's folder on PYTHONPATH, as Lambda has it:
- cold import of notify.py (median of --runs), and the peak RSS right after it;
- the function's own footprint: import, the three boto3 clients, and the pure core (validate + render + build
  the SES request) over --messages messages, with its peak RSS; no moto in that process;
- end to end through lambda_handler in batches of ten against moto in-process (SES v2 + DynamoDB), first
  sends then the same messages again (all duplicates). moto answers in-process, so this is the function's CPU
  cost plus moto's, without network latency; the peak RSS there includes moto itself.
Nothing reaches AWS: fake credentials, and moto intercepts every call.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTION_DIR = ROOT / "functions" / "notify"
SAMPLES = ROOT / "tests" / "events"
BATCH_SIZE = 10
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "DARKROOM_SENDER": "Darkroom <no-reply@darkroom.example>",
    "DARKROOM_SITE_ORIGIN": "http://testserver",  # the samples' links
    "DARKROOM_SES_CONFIGURATION_SET": "darkroom-mail",
    "DARKROOM_IDEMPOTENCY_TABLE": "darkroom-idempotency",
    # As deployed: one INFO line per email and one EMF document per invocation are part of the cost.
    "POWERTOOLS_SERVICE_NAME": "notify",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def messages(count: int) -> list[dict]:
    """`count` distinct messages cycling through the sample kinds, each with its own idempotency key; a reset
    link's expiry moved ahead, so notify sends it rather than dropping it as dead."""
    samples = [_unexpired(json.loads(path.read_text())) for path in sorted(SAMPLES.glob("notify_*.json"))]
    return [
        {**samples[n % len(samples)], "idempotency_key": f"bench:{n}", "to": f"user{n}@example.com"}
        for n in range(count)
    ]


def _unexpired(message: dict) -> dict:
    if "expires_at" not in message.get("data", {}):
        return message
    return {**message, "data": {**message["data"], "expires_at": "2999-01-01T00:00:00Z"}}


def worker_import() -> dict:
    started = time.perf_counter()
    import notify  # noqa: F401

    return {"import_ms": (time.perf_counter() - started) * 1000, "peak_rss_mib": peak_rss_mib()}


def worker_core(count: int) -> dict:
    import mail
    import mail_clients
    import notify

    started = time.perf_counter()
    for getter in (mail_clients.ses, mail_clients.sqs, mail_clients.dynamodb):
        getter()
    clients_ms = (time.perf_counter() - started) * 1000
    settings = notify.settings()
    bodies = [json.dumps(message) for message in messages(count)]
    started = time.perf_counter()
    for body in bodies:
        mail.send_email_request(mail.parse_message(body), settings=settings)
    core_us = (time.perf_counter() - started) / count * 1e6
    return {"clients_ms": clients_ms, "core_us_per_message": core_us, "peak_rss_mib": peak_rss_mib()}


def worker_moto(count: int) -> dict:
    import boto3
    from moto import mock_aws

    import notify

    with mock_aws():
        boto3.client("sesv2").create_email_identity(EmailIdentity="darkroom.example")
        boto3.client("dynamodb").create_table(
            TableName=os.environ["DARKROOM_IDEMPOTENCY_TABLE"],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        batches = [_event(messages(count)[start : start + BATCH_SIZE]) for start in range(0, count, BATCH_SIZE)]
        notify.lambda_handler(_event(messages(1)), _Context())  # warm: clients, templates, first DynamoDB call
        result = {}
        for label in ("send", "duplicate"):
            started = time.perf_counter()
            for event in batches:
                response = notify.lambda_handler(event, _Context())
                assert not response["batchItemFailures"], response
            result[f"{label}_ms_per_message"] = (time.perf_counter() - started) / count * 1000
    result["peak_rss_mib"] = peak_rss_mib()
    return result


def _event(batch: list[dict]) -> dict:
    return {
        "Records": [
            {
                "messageId": f"m-{n}",
                "receiptHandle": f"r-{n}",
                "body": json.dumps(message),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:darkroom-notify",
                "awsRegion": "us-east-1",
            }
            for n, message in enumerate(batch)
        ]
    }


class _Context:
    function_name = "darkroom-notify"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:darkroom-notify"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def _run(worker: str, count: int) -> dict:
    environment = {key: value for key, value in os.environ.items() if key not in {"AWS_PROFILE", "AWS_ENDPOINT_URL"}}
    environment |= ENVIRONMENT | {"PYTHONPATH": os.pathsep.join([str(ROOT), str(FUNCTION_DIR)])}
    command = [sys.executable, "-m", "bench.notify_measure", "--worker", worker, "--messages", str(count)]
    output = subprocess.check_output(command, cwd=ROOT, env=environment, text=True)
    return json.loads(output.splitlines()[-1])  # the function's own log lines come first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--worker", choices=["import", "core", "moto"], help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        worker = {"import": worker_import, "core": worker_core, "moto": worker_moto}[arguments.worker]
        print(json.dumps(worker() if arguments.worker == "import" else worker(arguments.messages)))
        return

    imports = [_run("import", arguments.messages) for _ in range(arguments.runs)]
    core = _run("core", arguments.messages)
    moto = _run("moto", arguments.messages)
    print(f"notify, {arguments.messages} messages, Python {sys.version.split()[0]}")
    print(
        f"  cold import notify.py:          {statistics.median(r['import_ms'] for r in imports):.0f} ms "
        f"(median of {arguments.runs}), peak RSS {max(r['peak_rss_mib'] for r in imports):.0f} MiB"
    )
    print(f"  first use of the 3 clients:     {core['clients_ms']:.0f} ms")
    print(f"  pure core (validate+render):    {core['core_us_per_message']:.0f} us/message")
    print(f"  function footprint peak RSS:    {core['peak_rss_mib']:.0f} MiB (import + clients + core, no moto)")
    print(f"  handler, new messages (moto):   {moto['send_ms_per_message']:.1f} ms/message")
    print(f"  handler, duplicates (moto):     {moto['duplicate_ms_per_message']:.1f} ms/message")
    print(f"  peak RSS with moto in-process:  {moto['peak_rss_mib']:.0f} MiB (includes moto)")


if __name__ == "__main__":
    main()
