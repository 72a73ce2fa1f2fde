"""Darkroom's figures in one command: upload latency, end-to-end throughput, cold start, package sizes, cost per
1 M photos, the resize comparison and Lighthouse on the pages. Prints a table; writes
bench/results/figures.{png,json,md} and bench/results/lighthouse.{json,md}.

    .venv/bin/python -m bench            # about 11 minutes (the resize comparison takes 4, Lighthouse 4)
    .venv/bin/python -m bench --quick    # about 4 minutes: fewer samples, 30 photos, the 12 MP resize only, one
                                         # Lighthouse run per page (lighthouse-quick.*)

One benchmark alone: `.venv/bin/python -m bench.<name>`, e.g. bench.lighthouse or bench.upload_latency.
"""

import argparse
import json
import time

from bench import (
    aws_cost,
    cold_start,
    e2e_throughput,
    figures_chart,
    figures_report,
    lighthouse,
    package_sizes,
    preview_latency,
    resize_summary,
    task_latency,
    upload_latency,
)
from bench.resize_compare import RESULTS


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run: fewer samples and photos")
    parser.add_argument("--photos", type=int, default=None, help="photos for the throughput run (default 100)")
    args = parser.parse_args()
    photos = args.photos or (30 if args.quick else 100)
    figures: dict = {"quick": args.quick, "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    steps = [
        ("upload_latency", lambda: upload_latency.run(runs=10 if args.quick else 30)),
        ("throughput", lambda: e2e_throughput.run(photos=photos, users=min(10, photos))),
        ("cold_start", lambda: cold_start.run(runs=3 if args.quick else 7)),
        ("package_sizes", package_sizes.run),
        ("resize_compare", lambda: resize_summary.run(quick=args.quick)),
        ("lighthouse", lambda: lighthouse.bench_step(quick=args.quick)),  # writes lighthouse.{json,md} itself
        ("preview_latency", preview_latency.bench_step),  # writes preview_latency.{json,md} itself
        ("task_latency", lambda: task_latency.bench_step(quick=args.quick)),  # writes task_latency.{json,md} itself
    ]
    for name, step in steps:
        print(f"bench: {name} ...", flush=True)
        started = time.monotonic()
        figures[name] = step()
        print(f"bench: {name} done in {time.monotonic() - started:.0f} s", flush=True)
    latency = figures["upload_latency"]
    throughput = figures["throughput"]
    figures["cost"] = aws_cost.run(
        confirm_ms=latency["confirm"]["p50_ms"],
        resize_ms=latency["resize_ms"],
        email_ms=latency["email_ms"],
        photos_per_email=throughput["photos"] / throughput["upload_emails"],
    )
    RESULTS.mkdir(exist_ok=True)
    name = "figures-quick" if args.quick else "figures"
    figures_chart.draw(figures, RESULTS / f"{name}.png")
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(figures_report.markdown(figures))
    print("\n" + figures_report.terminal(figures))
    print(f"bench: wrote {RESULTS / name}.png, .json and .md")


if __name__ == "__main__":
    main()
