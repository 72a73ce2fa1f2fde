"""The fault-injected load run's figures: 300 uploads in batches against the local stack under faults, then counts.

    .venv/bin/python -m bench.load_run [--uploads 300] [--users 12]

What is injected and how: bench/load_scenario.py. Writes bench/results/load_run.{json,md}.
"""

import argparse
import json
from dataclasses import replace

from bench import load_scenario
from bench.resize_compare import RESULTS

# What a correct run shows: every count that must be zero (or true) for "nothing lost, nothing done twice".
MUST_BE_ZERO = (
    "photos_stuck",
    "photos_failed_without_reason",
    "good_photos_not_ready",
    "outbox_pending",
    "emails_missing",
    "emails_duplicated",
    "emails_unexpected",
    "upload_received_emails",
    "batches_not_mailed",
    "batches_mailed_twice",
    "tasks_unfinished",
    "tasks_failed",
    "tasks_finished_twice",
    "resize_dlq_unexplained",
    "notify_dlq",
    "tasks_dlq",
    "backlog_not_ready",
    "deadlines_missed",
)


def problems(counts: load_scenario.LoadCounts) -> list[str]:
    found = [f"{name} = {getattr(counts, name)}" for name in MUST_BE_ZERO if getattr(counts, name)]
    if counts.poison_failed != counts.poison_uploads:
        found.append(f"only {counts.poison_failed} of {counts.poison_uploads} poison uploads failed")
    if counts.database_window_errors != counts.database_window_requests:
        found.append(
            f"only {counts.database_window_errors} of {counts.database_window_requests} requests made while the"
            " database did not answer answered with an error"
        )
    return found


def markdown(counts: load_scenario.LoadCounts, plan: load_scenario.LoadPlan) -> str:
    lines = [
        f"Fault-injected load run: {plan.uploads} uploads ({plan.poison} not images) by {plan.users} concurrent users, "
        f"{plan.batch_size} files per batch; {plan.site_sqs_failure_rate:.0%} of the site's SQS sends fail, "
        f"{plan.function_s3_failure_rate:.0%} of the functions' S3 requests and {plan.ses_throttle_rate:.0%} of SES "
        f"sends are refused per attempt, {plan.duplicate_fraction:.0%} of the sent messages are delivered twice, the "
        f"resize function's pollers and then the site's tasks worker (sent copies of {plan.tasks_resent} task "
        f"messages a second until it holds some) are killed mid-batch and restarted. Faults that "
        f"hang: SQS does not answer the site's sends for {plan.sqs_silent_seconds:g} s; S3 answers "
        f"{plan.s3_slow_rate:.0%} of all requests after {plan.s3_slow_answer_seconds:g} s for "
        f"{plan.s3_slow_window_seconds:g} s; for {plan.database_window_seconds:g} s every SQL statement of the site "
        f"and its sweep waits {plan.database_wait_seconds:g} s and fails (SQLite standing in for a PostgreSQL that "
        f"stopped answering, bounded by its {plan.database_wait_seconds:g} s connect timeout), while "
        f"{plan.database_probes} requests are made; {plan.backlog:,} photos are stuck in processing when the run "
        f"starts. The sweep (`web.scheduled.sweep`, in a process of its own with the site function's "
        f"{load_scenario.SITE_TIMEOUT_SECONDS} s) runs {plan.sweep_every:g} s after the previous run ended. A "
        f"deadline is missed by a request or a sweep run longer than the site function's timeout.",
        "",
        "| count | value |",
        "|---|---:|",
    ]
    for name, value in load_scenario.as_dict(counts).items():
        if isinstance(value, dict):
            value = ", ".join(f"{key} {number}" for key, number in sorted(value.items())) or "-"
        elif isinstance(value, float):
            value = f"{value:.1f} s"
        lines.append(f"| {name.replace('_', ' ')} | {value} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=load_scenario.LoadPlan.uploads)
    parser.add_argument("--users", type=int, default=load_scenario.LoadPlan.users)
    args = parser.parse_args()
    plan = replace(load_scenario.LoadPlan(), uploads=args.uploads, users=args.users)
    counts = load_scenario.run(plan)
    table = markdown(counts, plan)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load_run.json").write_text(json.dumps(load_scenario.as_dict(counts), indent=2) + "\n")
    (RESULTS / "load_run.md").write_text(table)
    found = problems(counts)
    print("load run: " + ("; ".join(found) if found else "nothing lost, nothing done twice, no deadline missed"))
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
