"""The benchmark photos, made once per run: a 12 MP phone-like JPEG (bench/resize_images.py) and small ones."""

import io
from functools import cache

from PIL import Image

from bench.resize_images import photo_like


@cache
def twelve_megapixel_jpeg() -> bytes:
    """4000x3000 at JPEG quality 90: about 2.4 MiB, like a phone's photo."""
    buffer = io.BytesIO()
    photo_like(4000, 3000, seed=1).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def small_jpeg(seed: int, size: tuple[int, int] = (640, 480)) -> bytes:
    """A small real JPEG, different for every seed (the load run uploads hundreds)."""
    image = Image.effect_mandelbrot(size, (-2.0 + seed % 7 * 0.01, -1.2, 1.0, 1.2), 40 + seed % 50).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
