"""Photo-like test images made on the spot: no downloads, the same pixels on every run (seeded).

A real photo has a 1/f spectrum, smooth regions beside textured ones, hard edges and fine print. Each is built
here: luminance noise over many octaves under a mask that keeps the sky smooth and the ground detailed, colour
from a few low octaves (chroma carries little detail in photos), shapes with hard edges, text, and sensor grain.
The benchmark checks the result by its JPEG size: a 12 MP frame at quality 90 weighs about what a phone's does.
"""

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont


def _field(rng: np.random.Generator, width: int, height: int, cells: int) -> np.ndarray:
    """A smooth random field in [-1, 1]: `cells` random values across the width, interpolated bicubically."""
    grid_w = max(2, cells)
    grid_h = max(2, round(cells * height / width))
    grid = Image.fromarray(rng.uniform(-1, 1, (grid_h, grid_w)).astype(np.float32), mode="F")
    return np.asarray(grid.resize((width, height), Image.Resampling.BICUBIC))


def _luminance(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    detail_mask = np.clip(_field(rng, width, height, 3) * 2 + 0.3, 0, 1)
    luma = np.zeros((height, width), np.float32)
    cells = 4
    while cells < width / 2:
        amplitude = 40 / cells**0.2
        layer = _field(rng, width, height, cells) * amplitude
        # Coarse octaves everywhere, fine ones mostly where the mask says "ground".
        luma += layer if cells < 64 else layer * detail_mask
        cells *= 2
    return luma


def _shapes_and_text(rng: np.random.Generator, width: int, height: int) -> Image.Image:
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for _ in range(600):
        x, y = rng.integers(0, width), rng.integers(0, height)
        size = int(width / rng.uniform(8, 300))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3)) + (int(rng.integers(120, 230)),)
        box = [x, y, x + size, y + int(size * rng.uniform(0.3, 1.5))]
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    font = ImageFont.load_default(size=max(10, width // 120))
    for _ in range(80):
        x, y = rng.integers(0, width - width // 4), rng.integers(0, height)
        shade = int(rng.integers(0, 256))
        draw.text((x, y), "DARKROOM 0123456789 the quick brown fox", font=font, fill=(shade, shade, shade, 255))
    return overlay.filter(ImageFilter.GaussianBlur(0.6))


def photo_like(width: int, height: int, *, seed: int = 1) -> Image.Image:
    rng = np.random.default_rng(seed)
    luma = 118 + _luminance(rng, width, height)
    chroma = [_field(rng, width, height, cells) * 25 + _field(rng, width, height, cells * 8) * 10 for cells in (3, 5)]
    rgb = np.stack([luma + 1.4 * chroma[1], luma - 0.34 * chroma[0] - 0.71 * chroma[1], luma + 1.77 * chroma[0]], -1)
    rgb += rng.normal(0, 3.5, (height, width, 1)).astype(np.float32)
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), mode="RGB")
    overlay = _shapes_and_text(rng, width, height)
    image.paste(overlay, (0, 0), overlay)
    return image
