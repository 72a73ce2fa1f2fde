"""Background tasks' latency (issue 15): what `.enqueue()` adds to a request, next to the outbox send of one resize
message, and how long a task takes from `.enqueue()` to SUCCESSFUL on the local stack, one at a time and 50 at once.

    .venv/bin/python -m bench.task_latency [--runs 50] [--burst 50]   # about a minute; writes task_latency.{json,md}

1. The cost, in a process of its own as bench/upload_latency.py measures the confirm request: Django in-process on a
   SQLite file (WAL, synchronous=NORMAL), moto server (devstack.moto_server) in another process as AWS is remote, no
   pollers (the queues are drained between samples, untimed). Each sample is a transaction as a view's service opens
   one: `echo.enqueue(1)` in one, `outbox_enqueue` of a resize request in the other, timed from entering the
   block to leaving it, so with the commit and the on-commit send. The two alternate.
2. Enqueue to finished, on bench/local_site.py's stack: moto server (in this process), the function pollers and
   the site-tasks poller (devstack.lambda_sqs running web.tasks.worker.handle_sqs_event, one process, batches of up
   to 10). Another process with the site's environment enqueues bench.task_echo.echo, and polls get_result every
   5 ms until it is SUCCESSFUL. One at a time, each after a random pause of up to a second (so it arrives anywhere in
   the poller's long poll); then three bursts of 50 enqueued in one transaction, each message sent by its own
   on-commit send. The figures are the task row's started_at and finished_at (the worker's clock, the same
   machine's) less the clock read just before `.enqueue()`.
"""

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.local_site import LocalSite
from bench.resize_compare import RESULTS
from bench.site_in_process import site_beside_moto
from bench.upload_latency import _drain, percentile
from devstack.stack import ROOT

WARM_UP = 3
BURST_ROUNDS = 3
POLL_SECONDS = 0.005
PAUSE_SECONDS = 1.0  # the poller's long poll asks for 1 s (devstack/lambda_sqs.py)
TIMEOUT_SECONDS = 120


def summary(values: list[float]) -> dict:
    median, p95 = statistics.median(values), percentile(values, 0.95)
    return {"n": len(values), "p50_ms": round(median, 2), "p95_ms": round(p95, 2)}


def run(*, runs: int = 50, burst: int = 50) -> dict:
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    cost = _in_worker("cost", {**os.environ, "PYTHONPATH": str(ROOT)}, runs=runs, burst=burst)
    with tempfile.TemporaryDirectory(prefix="darkroom-tasks-") as workdir, LocalSite(Path(workdir)) as site:
        latency = _in_worker("latency", site._site_environment(), runs=runs, burst=burst)
    singles, bursts = latency["singles"], latency["bursts"]
    return {
        "started": started,
        "cpus": os.cpu_count(),
        "cost": {
            name: {"total": summary(samples["total_ms"]), "in_transaction": summary(samples["inside_ms"])}
            for name, samples in cost.items()
        },
        "singles": {
            "enqueue_returned": summary([sample["returned_ms"] for sample in singles]),
            "started": summary([sample["started_ms"] for sample in singles]),
            "finished": summary([sample["finished_ms"] for sample in singles]),
            "seen_by_get_result": summary([sample["seen_ms"] for sample in singles]),
        },
        "burst": {
            "size": burst,
            "rounds": len(bursts),
            "before_commit": summary([round_["inside_ms"] for round_ in bursts]),
            "committed_and_sent": summary([round_["committed_ms"] for round_ in bursts]),
            "finished": summary([value for round_ in bursts for value in round_["finished_ms"]]),
            "last_finished": summary([max(round_["finished_ms"]) for round_ in bursts]),
        },
    }


def _in_worker(part: str, environment: dict[str, str], *, runs: int, burst: int) -> dict:
    command = [sys.executable, "-m", "bench.task_latency", f"--worker={part}", f"--runs={runs}", f"--burst={burst}"]
    output = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False)
    if output.returncode != 0:
        raise RuntimeError(output.stderr[-3000:])
    return json.loads(output.stdout.splitlines()[-1])


def worker_cost(runs: int) -> dict:
    """Part 1, in its own process: moto server in another, Django here on a fresh SQLite file."""
    workdir = Path(tempfile.mkdtemp(prefix="darkroom-enqueue-"))
    with site_beside_moto(workdir / "tasks.sqlite3"):
        return _measure_cost(runs)


def _measure_cost(runs: int) -> dict:
    import boto3
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from bench.task_echo import echo
    from web import contracts
    from web.correlation import new_correlation_id
    from web.outbox.services import outbox_enqueue

    call_command("migrate", verbosity=0)

    def outbox_send() -> None:
        photo_id = str(uuid.uuid4())
        message = contracts.resize_requested(
            photo_id=photo_id,
            source_key=f"uploads/1/{photo_id}",
            source_etag='"0"',
            output_prefix=f"renditions/{photo_id}/",
            correlation_id=new_correlation_id(),
        )
        outbox_enqueue(contracts.Message(contracts.Queue.RESIZE, message))

    variants = {"enqueue": lambda: echo.enqueue(1), "outbox_send": outbox_send}
    sqs = boto3.client("sqs")
    queue_urls = [os.environ["DARKROOM_TASKS_QUEUE_URL"], os.environ["DARKROOM_RESIZE_QUEUE_URL"]]
    timings = {name: {"total_ms": [], "inside_ms": []} for name in variants}
    for run_number in range(runs + WARM_UP):
        for name, variant in variants.items():
            for queue_url in queue_urls:
                _drain(sqs, queue_url)
            gc.collect()
            started = time.perf_counter()
            with transaction.atomic():
                variant()
                inside = time.perf_counter()
            finished = time.perf_counter()
            if run_number >= WARM_UP:
                timings[name]["inside_ms"].append((inside - started) * 1000)
                timings[name]["total_ms"].append((finished - started) * 1000)
    return timings


def worker_latency(runs: int, burst: int) -> dict:
    """Part 2, with the local site's environment: its database and moto server, the site-tasks poller consuming."""
    import django

    django.setup()
    from django.db import transaction
    from django.tasks import TaskResultStatus

    from bench.task_echo import echo

    def finished(task_id: str, deadline: float):
        while (result := echo.get_result(task_id)).status != TaskResultStatus.SUCCESSFUL:
            if result.status == TaskResultStatus.FAILED or time.monotonic() > deadline:
                raise RuntimeError(f"task {task_id}: {result.status} after {TIMEOUT_SECONDS} s at most")
            time.sleep(POLL_SECONDS)
        return result

    singles = []
    for number in range(WARM_UP + runs):
        time.sleep(random.uniform(0, PAUSE_SECONDS))
        wall, started = time.time(), time.perf_counter()
        task_id = echo.enqueue(number).id
        returned = time.perf_counter()
        result = finished(task_id, time.monotonic() + TIMEOUT_SECONDS)
        seen = time.perf_counter()
        if number >= WARM_UP:
            singles.append(
                {
                    "returned_ms": (returned - started) * 1000,
                    "started_ms": (result.started_at.timestamp() - wall) * 1000,
                    "finished_ms": (result.finished_at.timestamp() - wall) * 1000,
                    "seen_ms": (seen - started) * 1000,
                }
            )
    bursts = []
    for _ in range(BURST_ROUNDS):
        time.sleep(random.uniform(0, PAUSE_SECONDS))
        wall, started = time.time(), time.perf_counter()
        with transaction.atomic():
            task_ids = [echo.enqueue(number).id for number in range(burst)]
            inside = time.perf_counter()
        committed = time.perf_counter()
        deadline = time.monotonic() + TIMEOUT_SECONDS
        results = [finished(task_id, deadline) for task_id in task_ids]
        bursts.append(
            {
                "inside_ms": (inside - started) * 1000,
                "committed_ms": (committed - started) * 1000,
                "finished_ms": [(result.finished_at.timestamp() - wall) * 1000 for result in results],
            }
        )
    return {"singles": singles, "bursts": bursts}


def markdown(results: dict) -> str:
    cost, singles, burst = results["cost"], results["singles"], results["burst"]

    def ms(figures: dict, key: str) -> str:
        return f"{figures[key]:.1f} ms" if figures[key] < 100 else f"{figures[key]:.0f} ms"

    lines = [
        f"Background tasks on the local stack (moto server, SQLite); {results['cpus']} CPUs; {results['started']}. "
        "How: the docstring of `bench/task_latency.py`.",
        "",
        "What `.enqueue()` adds to a request, next to today's outbox send of one message: one transaction, timed from "
        "entering it to leaving it (its body, its commit and the on-commit SQS send), against moto server in a process "
        "of its own; "
        f"{cost['enqueue']['total']['n']} of each, alternating.",
        "",
        "| in one transaction | p50 | p95 | of which before the commit (p50) |",
        "|---|---:|---:|---:|",
    ]
    names = {"enqueue": "`echo.enqueue(1)`", "outbox_send": "`outbox_enqueue` of a resize request"}
    for name, label in names.items():
        total, inside = cost[name]["total"], cost[name]["in_transaction"]
        lines.append(f"| {label} | {ms(total, 'p50_ms')} | {ms(total, 'p95_ms')} | {ms(inside, 'p50_ms')} |")
    lines += [
        "",
        "From `.enqueue()` to the task's row SUCCESSFUL (its `finished_at`, less the clock read before the call), with "
        "the site-tasks poller consuming the queue:",
        "",
        "| tasks | measured | p50 | p95 |",
        "|---|---:|---:|---:|",
        f"| one at a time, `.enqueue()` returned | {singles['finished']['n']} "
        f"| {ms(singles['enqueue_returned'], 'p50_ms')} | {ms(singles['enqueue_returned'], 'p95_ms')} |",
        f"| one at a time, started (`started_at`) | {singles['started']['n']} "
        f"| {ms(singles['started'], 'p50_ms')} | {ms(singles['started'], 'p95_ms')} |",
        f"| one at a time, finished (`finished_at`) | {singles['finished']['n']} "
        f"| {ms(singles['finished'], 'p50_ms')} | {ms(singles['finished'], 'p95_ms')} |",
        f"| one at a time, SUCCESSFUL seen by `get_result` (polled every {POLL_SECONDS * 1000:.0f} ms) "
        f"| {singles['seen_by_get_result']['n']} "
        f"| {ms(singles['seen_by_get_result'], 'p50_ms')} | {ms(singles['seen_by_get_result'], 'p95_ms')} |",
        f"| {burst['size']} at once (one transaction), committed and every message sent | {burst['rounds']} bursts "
        f"| {ms(burst['committed_and_sent'], 'p50_ms')} | {ms(burst['committed_and_sent'], 'p95_ms')} |",
        f"| {burst['size']} at once, each finished | {burst['finished']['n']} "
        f"| {ms(burst['finished'], 'p50_ms')} | {ms(burst['finished'], 'p95_ms')} |",
        f"| {burst['size']} at once, the last finished | {burst['rounds']} bursts "
        f"| {ms(burst['last_finished'], 'p50_ms')} | {ms(burst['last_finished'], 'p95_ms')} |",
        "",
        *_bounds(results),
    ]
    return "\n".join(lines) + "\n"


def _bounds(results: dict) -> list[str]:
    cost, singles, burst = results["cost"], results["singles"], results["burst"]
    run_ms = singles["finished"]["p50_ms"] - singles["started"]["p50_ms"]
    sends_ms = burst["committed_and_sent"]["p50_ms"] - burst["before_commit"]["p50_ms"]
    return [
        "What bounds it:",
        "",
        f"- **One at a time**, a task starts {singles['started']['p50_ms']:.0f} ms (p50) after `.enqueue()` is called "
        f"(which returns after {singles['enqueue_returned']['p50_ms']:.0f} ms: after its send it records the message "
        "sent, in another write): the commit, the on-commit send "
        f"({cost['enqueue']['total']['p50_ms']:.0f} ms for the whole transaction in the first table; more here, with "
        "the pollers and moto server sharing 2 CPUs and SQLite syncing every commit), then the poller's receive and "
        "the worker's claim, a write transaction. The poller's 1 s long poll adds nothing: moto, like SQS, answers a "
        "waiting long poll as soon as a message arrives, and the tasks here came at random points of it. The run "
        f"itself, the call and its SUCCESSFUL write, is {run_ms:.0f} ms at p50; a `get_result` poll sees it a few "
        "milliseconds later.",
        f"- **{burst['size']} at once in one transaction**: the sending, not the worker. The transaction's body takes "
        f"{burst['before_commit']['p50_ms']:.0f} ms, then its on-commit sends {sends_ms:.0f} ms: each `.enqueue()` "
        "registers its own on-commit send, so the messages go one after another, each followed by its own write "
        "recording it sent (`outbox_enqueue` sends in parallel only the messages of one call). The worker (one "
        "poller, batches of up to 10, one task after another) keeps up: the last task finishes "
        f"{burst['last_finished']['p50_ms']:.0f} ms after the first `.enqueue()`, "
        f"{burst['last_finished']['p50_ms'] - burst['committed_and_sent']['p50_ms']:.0f} ms after the last send "
        "returned (p50 of both). On AWS the site's "
        "Lambda also runs several batches at once; locally, LocalSite(concurrency={'tasks': n}) would.",
    ]


def bench_step(*, quick: bool = False) -> dict:
    """Measures, writes task_latency.{json,md}, and returns the figures for figures.json."""
    return write(run(runs=20 if quick else 50), name="task_latency-quick" if quick else "task_latency")


def write(results: dict, *, name: str = "task_latency") -> dict:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown(results))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--worker", choices=["cost", "latency"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        import logging

        logging.disable(logging.INFO)  # one log line per send would be timed too
        measured = worker_cost(args.runs) if args.worker == "cost" else worker_latency(args.runs, args.burst)
        print(json.dumps(measured))
        return
    print(markdown(write(run(runs=args.runs, burst=args.burst))))
    print(f"bench: wrote {RESULTS / 'task_latency'}.json and .md")


if __name__ == "__main__":
    main()
