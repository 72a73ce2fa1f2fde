"""Darkroom's resize pipeline against the naive Pillow recipe and libvips, on one core, same spec and encoders.

    .venv/bin/python -m bench.resize_compare [--quick] [--runs N] [--avif]

Makes its own photo-like images (bench/resize_images.py), runs each method on each image in a fresh process
pinned to one core (libvips with VIPS_CONCURRENCY=1), and prints per image and spec: median ms per photo, peak
RSS of that process (VmHWM, so libvips' native allocations count) and peak minus the RSS after imports, the
worst SSIM of any rendition against a Lanczos reference made from the full image, both as encoded and with
lossless output (the resampling alone), bytes per rendition, and the ratios the issue sets targets for. Also:
a JPEG and WebP encoder settings sweep, the handler's cold import time, and the peak RSS of the pipeline on a
worst case (a 50 MP RGBA PNG, which has no draft decoding). Results go to bench/results/resize_compare.{json,md}.
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from bench.resize_images import photo_like
from bench.resize_ssim import ssim

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
FUNCTION_DIR = ROOT / "functions" / "resize"
METHODS = ("darkroom", "libvips", "naive")
SPECS = {"jpeg": "jpeg", "full": "jpeg,webp"}
TARGETS = {  # the issue's targets: darkroom's time as a fraction of libvips', and its speed-up over naive
    "jpeg": {"vs_libvips": 0.70, "vs_naive": 3.0},
    "full": {"vs_libvips": 0.85, "vs_naive": 2.5},
}
MIN_SSIM = 0.97


def _env() -> dict[str, str]:
    # The function's folder on the path, as Lambda and pytest put it; libvips held to the one core it gets.
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(FUNCTION_DIR)]),
        "VIPS_CONCURRENCY": "1",
        "DARKROOM_BUCKET": "bench",
        "POWERTOOLS_SERVICE_NAME": "resize",
    }


def _run_worker(method: str, formats: str, image: Path, outdir: Path, runs: int) -> dict:
    command = [sys.executable, "-m", "bench.resize_methods", method, formats, str(image), str(outdir), str(runs)]
    result = json.loads(subprocess.check_output(command, cwd=ROOT, env=_env()))
    return {
        "ms": statistics.median(result["ms"]) if result["ms"] else None,
        "peak_mib": result["peak_kib"] / 1024,
        "work_mib": (result["peak_kib"] - result["baseline_kib"]) / 1024,
    }


def _make_images(directory: Path, quick: bool) -> list[Path]:
    plans = [("12mp.jpg", 4000, 3000, 1)] if quick else [
        ("12mp.jpg", 4000, 3000, 1),
        ("24mp.jpg", 6000, 4000, 2),
        ("15mp.png", 4800, 3200, 3),
    ]  # fmt: skip
    paths = []
    for name, width, height, seed in plans:
        path = directory / name
        image = photo_like(width, height, seed=seed)
        if name.endswith(".jpg"):
            image.save(path, "JPEG", quality=90)
        else:
            image.save(path, "PNG", compress_level=6)
        print(f"made {name}: {width}x{height}, {path.stat().st_size / 2**20:.1f} MiB", flush=True)
        paths.append(path)
    return paths


def _score(source: Path, outdir: Path) -> dict[str, dict]:
    """SSIM and bytes of each rendition; the reference is a Lanczos resize of the full decoded source."""
    full = Image.open(source).convert("RGB")
    references: dict[tuple[int, int], Image.Image] = {}
    scores = {}
    for path in sorted(outdir.iterdir()):
        rendition = Image.open(path).convert("RGB")
        if rendition.size not in references:
            references[rendition.size] = full.resize(rendition.size, Image.Resampling.LANCZOS)
        scores[path.name] = {"ssim": ssim(rendition, references[rendition.size]), "bytes": path.stat().st_size}
    return scores


def _compare_image(image: Path, work: Path, runs: int) -> dict:
    result = {}
    for spec, formats in SPECS.items():
        for method in METHODS:
            outdir = work / f"{image.stem}-{spec}-{method}"
            measured = _run_worker(method, formats, image, outdir, runs)
            measured["renditions"] = _score(image, outdir)
            measured["min_ssim"] = min(item["ssim"] for item in measured["renditions"].values())
            measured["total_bytes"] = sum(item["bytes"] for item in measured["renditions"].values())
            if spec == "full":  # the same method with lossless output: what resampling alone costs in quality
                _run_worker(method, "png", image, work / f"{image.stem}-png-{method}", 0)
                scores = _score(image, work / f"{image.stem}-png-{method}")
                measured["min_ssim_lossless"] = min(item["ssim"] for item in scores.values())
                measured["lossless_ssim"] = {name: item["ssim"] for name, item in scores.items()}
            result.setdefault(spec, {})[method] = measured
            print(
                f"  {image.name:9} {spec:4} {method:8} {measured['ms']:7.1f} ms  peak {measured['peak_mib']:6.1f} MiB"
                f"  (+{measured['work_mib']:5.1f})  min SSIM {measured['min_ssim']:.4f}"
                f" (lossless {measured.get('min_ssim_lossless', float('nan')):.4f})"
                f"  {measured['total_bytes'] / 1024:7.1f} KiB",
                flush=True,
            )
            per_rendition = ", ".join(
                f"{name} {item['bytes'] / 1024:.0f}" for name, item in sorted(measured["renditions"].items())
            )
            print(f"      KiB per rendition: {per_rendition}", flush=True)
        ours, vips, naive = (result[spec][name] for name in METHODS)
        # The floor under every method: decoding (as small as draft allows) and encoding, with no resampling.
        floor = _run_worker("unavoidable", formats, image, work / f"{image.stem}-{spec}-unavoidable", runs)
        result[spec]["unavoidable"] = floor
        result[spec]["ratios"] = {
            "vs_libvips": ours["ms"] / vips["ms"],
            "vs_naive": naive["ms"] / ours["ms"],
            "peak_vs_libvips": ours["peak_mib"] / vips["peak_mib"],
            "best_possible_vs_naive": naive["ms"] / floor["ms"],
        }
        print(
            f"  {image.name:9} {spec:4} decode + encode alone {floor['ms']:7.1f} ms: no method can be more than"
            f" {naive['ms'] / floor['ms']:.2f}x faster than naive",
            flush=True,
        )
    return result


ENCODER_SETTINGS = [
    ("JPEG", {"quality": 82}),
    ("JPEG", {"quality": 82, "optimize": True}),
    ("JPEG", {"quality": 82, "optimize": True, "progressive": True}),
    *[("WEBP", {"quality": 80, "method": method}) for method in range(7)],
]


def _encoder_sweep(image: Path, runs: int) -> list[dict]:
    """Encoder cost alone: Lanczos renditions of `image` at the spec's widths, encoded with each setting."""
    full = Image.open(image).convert("RGB")
    pictures = [full.resize((w, round(full.height * w / full.width)), Image.Resampling.LANCZOS) for w in
                (1920, 960, 480, 240)]  # fmt: skip
    rows = []
    for pillow_format, options in ENCODER_SETTINGS:
        timings, size = [], 0
        for _ in range(runs):
            start, size = time.perf_counter(), 0
            for picture in pictures:
                buffer = io.BytesIO()
                picture.save(buffer, pillow_format, **options)
                size += buffer.tell()
            timings.append((time.perf_counter() - start) * 1000)
        rows.append({"format": pillow_format, "options": options, "ms": statistics.median(timings), "bytes": size})
        print(f"  {pillow_format} {options}: {rows[-1]['ms']:6.1f} ms  {size / 1024:7.1f} KiB", flush=True)
    return rows


def _cold_import(runs: int) -> dict:
    code = "import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"
    result = {}
    for module in ("resize", "renditions"):
        samples = [
            float(subprocess.check_output([sys.executable, "-c", code.format(module=module)], env=_env(), cwd=ROOT))
            for _ in range(runs)
        ]
        result[module] = statistics.median(samples)
        print(f"  cold import {module}: {result[module]:.0f} ms (median of {runs})", flush=True)
    return result


def _worst_case(work: Path) -> dict:
    """Peak RSS on the largest input the cap allows and the most memory per pixel: 50 MP RGBA with no draft."""
    path = work / "50mp-rgba.png"
    gradient = Image.radial_gradient("L").resize((8160, 6120))
    Image.merge("RGBA", [gradient, gradient.transpose(Image.Transpose.ROTATE_180), gradient, gradient]).save(path)
    measured = _run_worker("darkroom", "jpeg,webp", path, work / "worst", 1)
    print(f"  worst case 50 MP RGBA PNG: {measured['ms']:.0f} ms, peak {measured['peak_mib']:.0f} MiB", flush=True)
    return measured


def _markdown(report: dict) -> str:
    lines = [
        "| image | spec | method | ms/photo | peak MiB | MiB over imports | min SSIM | KiB total |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for image, specs in report["images"].items():
        for spec, methods in specs.items():
            for method in METHODS:
                m = methods[method]
                lines.append(
                    f"| {image} | {spec} | {method} | {m['ms']:.0f} | {m['peak_mib']:.0f} | {m['work_mib']:.0f}"
                    f" | {m['min_ssim']:.4f} | {m['total_bytes'] / 1024:.0f} |"
                )
    lines += [
        "",
        "| image | spec | darkroom/libvips time (target) | naive/darkroom (target) | peak darkroom/libvips"
        " | decode + encode alone | naive/that: the most any method can reach |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for image, specs in report["images"].items():
        for spec, methods in specs.items():
            r, t = methods["ratios"], TARGETS[spec]
            lines.append(
                f"| {image} | {spec} | {r['vs_libvips']:.2f} (<= {t['vs_libvips']}) | {r['vs_naive']:.2f}x"
                f" (>= {t['vs_naive']}x) | {r['peak_vs_libvips']:.2f} (<= 1) | {methods['unavoidable']['ms']:.0f} ms"
                f" | {r['best_possible_vs_naive']:.2f}x |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 12 MP JPEG only, fewer runs")
    parser.add_argument("--runs", type=int, default=None, help="timed runs per method (after one warm-up)")
    parser.add_argument("--avif", action="store_true", help="also time the pipeline with AVIF added")
    parser.add_argument("--core", type=int, default=max(os.sched_getaffinity(0)), help="the CPU to pin to")
    args = parser.parse_args()
    runs = args.runs or (2 if args.quick else 5)
    os.sched_setaffinity(0, {args.core})  # children inherit it: every method gets the same single core
    print(f"pinned to core {args.core}; {runs} timed runs per method after a warm-up", flush=True)
    report: dict = {"core": args.core, "runs": runs, "images": {}}
    with tempfile.TemporaryDirectory(prefix="resize-bench-") as tmp:
        work = Path(tmp)
        images = _make_images(work, args.quick)
        for image in images:
            report["images"][image.name] = _compare_image(image, work, runs)
        report["encoders"] = _encoder_sweep(images[0], runs)
        if args.avif:
            report["avif"] = _run_worker("darkroom", "jpeg,webp,avif", images[0], work / "avif", runs)
            report["avif"]["renditions"] = _score(images[0], work / "avif")
            print(f"  darkroom with AVIF on {images[0].name}: {report['avif']['ms']:.0f} ms", flush=True)
        report["cold_import_ms"] = _cold_import(5)
        if not args.quick:
            report["worst_case"] = _worst_case(work)
    table = _markdown(report)
    print("\n" + table)
    RESULTS.mkdir(exist_ok=True)
    suffix = "-quick" if args.quick else ""
    (RESULTS / f"resize_compare{suffix}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"resize_compare{suffix}.md").write_text(table)


if __name__ == "__main__":
    main()
