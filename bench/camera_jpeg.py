"""JPEGs as cameras and phones write them: EXIF with the photo's size and a small embedded thumbnail (IFD1).

Pillow writes EXIF but never its IFD1, where that thumbnail lives; the gallery shows it the moment a photo is
picked (web/photos/static/photos/exif_thumbnail.js), so the benchmark's photos and the browser tests need one.
"""

import io
import struct

from PIL import Image
from PIL.ExifTags import IFD, Base

THUMBNAIL_SIDE = 160
# TIFF field types
SHORT, LONG = 3, 4
JPEG_COMPRESSION = 6


def camera_jpeg(
    image: Image.Image,
    exif: Image.Exif,
    *,
    quality: int = 90,
    thumbnail: bytes | None = None,
    icc_profile: bytes | None = None,
) -> bytes:
    """`image` as a JPEG whose EXIF is `exif` plus the image's size and a thumbnail: `thumbnail`'s JPEG bytes,
    else the image scaled to fit 160 px, stored as the image is (EXIF Orientation applies to both)."""
    if thumbnail is None:
        small = image.copy()
        small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        buffer = io.BytesIO()
        small.save(buffer, "JPEG", quality=75)
        thumbnail = buffer.getvalue()
    details = exif.get_ifd(IFD.Exif)
    details[Base.ExifImageWidth], details[Base.ExifImageHeight] = image.size
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=with_thumbnail(exif.tobytes(), thumbnail), icc_profile=icc_profile)
    return buffer.getvalue()


def with_thumbnail(exif: bytes, thumbnail: bytes) -> bytes:
    """Pillow's EXIF block ("Exif\\0\\0" and a TIFF whose first directory ends the chain) with an IFD1 appended
    that points at `thumbnail`, placed right after it."""
    header, tiff = exif[:6], bytearray(exif[6:])
    order = "<" if tiff[:2] == b"II" else ">"
    (first,) = struct.unpack_from(order + "I", tiff, 4)
    (count,) = struct.unpack_from(order + "H", tiff, first)
    next_pointer = first + 2 + 12 * count
    if struct.unpack_from(order + "I", tiff, next_pointer) != (0,):
        raise ValueError("the EXIF block already chains a second directory")
    if len(tiff) % 2:
        tiff += b"\0"  # TIFF directories start on a word boundary
    directory = len(tiff)
    entries = 3
    data = directory + 2 + 12 * entries + 4
    struct.pack_into(order + "I", tiff, next_pointer, directory)
    tiff += struct.pack(order + "H", entries)
    tiff += struct.pack(order + "HHIH2x", Base.Compression, SHORT, 1, JPEG_COMPRESSION)
    tiff += struct.pack(order + "HHII", Base.JpegIFOffset, LONG, 1, data)
    tiff += struct.pack(order + "HHII", Base.JpegIFByteCount, LONG, 1, len(thumbnail))
    tiff += struct.pack(order + "I", 0)
    return header + bytes(tiff) + thumbnail
