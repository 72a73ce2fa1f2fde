"""Cold start: the import time of each handler module and of the site's WSGI application, each in a fresh process
with what Lambda puts on its path (the function's folder; the repository root for the site), median of N runs.

    .venv/bin/python -m bench.cold_start [--runs 7]

It is the import only (the part Darkroom's code controls), not the interpreter's own start or Lambda's sandbox.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

from devstack.stack import ROOT

# What each cold start imports, the folder Lambda would put on sys.path, and the environment the import reads.
TARGETS = {
    "resize.py": ("resize", ROOT / "functions" / "resize", {"POWERTOOLS_SERVICE_NAME": "resize"}),
    "notify.py": (
        "notify",
        ROOT / "functions" / "notify",
        {
            "DARKROOM_SENDER": "Darkroom <no-reply@darkroom.example>",
            "DARKROOM_IDEMPOTENCY_TABLE": "darkroom-idempotency",
            "POWERTOOLS_SERVICE_NAME": "notify",
        },
    ),
    "web.wsgi": (
        "web.wsgi",
        ROOT,
        {"DJANGO_SETTINGS_MODULE": "web.settings", "DJANGO_SECRET_KEY": "bench", "DJANGO_ALLOWED_HOSTS": "bench"},
    ),
}
PROBE = "import importlib, sys, time; t = time.perf_counter(); importlib.import_module(sys.argv[1]); "
PROBE += "print((time.perf_counter() - t) * 1000)"


def import_ms(module: str, path, environment: dict[str, str]) -> float:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DARKROOM_", "AWS_"))}
    clean |= environment | {"PYTHONPATH": str(path), "AWS_DEFAULT_REGION": "us-east-1", "PYTHONDONTWRITEBYTECODE": ""}
    output = subprocess.run(
        [sys.executable, "-c", PROBE, module], cwd=path, env=clean, capture_output=True, text=True, check=True
    )
    return float(output.stdout.split()[-1])


def run(*, runs: int = 7) -> dict:
    results = {}
    for name, (module, path, environment) in TARGETS.items():
        import_ms(module, path, environment)  # the first run may compile .pyc files; Lambda's package has them
        samples = [import_ms(module, path, environment) for _ in range(runs)]
        results[name] = {"median_ms": statistics.median(samples), "samples_ms": samples}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps({name: round(result["median_ms"]) for name, result in run(runs=args.runs).items()}))


if __name__ == "__main__":
    main()
