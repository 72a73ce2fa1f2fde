"""Pick to preview, and pick to developed thumbnail, as a user sees them in the gallery (issue 14's 100 ms bound).

Debian's Chromium (Playwright) on the deployed-like local stack of bench/gallery_site.py picks 1 photo, then 20 at
once, a few rounds each: the real 12 MP photo as a phone's JPEG (bench/photo_files.py). Both moments are taken
in the page from the file input's change event: when each file's own pixels (its object URL) have loaded in its
tile, and when its developed thumbnail has replaced them.

    .venv/bin/python -m bench.preview_latency     # about a minute; writes bench/results/preview_latency.{json,md}
"""

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.gallery_site import GallerySite
from bench.photo_files import twelve_megapixel_jpeg
from bench.resize_compare import RESULTS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
BATCHES = {1: 10, 20: 4}  # files picked at once: rounds
# Per picked file, on the page's clock: when it was picked, the first frame its tile had its picture in (a decoded
# canvas, or a loaded image), and the first frame its developed thumbnail was loaded in.
WATCH = """() => {
  window.__picks = [];
  const tiles = new Map();
  let picked = null;
  document.addEventListener("change", (event) => {
    if (event.target.id === "file-input") picked = performance.now();
  }, true);
  const hasPicture = (tile) => [...tile.querySelectorAll("img, canvas")].some((picture) =>
    picture.tagName === "CANVAS" ? picture.width > 0 : picture.complete && picture.naturalWidth > 0);
  const developed = [];
  const frame = () => {
    const now = performance.now();
    document.querySelectorAll("#gallery .tile.local:not([data-watched])").forEach((tile) => {
      tile.dataset.watched = "";
      const picture = tile.querySelector("img, canvas");
      const entry = {picked, shown: null, developed: null, name: picture.alt || picture.getAttribute("aria-label")};
      window.__picks.push(entry);
      tiles.set(entry, tile);
    });
    tiles.forEach((tile, entry) => {
      if (entry.shown === null && hasPicture(tile)) entry.shown = now;
    });
    document.querySelectorAll('#gallery .tile[data-status="ready"] img:not([data-counted])').forEach((image) => {
      if (!image.complete || !image.naturalWidth) return;
      image.dataset.counted = "";
      const entry = window.__picks.find((pick) => pick.name === image.alt && pick.developed === null);
      if (entry) entry.developed = now;
    });
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict:
    median, p95 = statistics.median(values), percentile(values, 0.95)
    return {"n": len(values), "p50_ms": round(median, 1), "p95_ms": round(p95, 1)}


def measure(site: GallerySite, folder: Path) -> dict:
    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=site.url)
        context.add_cookies([{"name": k, "value": v, "url": site.url} for k, v in site.cookies.items()])
        for count, rounds in BATCHES.items():
            picks = []
            for round_number in range(rounds):
                files = []
                for index in range(count):
                    path = folder / f"{count}-{round_number}-IMG_{4100 + index:04d}.JPG"
                    path.write_bytes(twelve_megapixel_jpeg())
                    files.append(str(path))
                page = context.new_page()
                page.goto("/photos/", wait_until="networkidle")  # as a person's pick comes: not in the first 0.5 s
                page.evaluate(WATCH)
                page.set_input_files("#file-input", files)
                page.wait_for_function(
                    f"() => window.__picks.length === {count} && window.__picks.every((pick) => pick.developed)",
                    timeout=300_000,
                )
                picks += page.evaluate("window.__picks")
                page.close()
            results[str(count)] = {
                "rounds": rounds,
                "pick_to_preview": summary([pick["shown"] - pick["picked"] for pick in picks]),
                "pick_to_developed": summary([pick["developed"] - pick["picked"] for pick in picks]),
            }
        browser.close()
    return results


def run() -> dict:
    with tempfile.TemporaryDirectory(prefix="darkroom-preview-") as workdir:
        with GallerySite(Path(workdir), photos=1) as site:
            started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
            batches = measure(site, Path(workdir))
    return {"started": started, "cpus": os.cpu_count(), "batches": batches}


def markdown(results: dict) -> str:
    lines = [
        f"Pick to preview and pick to developed thumbnail in Debian's Chromium at 390 px, on the local stack, for a"
        " real 12 MP phone JPEG (bench/photos/); "
        f"{results['cpus']} CPUs; {results['started']}.",
        "",
        "| files picked at once | files measured | pick → preview p50 | p95 | pick → developed p50 | p95 |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for count, batch in results["batches"].items():
        preview, developed = batch["pick_to_preview"], batch["pick_to_developed"]
        lines.append(
            f"| {count} | {preview['n']} | {preview['p50_ms']:.0f} ms | {preview['p95_ms']:.0f} ms "
            f"| {developed['p50_ms'] / 1000:.1f} s | {developed['p95_ms'] / 1000:.1f} s |"
        )
    return "\n".join(lines) + "\n"


def bench_step() -> dict:
    """Measures, writes preview_latency.{json,md}, and returns the figures for figures.json."""
    results = run()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "preview_latency.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "preview_latency.md").write_text(markdown(results))
    return results


def main() -> None:
    print(markdown(bench_step()))
    print(f"bench: wrote {RESULTS / 'preview_latency'}.json and .md")


if __name__ == "__main__":
    main()
