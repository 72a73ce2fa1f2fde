"""Darkroom's resize pipeline against libvips and the naive Pillow recipe at every common camera size, on one core,
with the same sizes, formats and encoder settings for every method.

    .venv/bin/python -m bench.resize_compare [--quick] [--runs N] [--avif]

The photos are one real camera photo at the sizes cameras write (bench/camera_photos.py): 10, 12 and 24 MP JPEG, a
15 MP PNG and the phone's own 12 MP HEIC. Each method runs on each photo in fresh processes pinned to one core
(libvips with VIPS_CONCURRENCY=1), the methods taking turns run by run; reported per photo: median ms, peak RSS
of those processes (VmHWM, so libvips' native allocations count) and peak minus the RSS after imports, the worst
SSIM of any rendition against a Lanczos reference made from the full image, both as encoded and with lossless
output (the resampling alone), bytes, and the ratios the targets are set on. "Decode + encode alone" is the
ceiling: the work no resampling method can save.
Also: an encoder settings sweep, the handler's cold import time, and the peak RSS on a worst case (a 50 MP RGBA PNG).
Results go to bench/results/resize_compare.{json,md}.

pyvips' own libvips is built without an HEVC decoder, so the HEIC row's libvips is the system's (Debian's libvips42,
`apt-get install libvips42`), and is left out where that is not installed.
"""

import argparse
import ctypes.util
import functools
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

from bench.camera_photos import write_photos
from bench.resize_ssim import ssim

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
FUNCTION_DIR = ROOT / "functions" / "resize"
METHODS = ("darkroom", "libvips", "naive")
FORMATS = "webp"  # the function's spec (rendition_spec.SPEC)
QUICK_PHOTOS = ("12mp.jpg",)
TARGETS = {
    "vs_libvips": 0.6,  # darkroom's time as a fraction of libvips', at most
    "ceiling_share": 0.85,  # decode + encode alone as a fraction of darkroom's time, at least (JPEG only)
    "min_ssim_lossless": 0.985,  # the resampling alone against a Lanczos reference, at least
    "peak_vs_libvips": 1.0,  # peak memory against libvips', at most
}


def _env(*, system_libvips: bool = False) -> dict[str, str]:
    # The function's folder on the path, as Lambda and pytest put it; libvips held to the one core it gets.
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(FUNCTION_DIR)]),
        "VIPS_CONCURRENCY": "1",
        "DARKROOM_BUCKET": "bench",
        "POWERTOOLS_SERVICE_NAME": "resize",
        **({"DARKROOM_BENCH_SYSTEM_LIBVIPS": "1"} if system_libvips else {}),
    }


def _worker(*args: str, system_libvips: bool = False) -> dict | list:
    command = [sys.executable, "-m", "bench.resize_methods", *args]
    return json.loads(subprocess.check_output(command, cwd=ROOT, env=_env(system_libvips=system_libvips)))


@functools.cache
def _planned_sizes(image: Path, formats: str) -> str:
    return ",".join(f"{width}x{height}" for width, height in _worker("sizes", formats, str(image), "-", "0"))


def _run_worker(method: str, formats: str, image: Path, outdir: Path, runs: int) -> dict:
    sizes = _planned_sizes(image, formats)
    system_libvips = method == "libvips" and image.suffix == ".heic"
    result = _worker(method, formats, str(image), str(outdir), str(runs), sizes, system_libvips=system_libvips)
    assert isinstance(result, dict)
    return {
        "ms": statistics.median(result["ms"]) if result["ms"] else None,
        "runs_ms": result["ms"],
        "peak_mib": result["peak_kib"] / 1024,
        "work_mib": (result["peak_kib"] - result["baseline_kib"]) / 1024,
        "libvips": result.get("libvips"),
    }


def _methods_for(image: Path) -> tuple[str, ...]:
    if image.suffix == ".heic" and not ctypes.util.find_library("vips"):
        print("  no system libvips (apt-get install libvips42): HEIC is compared without libvips", flush=True)
        return tuple(method for method in METHODS if method != "libvips")
    return METHODS


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


def _interleaved(methods: tuple[str, ...], image: Path, work: Path, runs: int) -> dict[str, dict]:
    """Each method `runs` times, one timed run per process, the methods taking turns: a slow spell on the machine
    then falls on every method alike rather than on whichever ran during it."""
    rounds: dict[str, list[dict]] = {method: [] for method in methods}
    for _ in range(runs):
        for method in methods:
            rounds[method].append(_run_worker(method, FORMATS, image, work / f"{image.name}-{method}", 1))
    return {
        method: {
            "ms": statistics.median(run["ms"] for run in measured),
            "runs_ms": [run["ms"] for run in measured],
            "peak_mib": max(run["peak_mib"] for run in measured),
            "work_mib": max(run["work_mib"] for run in measured),
            "libvips": measured[0]["libvips"],
        }
        for method, measured in rounds.items()
    }


def _compare_image(image: Path, work: Path, runs: int) -> dict:
    result: dict = {}
    timed = _interleaved((*_methods_for(image), "unavoidable"), image, work, runs)
    for method in _methods_for(image):
        outdir = work / f"{image.name}-{method}"
        measured = timed[method]
        measured["renditions"] = _score(image, outdir)
        measured["min_ssim"] = min(item["ssim"] for item in measured["renditions"].values())
        measured["total_bytes"] = sum(item["bytes"] for item in measured["renditions"].values())
        # The same method with lossless output: what its resampling alone costs in quality.
        _run_worker(method, "png", image, work / f"{image.name}-png-{method}", 0)
        scores = _score(image, work / f"{image.name}-png-{method}")
        measured["min_ssim_lossless"] = min(item["ssim"] for item in scores.values())
        result[method] = measured
        print(
            f"  {image.name:9} {method:8} {measured['ms']:7.1f} ms  peak {measured['peak_mib']:6.1f} MiB"
            f"  (+{measured['work_mib']:5.1f})  min SSIM {measured['min_ssim']:.4f}"
            f" (lossless {measured['min_ssim_lossless']:.4f})  {measured['total_bytes'] / 1024:7.1f} KiB"
            f"  {', '.join(sorted(measured['renditions']))}",
            flush=True,
        )
    ceiling = result["unavoidable"] = timed["unavoidable"]
    ours = result["darkroom"]
    vips = result.get("libvips")
    result["ratios"] = {
        "vs_libvips": ours["ms"] / vips["ms"] if vips else None,
        "ceiling_share": ceiling["ms"] / ours["ms"],
        "peak_vs_libvips": ours["peak_mib"] / vips["peak_mib"] if vips else None,
        "vs_naive": result["naive"]["ms"] / ours["ms"],
        "ceiling_vs_libvips": ceiling["ms"] / vips["ms"] if vips else None,
    }
    print(f"  {image.name:9} decode + encode alone {ceiling['ms']:7.1f} ms", flush=True)
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
    measured = _run_worker("darkroom", FORMATS, path, work / "worst", 1)
    print(f"  worst case 50 MP RGBA PNG: {measured['ms']:.0f} ms, peak {measured['peak_mib']:.0f} MiB", flush=True)
    return measured


def verdicts(image: str, result: dict) -> dict[str, bool | None]:
    """Each target met (True), missed (False) or not applicable (None) for one photo."""
    ratios, ours = result["ratios"], result["darkroom"]
    is_jpeg = image.endswith(".jpg")
    return {
        "vs_libvips": None if ratios["vs_libvips"] is None else ratios["vs_libvips"] <= TARGETS["vs_libvips"],
        "ceiling_share": ratios["ceiling_share"] >= TARGETS["ceiling_share"] if is_jpeg else None,
        "min_ssim_lossless": ours["min_ssim_lossless"] >= TARGETS["min_ssim_lossless"],
        "peak_vs_libvips": None
        if ratios["peak_vs_libvips"] is None
        else ratios["peak_vs_libvips"] <= TARGETS["peak_vs_libvips"],
    }


def _mark(verdict: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "n/a"}[verdict]


def _markdown(report: dict) -> str:
    lines = [
        f"Resize, one core (CPU {report['core']}), median of {report['runs']} runs; WebP q80 method 2 at the sizes"
        " Darkroom makes, for every method; the photo is a real iPhone photo at camera sizes (bench/photos/).",
        "",
        "| photo | method | ms/photo | peak MiB | MiB over imports | min SSIM | min SSIM, lossless | KiB | sizes |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for image, result in report["images"].items():
        for method in METHODS:
            if method not in result:
                lines.append(f"| {image} | {method} | n/a: no HEVC decoder in this libvips | | | | | | |")
                continue
            m = result[method]
            widths = ", ".join(sorted((name.split(".")[0][1:] for name in m["renditions"]), key=int, reverse=True))
            lines.append(
                f"| {image} | {method} | {m['ms']:.0f} | {m['peak_mib']:.0f} | {m['work_mib']:.0f}"
                f" | {m['min_ssim']:.4f} | {m['min_ssim_lossless']:.4f} | {m['total_bytes'] / 1024:.0f} | {widths} |"
            )
    lines += [
        "",
        f"| photo | darkroom/libvips (<= {TARGETS['vs_libvips']}) | ceiling share (>= {TARGETS['ceiling_share']}, JPEG)"
        f" | lossless SSIM (>= {TARGETS['min_ssim_lossless']}) | peak darkroom/libvips (<= 1) | decode + encode alone"
        " | the ceiling/libvips: the best any method can do |",
        "|---|---|---|---|---|---:|---:|",
    ]

    def ratio(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"

    for image, result in report["images"].items():
        r, v = result["ratios"], verdicts(image, result)
        lines.append(
            f"| {image} | {ratio(r['vs_libvips'])} {_mark(v['vs_libvips'])} | {r['ceiling_share']:.2f}"
            f" {_mark(v['ceiling_share'])} | {result['darkroom']['min_ssim_lossless']:.4f}"
            f" {_mark(v['min_ssim_lossless'])} | {ratio(r['peak_vs_libvips'])} {_mark(v['peak_vs_libvips'])}"
            f" | {result['unavoidable']['ms']:.0f} ms | {ratio(r['ceiling_vs_libvips'])} |"
        )
    heic_vips = report["images"].get("12mp.heic", {}).get("libvips", {}) or {}
    if heic_vips.get("libvips"):
        lines += ["", f"The HEIC row's libvips is the system's {heic_vips['libvips']} (pyvips' own has no HEVC)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 12 MP JPEG only, fewer runs")
    parser.add_argument("--runs", type=int, default=None, help="timed runs per method (after one warm-up)")
    parser.add_argument("--avif", action="store_true", help="also time the pipeline with AVIF added")
    parser.add_argument("--core", type=int, default=max(os.sched_getaffinity(0)), help="the CPU to pin to")
    args = parser.parse_args()
    runs = args.runs or (2 if args.quick else 9)
    os.sched_setaffinity(0, {args.core})  # children inherit it: every method gets the same single core
    print(f"pinned to core {args.core}; {runs} timed runs per method after a warm-up", flush=True)
    report: dict = {"core": args.core, "runs": runs, "images": {}}
    with tempfile.TemporaryDirectory(prefix="resize-bench-") as tmp:
        work = Path(tmp)
        images = write_photos(work, QUICK_PHOTOS if args.quick else None)
        for image in images:
            report["images"][image.name] = _compare_image(image, work, runs)
        report["encoders"] = _encoder_sweep(images[0], runs)
        if args.avif:
            report["avif"] = _run_worker("darkroom", "webp,avif", images[0], work / "avif", runs)
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
