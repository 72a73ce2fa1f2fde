"""The three ways to make the same renditions, each run alone in its own process by bench.resize_compare.

    python -m bench.resize_methods METHOD FORMATS IMAGE OUTDIR RUNS SIZES

METHOD is darkroom, naive, libvips, or unavoidable (decoding and encoding alone: the floor under any method);
FORMATS is "jpeg", "jpeg,webp" or "png" (lossless, to score resampling alone), plus "avif" for darkroom.
Prints one JSON line: the time of each run in ms, and the process's peak RSS (VmHWM) after imports and at the
end; writes the renditions of the last run into OUTDIR for the parent to score. Only the chosen method's
libraries are imported. VmHWM, not getrusage's ru_maxrss: on Linux ru_maxrss survives exec, so a child would
report its parent's peak at fork time when that is higher.
"""

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rendition_spec import JPEG, SPEC, WEBP, OutputFormat, Spec

AVIF = OutputFormat(
    name="avif", extension="avif", pillow_format="AVIF", content_type="image/avif", keeps_alpha=True,
    options={"quality": 60, "speed": 8},
)  # fmt: skip
PNG = OutputFormat(
    name="png", extension="png", pillow_format="PNG", content_type="image/png", keeps_alpha=True,
    options={"compress_level": 1},
)  # fmt: skip
FORMATS = {"jpeg": JPEG, "webp": WEBP, "avif": AVIF, "png": PNG}
Renderer = Callable[[bytes, Spec], dict[str, bytes]]


def darkroom(data: bytes, spec: Spec) -> dict[str, bytes]:
    import renditions

    return {item.name: item.data for item in renditions.render(data, spec).renditions}


# The sizes Darkroom makes of the photo, planned by the parent (`sizes` mode) so that every method makes the same
# ones and no method's process imports another's libraries.
SIZES: list[tuple[int, int]] = []


def planned_sizes(data: bytes, spec: Spec) -> list[tuple[int, int]]:
    """The sizes Darkroom makes of this image (a JPEG's largest follows its decodable sizes)."""
    import io

    from PIL import Image

    import renditions

    image = Image.open(io.BytesIO(data))
    return renditions.plan_sizes(*image.size, spec, jpeg=image.format in ("JPEG", "MPO"))


def naive(data: bytes, spec: Spec) -> dict[str, bytes]:
    """The usual recipe: decode in full, then a thumbnail() per size from the full image."""
    import io

    from PIL import Image, ImageOps

    full = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    out = {}
    for size in SIZES:
        picture = full.copy()
        picture.thumbnail(size, Image.Resampling.LANCZOS)
        for output in spec.formats:
            buffer = io.BytesIO()
            (picture if picture.mode == "RGB" else picture.convert("RGB")).save(
                buffer, output.pillow_format, **output.options
            )
            out[f"w{picture.width}.{output.extension}"] = buffer.getvalue()
    return out


def libvips(data: bytes, spec: Spec) -> dict[str, bytes]:
    """libvips' own recommended path: thumbnail_buffer (shrink-on-load) per size, the same encoder settings, the
    colour profile kept as Darkroom keeps it."""
    import pyvips

    # All metadata stripped but the profile, as the darkroom pipeline does; libvips before 8.15 can only strip all.
    keep = {"keep": pyvips.enums.ForeignKeep.ICC} if pyvips.at_least_libvips(8, 15) else {"strip": True}
    savers = {
        "jpeg": lambda image, options: image.jpegsave_buffer(
            Q=options["quality"], optimize_coding=options["optimize"], interlace=options["progressive"], **keep
        ),
        "webp": lambda image, options: image.webpsave_buffer(Q=options["quality"], effort=options["method"], **keep),
        "png": lambda image, options: image.pngsave_buffer(compression=options["compress_level"], **keep),
    }
    out = {}
    for width, height in SIZES:
        # Rendered to memory once, then saved in each format (a sequential JPEG source cannot be read twice).
        picture = pyvips.Image.thumbnail_buffer(data, width, height=height, size="down").copy_memory()
        for output in spec.formats:
            out[f"w{picture.width}.{output.extension}"] = savers[output.name](picture, output.options)
    return out


_PICTURES: list = []  # unavoidable()'s renditions, made in the untimed warm-up run


def unavoidable(data: bytes, spec: Spec) -> dict[str, bytes]:
    """Not a method: the work no resampling technique can save, to bound every speed-up. Decodes as small as JPEG
    draft allows (PNG and HEIC have no draft), then encodes pictures of the rendition sizes made once beforehand."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.draft(None, SIZES[0])
    image.load()
    if not _PICTURES:
        _PICTURES.extend(image.convert("RGB").resize(size, Image.Resampling.LANCZOS) for size in SIZES)
    out = {}
    for picture in _PICTURES:
        for output in spec.formats:
            buffer = io.BytesIO()
            picture.save(buffer, output.pillow_format, **output.options)
            out[f"w{picture.width}.{output.extension}"] = buffer.getvalue()
    return out


METHODS: dict[str, Renderer] = {
    "darkroom": darkroom, "naive": naive, "libvips": libvips, "unavoidable": unavoidable,
}  # fmt: skip


def _import_for(method: str) -> str | None:
    """Load the method's libraries before measuring the baseline, so timings exclude imports; libvips' version."""
    if method == "libvips":
        if os.environ.get("DARKROOM_BENCH_SYSTEM_LIBVIPS"):
            sys.modules["_libvips"] = None  # type: ignore[assignment]  # pyvips then loads the system's libvips
        import pyvips

        pyvips.cache_set_max(0)  # repeated runs on the same buffer must not be answered from libvips' cache
        return ".".join(str(pyvips.version(part)) for part in range(3))
    from PIL import ImageOps  # noqa: F401

    import renditions  # noqa: F401

    return None


def main(method: str, formats: str, image_path: str, outdir: str, runs: int, sizes: str) -> None:
    spec = Spec(widths=SPEC.widths, formats=tuple(FORMATS[name] for name in formats.split(",")))
    data = Path(image_path).read_bytes()
    if method == "sizes":
        print(json.dumps(planned_sizes(data, spec)))
        return
    SIZES.extend(tuple(int(side) for side in size.split("x")) for size in sizes.split(","))
    renderer = METHODS[method]
    version = _import_for(method)
    baseline_kib = _peak_rss_kib()
    timings = []
    for _ in range(runs + 1):  # the first run warms caches and is not counted
        start = time.perf_counter()
        out = renderer(data, spec)
        timings.append((time.perf_counter() - start) * 1000)
    os.makedirs(outdir, exist_ok=True)
    for name, blob in out.items():
        Path(outdir, name).write_bytes(blob)
    peak_kib = _peak_rss_kib()
    print(json.dumps({"ms": timings[1:], "baseline_kib": baseline_kib, "peak_kib": peak_kib, "libvips": version}))


def _peak_rss_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


if __name__ == "__main__":
    main(*sys.argv[1:5], int(sys.argv[5]), sys.argv[6] if len(sys.argv) > 6 else "")
