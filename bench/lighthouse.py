"""Lighthouse on the gallery with 30 photos, the viewer's page and the plain pages (home, login, signup), on a
deployed-like local site (bench/gallery_site.py); and the gallery's JavaScript and CSS weight (bench/page_weight.py).
Writes bench/results/lighthouse.{json,md}.

    .venv/bin/python -m bench.lighthouse [--runs 3]    # about 8 minutes: make node, and Debian's chromium

Lighthouse 12.2.3 from package-lock.json (`make node`) drives /usr/bin/chromium with its default mobile emulation
(a Moto G Power, simulated 4G and 4x CPU slowdown). The logged-in pages get the session cookie via --extra-headers.
Each page runs `--runs` times, interleaved; the report gives each category's and metric's median.
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench import lighthouse_audits, lighthouse_report, page_weight
from bench.gallery_site import GallerySite
from bench.lighthouse_audits import CATEGORIES
from bench.resize_compare import RESULTS
from devstack.stack import ROOT

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = page_weight.CHROMIUM
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --no-first-run"
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100}  # issue 14, for the gallery and viewer
TARGET_PAGES = {"gallery", "viewer"}
ATTEMPTS = 3


def run(*, runs: int = 3) -> dict:
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE.relative_to(ROOT)} is missing: run `make node` (npm ci)")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: install Debian's chromium (docs/testing.md, Setup)")
    started, started_at = time.monotonic(), time.strftime("%Y-%m-%d %H:%M:%S %Z")
    with tempfile.TemporaryDirectory(prefix="darkroom-lighthouse-") as workdir, GallerySite(Path(workdir)) as site:
        pages = {
            "gallery": ("/photos/", True),
            "viewer": (f"/photos/{site.newest_photo_id}/", True),
            "home": ("/", False),
            "login": ("/login/", False),
            "signup": ("/signup/", False),
        }
        reports: dict[str, list[dict]] = {name: [] for name in pages}
        for number in range(runs):  # interleaved: a slow minute of the machine touches every page alike
            for name, (path, logged_in) in pages.items():
                output = Path(workdir) / f"{name}-{number}.json"
                reports[name].append(lighthouse(site.url + path, output, cookies=site.cookies if logged_in else None))
        weight = page_weight.measure(url=site.url + "/photos/", cookies=site.cookies)
        facts = page_weight.paint_facts(
            {name: (site.url + path, site.cookies if logged_in else None) for name, (path, logged_in) in pages.items()}
        )
    first = reports["gallery"][0]
    return {
        "started": started_at,
        "duration_s": round(time.monotonic() - started),
        "runs": runs,
        "environment": {
            "lighthouse": first["lighthouseVersion"],
            "chromium": _chromium_version(),
            "user_agent": first["environment"]["hostUserAgent"],
            "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
            "cpu_count": os.cpu_count(),
            "benchmark_index": statistics.median(
                report["environment"]["benchmarkIndex"] for page in reports.values() for report in page
            ),
            "form_factor": first["configSettings"]["formFactor"],
            "throttling_method": first["configSettings"]["throttlingMethod"],
        },
        "site": {
            "photos": site.photo_count,
            "settings": "bench.deployed_settings: web.settings with DEBUG and DARKROOM_LOCAL off, over plain HTTP",
            "static_files": "collectstatic, whitenoise's CompressedManifestStaticFilesStorage, served by whitenoise",
            "server": "bench.site_server (Django's threaded WSGI server) on 127.0.0.1; images from moto's S3",
        },
        "targets": {**TARGETS, "pages": sorted(TARGET_PAGES), "gallery_js_css_bytes": page_weight.BUDGET_BYTES},
        "pages": {
            name: _page(name, path, logged_in, reports[name], facts[name]) for name, (path, logged_in) in pages.items()
        },
        "page_weight": weight,
    }


def lighthouse(url: str, output: Path, *, cookies: dict[str, str] | None) -> dict:
    """One Lighthouse run; a run Lighthouse itself gives up on (its trace lost, NO_NAVSTART now and then with this
    Chromium) is run again, up to ATTEMPTS times, and the report records the retries."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={','.join(CATEGORIES)}",
    ]
    if cookies:
        cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    errors = []
    for _attempt in range(ATTEMPTS):
        output.unlink(missing_ok=True)
        done = subprocess.run(command, env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True)
        report = json.loads(output.read_text()) if done.returncode == 0 and output.exists() else {}
        if report and not report.get("runtimeError"):
            return {**report, "darkroomRetries": errors}
        errors.append(report.get("runtimeError", {}).get("code") or done.stderr.strip()[-300:])
    raise RuntimeError(f"lighthouse {url} failed {ATTEMPTS} times: {errors}")


def _page(name: str, path: str, logged_in: bool, reports: list[dict], paint: dict) -> dict:
    page = {"path": path, "logged_in": logged_in, **lighthouse_audits.summary(reports)}
    if name in TARGET_PAGES:
        page["verdicts"] = {
            category: page["median"]["scores"][category] >= TARGETS[category] for category in CATEGORIES
        }
    return {**page, "browser_paint": paint}


def _chromium_version() -> str:
    done = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True)
    return done.stdout.strip()


def write(results: dict, *, name: str = "lighthouse") -> Path:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / f"{name}.md").write_text(lighthouse_report.markdown(results))
    return RESULTS / name


def bench_step(*, quick: bool = False) -> dict:
    """`python -m bench`'s step: one run per page when quick; writes lighthouse(-quick).{json,md} and returns the
    medians and the gallery's weights for figures.json."""
    results = run(runs=1 if quick else 3)
    write(results, name="lighthouse-quick" if quick else "lighthouse")
    weight = results["page_weight"]
    return {
        "medians": {name: page["median"] for name, page in results["pages"].items()},
        "gallery_js_css_bytes": {key: weight[key]["transfer_bytes"] for key in ("page_load", "with_viewer")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.lighthouse", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (default 3: the median)")
    args = parser.parse_args()
    results = run(runs=args.runs)
    written = write(results, name="lighthouse" if args.runs >= 3 else "lighthouse-quick")
    print(lighthouse_report.markdown(results))
    print(f"bench: wrote {written}.json and .md")


if __name__ == "__main__":
    main()
