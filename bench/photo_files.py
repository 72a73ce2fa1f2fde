"""The benchmark photos, made once per run: the real 12 MP photo as a phone's JPEG (bench/camera_photos.py), and
small ones."""

import io
from functools import cache

from PIL import Image

from bench.camera_jpeg import camera_jpeg
from bench.camera_photos import CAMERA_SIZES, photo_bytes


@cache
def twelve_megapixel_jpeg() -> bytes:
    """The real photo at 4032x3024 as a phone writes it: quality 90, EXIF with a thumbnail, Display P3 profile."""
    image = Image.open(io.BytesIO(photo_bytes(next(size for size in CAMERA_SIZES if size.name == "12mp.jpg"))))
    return camera_jpeg(image, image.getexif(), quality=90, icc_profile=image.info.get("icc_profile"))


def small_jpeg(seed: int, size: tuple[int, int] = (640, 480)) -> bytes:
    """A small real JPEG, different for every seed (the load run uploads hundreds)."""
    image = Image.effect_mandelbrot(size, (-2.0 + seed % 7 * 0.01, -1.2, 1.0, 1.2), 40 + seed % 50).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
