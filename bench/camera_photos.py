"""The benchmark's photos at every common camera size, made from one real photo (bench/photos/README.md credits it).

The HEIC is used as the phone wrote it. The others carry its EXIF and Display P3 profile, as a camera's would: the
12 MP JPEG is what the phone writes when set to JPEG, the 10 MP one a compact camera's width (3648, the size whose
half is just under 1920), the 24 MP one an upscaled copy (an upscale has less fine detail than a real 24 MP frame,
so its decode is a little cheaper), and the 15 MP PNG a lossless source with no draft decoding at all.
"""

import hashlib
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image
from pillow_heif import register_heif_opener

PHOTO = Path(__file__).resolve().parent / "photos" / "pug.heic"
PHOTO_SHA256 = "1ddce96766efbfa0f6bdf634bdab26bdeff831393df8d67f4cdc7b7a7afebc67"
JPEG_QUALITY = 90  # what phones and cameras write at their default setting, about


@dataclass(frozen=True)
class CameraSize:
    name: str
    width: int
    height: int
    format: str  # JPEG, PNG or HEIF (the original, unchanged)


CAMERA_SIZES = (
    CameraSize("10mp.jpg", 3648, 2736, "JPEG"),
    CameraSize("12mp.jpg", 4032, 3024, "JPEG"),
    CameraSize("24mp.jpg", 6000, 4000, "JPEG"),
    CameraSize("15mp.png", 4800, 3200, "PNG"),
    CameraSize("12mp.heic", 4032, 3024, "HEIF"),
)


@cache
def _original() -> bytes:
    data = PHOTO.read_bytes()
    if hashlib.sha256(data).hexdigest() != PHOTO_SHA256:
        raise RuntimeError(f"{PHOTO} is not the credited photo (its SHA-256 differs)")
    return data


def photo_bytes(size: CameraSize) -> bytes:
    """The photo at `size`, encoded as a camera would."""
    if size.format == "HEIF":
        return _original()
    register_heif_opener()
    source = Image.open(io.BytesIO(_original()))
    icc_profile, exif = source.info.get("icc_profile"), source.info.get("exif")
    picture = _fit(source.convert("RGB"), size.width, size.height)
    buffer = io.BytesIO()
    if size.format == "JPEG":
        picture.save(buffer, "JPEG", quality=JPEG_QUALITY, icc_profile=icc_profile, exif=exif)
    else:
        picture.save(buffer, "PNG", compress_level=6, icc_profile=icc_profile)
    return buffer.getvalue()


def _fit(picture: Image.Image, width: int, height: int) -> Image.Image:
    """Cropped to the aspect of width x height (centred), then resized to it."""
    if picture.width * height > width * picture.height:
        crop = round(picture.height * width / height)
        left = (picture.width - crop) // 2
        picture = picture.crop((left, 0, left + crop, picture.height))
    elif picture.width * height < width * picture.height:
        crop = round(picture.width * height / width)
        top = (picture.height - crop) // 2
        picture = picture.crop((0, top, picture.width, top + crop))
    return picture if picture.size == (width, height) else picture.resize((width, height), Image.Resampling.LANCZOS)


def write_photos(directory: Path, names: tuple[str, ...] | None = None) -> list[Path]:
    paths = []
    for size in CAMERA_SIZES:
        if names is None or size.name in names:
            path = directory / size.name
            path.write_bytes(photo_bytes(size))
            print(f"made {size.name}: {size.width}x{size.height}, {path.stat().st_size / 2**20:.1f} MiB", flush=True)
            paths.append(path)
    return paths
