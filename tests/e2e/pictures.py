"""Real image files for the browser tests: colourful JPEGs with a camera and a date in their EXIF, and the odd ones."""

import io
from datetime import datetime

import pillow_heif
from PIL import Image, ImageOps
from PIL.ExifTags import IFD, Base

from bench.camera_jpeg import camera_jpeg

# (shadows, highlights, midtones) for ImageOps.colorize: each picture gets one, so a gallery looks varied.
PALETTES = [
    ("#0b2545", "#f4a259", "#8da9c4"),
    ("#1b1423", "#ffd6a5", "#e76f51"),
    ("#081c15", "#d8f3dc", "#52b788"),
    ("#03045e", "#caf0f8", "#0096c7"),
    ("#2b2d42", "#edf2f4", "#8d99ae"),
    ("#3d0c02", "#ffe8d6", "#cb997e"),
    ("#10002b", "#e0aaff", "#7b2cbf"),
    ("#1d3557", "#f1faee", "#e63946"),
]
# Places in the Mandelbrot set worth a look: (centre x, centre y, half height).
SPOTS = [
    (-0.745, 0.11, 0.05),
    (-0.75, 0.1, 0.3),
    (-1.25, 0.02, 0.08),
    (-0.16, 1.04, 0.06),
    (-0.8, 0.156, 0.02),
    (0.285, 0.01, 0.03),
    (-1.77, 0.0, 0.04),
    (-0.55, 0.63, 0.08),
    (-0.1, 0.9, 0.15),
    (-1.4, 0.0, 0.5),
]
# Landscape, portrait, square: the gallery crops each to a square tile, the viewer fits each to the screen.
SHAPES = [(1200, 800), (800, 1200), (1000, 1000)]


def picture(number: int, size: tuple[int, int] | None = None) -> Image.Image:
    width, height = size or SHAPES[number % len(SHAPES)]
    x, y, half = SPOTS[number % len(SPOTS)]
    aspect = width / height
    fractal = Image.effect_mandelbrot((width, height), (x - half * aspect, y - half, x + half * aspect, y + half), 120)
    black, white, mid = PALETTES[number % len(PALETTES)]
    return ImageOps.colorize(ImageOps.equalize(fractal), black=black, white=white, mid=mid)


def jpeg(number: int, *, taken: datetime | None = None, size: tuple[int, int] | None = None) -> bytes:
    """A JPEG whose EXIF names a camera and, when given, the moment it was taken (the gallery's day)."""
    exif = Image.Exif()
    exif[Base.Make] = "Darkroom"
    exif[Base.Model] = "Test Camera"
    if taken is not None:
        exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] = taken.strftime("%Y:%m:%d %H:%M:%S")
    buffer = io.BytesIO()
    picture(number, size).save(buffer, "JPEG", quality=85, exif=exif)
    return buffer.getvalue()


def camera_photo(number: int, *, orientation: int = 1, thumbnail: bytes | None = None) -> bytes:
    """A 1200x800 JPEG as a camera writes it: EXIF Orientation and a thumbnail (`thumbnail`, else its own)."""
    exif = Image.Exif()
    exif[Base.Orientation] = orientation
    return camera_jpeg(picture(number, (1200, 800)), exif, quality=85, thumbnail=thumbnail)


def heic(number: int) -> bytes:
    """HEIC bytes (what an iPhone uploads): Chromium cannot show them, the resize function can."""
    buffer = io.BytesIO()
    pillow_heif.from_pillow(picture(number, (900, 600))).save(buffer, format="HEIF")
    return buffer.getvalue()


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: about 3 × side² bytes, for a file over a size limit."""
    buffer = io.BytesIO()
    Image.effect_noise((side, side), 120).convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


def bmp(number: int) -> bytes:
    buffer = io.BytesIO()
    picture(number, (64, 48)).save(buffer, "BMP")
    return buffer.getvalue()
