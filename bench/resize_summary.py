"""Runs the resize comparison (bench/resize_compare.py, its own CLI and result files) and keeps its headline rows."""

import json
import subprocess
import sys

from bench.resize_compare import METHODS
from devstack.stack import ROOT

RESULTS = ROOT / "bench" / "results"


def run(*, quick: bool) -> dict:
    command = [sys.executable, "-m", "bench.resize_compare", *(["--quick"] if quick else [])]
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    report = json.loads((RESULTS / f"resize_compare{'-quick' if quick else ''}.json").read_text())
    rows = [
        {"image": image, "method": method, "ms": result["ms"], "peak_mib": result["peak_mib"]}
        for image, methods in report["images"].items()
        for method, result in methods.items()
        if method in METHODS
    ]
    return {"quick": quick, "rows": rows, "source": f"bench/results/resize_compare{'-quick' if quick else ''}.md"}
