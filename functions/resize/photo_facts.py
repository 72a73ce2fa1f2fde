"""When a photo was taken and with what camera, from its EXIF. Pure, and safe with hostile EXIF: a field of the
wrong type, out of range, over-long or not text is None, and nothing here ever raises.

Only the tags named below are read. The GPS IFD is never opened, and serial numbers (BodySerialNumber,
LensSerialNumber), CameraOwnerName, ImageUniqueID, maker notes, user comments and XMP are never read: what is not
read cannot leak into the manifest.
"""

import math
import numbers
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from PIL import Image
from PIL.ExifTags import IFD, Base

# Make, model and lens as the site shows them.
MAX_TEXT = 64
# A raw text longer than this is not a camera's name but junk (or an attack on whoever reads it): None.
MAX_RAW_TEXT = 1024
# Niépce's first photograph; anything earlier is a clock that was never set (0000:00:00, 1601, ...).
FIRST_PHOTO_YEAR = 1826
# Later than this after the resize is impossible even for a clock a little fast, in any time zone.
LATEST_AHEAD = timedelta(days=2)
# Plausible ranges; outside them the value is broken, not a photo's.
EXPOSURE_SECONDS = (1e-6, 86_400.0)
F_NUMBERS = (0.1, 1_000.0)
FOCAL_LENGTHS_MM = (0.1, 100_000.0)
ISO_SPEEDS = (1, 10_000_000)
# Exposures of at least this long are written in seconds ("0.6", "2") unless a whole fraction ("1/2", "1/3").
DECIMAL_EXPOSURE_SECONDS = 0.3

_DATE_TIME = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?", re.ASCII)
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})", re.ASCII)


@dataclass(frozen=True)
class Camera:
    make: str | None = None
    model: str | None = None
    lens: str | None = None
    exposure_time: str | None = None  # "1/250", "0.6", "2" (seconds)
    f_number: float | None = None
    iso: int | None = None
    focal_length_mm: float | None = None


@dataclass(frozen=True)
class PhotoFacts:
    taken_at: str | None = None  # ISO 8601 local time, with its offset when the photo has one
    camera: Camera | None = None  # None when the photo names no camera setting at all


def read_facts(image: Image.Image, *, now: datetime | None = None) -> PhotoFacts:
    """The facts of an opened image (its pixels loaded, so that a PNG's eXIf after the image data is read too)."""
    try:
        exif = image.getexif()
    except Exception:  # EXIF Pillow cannot parse: a photo without facts, not a broken photo
        return PhotoFacts()
    ifd0, exif_ifd = _Tags(exif), _Tags(_exif_ifd(exif))
    camera = Camera(
        make=_text(ifd0.get(Base.Make)),
        model=_text(ifd0.get(Base.Model)),
        lens=_text(exif_ifd.get(Base.LensModel)),
        exposure_time=_exposure_time(exif_ifd.get(Base.ExposureTime)),
        f_number=_decimal(exif_ifd.get(Base.FNumber), F_NUMBERS),
        iso=_iso(exif_ifd.get(Base.ISOSpeedRatings)),
        focal_length_mm=_decimal(exif_ifd.get(Base.FocalLength), FOCAL_LENGTHS_MM),
    )
    return PhotoFacts(
        taken_at=_taken_at(ifd0, exif_ifd, now or datetime.now(UTC).replace(tzinfo=None)),
        camera=None if camera == Camera() else camera,
    )


class _Tags:
    """One IFD's tags, each decoded on its own: Pillow decodes a tag when it is first read, and a bad one raises."""

    def __init__(self, ifd):
        self._ifd = ifd

    def get(self, tag: int):
        try:
            return self._ifd.get(tag)
        except Exception:
            return None


def _exif_ifd(exif: Image.Exif) -> dict:
    try:
        return exif.get_ifd(IFD.Exif)
    except Exception:  # an offset out of the data, a loop...
        return {}


def _taken_at(ifd0: _Tags, exif_ifd: _Tags, now: datetime) -> str | None:
    """The first valid of DateTimeOriginal, DateTimeDigitized and DateTime (IFD0), each with its own offset."""
    candidates = (
        (exif_ifd.get(Base.DateTimeOriginal), exif_ifd.get(Base.OffsetTimeOriginal)),
        (exif_ifd.get(Base.DateTimeDigitized), exif_ifd.get(Base.OffsetTimeDigitized)),
        (ifd0.get(Base.DateTime), exif_ifd.get(Base.OffsetTime)),
    )
    for stamp, offset in candidates:
        moment = _moment(stamp, latest=now + LATEST_AHEAD)
        if moment is not None:
            return moment.isoformat(timespec="seconds") + (_offset(offset) or "")
    return None


def _moment(value, *, latest: datetime) -> datetime | None:
    """EXIF's "YYYY:MM:DD HH:MM:SS" (dashes and a "T" tolerated, fractions of a second dropped)."""
    match = _DATE_TIME.fullmatch(_text(value) or "")
    if match is None:
        return None
    try:
        moment = datetime(*map(int, match.groups()))
    except ValueError:  # 0000:00:00, month 13, 31 June, hour 24...
        return None
    return moment if FIRST_PHOTO_YEAR <= moment.year and moment <= latest else None


def _offset(value) -> str | None:
    """An offset as EXIF writes it, "+02:00" or "-05:30"; real ones run from -12:00 to +14:00."""
    match = _OFFSET.fullmatch(_text(value) or "")
    if match is None:
        return None
    sign, hours, minutes = match[1], int(match[2]), int(match[3])
    if minutes >= 60 or hours * 60 + minutes > 14 * 60:
        return None
    return f"{'+' if hours == minutes == 0 else sign}{hours:02}:{minutes:02}"


def _text(value) -> str | None:
    """Printable text of at most MAX_TEXT characters: cut at the first NUL, whitespace collapsed, control and format
    characters (bidi overrides, zero-width...) dropped. Pillow reads EXIF text as Latin-1 and UNDEFINED as bytes;
    the bytes must be UTF-8 (ASCII included), or the field is not text."""
    if isinstance(value, str):
        try:
            value = value.encode("latin-1")
        except UnicodeEncodeError:
            value = value.encode("utf-8")
    if not isinstance(value, bytes) or len(value) > MAX_RAW_TEXT:
        return None
    try:
        text = value.split(b"\0", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        return None
    text = "".join(char for char in " ".join(text.split()) if not unicodedata.category(char).startswith("C"))
    return " ".join(text.split())[:MAX_TEXT].rstrip() or None


def _number(value) -> float | None:
    """A rational (Pillow's IFDRational), an int or a float. A rational written with a count other than 1 comes
    back as a tuple and is None, as are zero denominators (NaN), infinities and booleans."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (ArithmeticError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _decimal(value, bounds: tuple[float, float]) -> float | None:
    number = _number(value)
    return round(number, 1) if number is not None and bounds[0] <= number <= bounds[1] else None


def _exposure_time(value) -> str | None:
    """Below DECIMAL_EXPOSURE_SECONDS always "1/N" (1/s rounded: "1/250", "1/4"); from there "1/N" when 1/s is
    within 3% of a whole N ("1/2", "1/3"), else tenths of a second without a trailing ".0" ("0.4", "0.6", "1.3",
    "2", "30"), as cameras show them."""
    seconds = _number(value)
    if seconds is None or not EXPOSURE_SECONDS[0] <= seconds <= EXPOSURE_SECONDS[1]:
        return None
    if seconds < 1:
        reciprocal = 1 / seconds
        whole = math.floor(reciprocal + 0.5)
        if seconds < DECIMAL_EXPOSURE_SECONDS or abs(reciprocal - whole) <= 0.03 * reciprocal:
            return f"1/{whole}"
    return f"{seconds:.1f}".removesuffix(".0")


def _iso(value) -> int | None:
    """ISOSpeedRatings (PhotographicSensitivity since EXIF 2.3): a whole number, the first if there are several."""
    if isinstance(value, tuple | list) and value:
        value = value[0]
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value if ISO_SPEEDS[0] <= value <= ISO_SPEEDS[1] else None
