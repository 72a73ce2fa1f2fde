"""Inputs made on the spot for the resize tests: images in every shape, hostile headers, ICC profiles, SQS
records, and an S3 client that fails on demand (moto has no fault injection)."""

import hashlib
import io
import struct
import uuid
import zlib

from PIL import Image

from devstack.template import LOCAL_BUCKET

BUCKET = LOCAL_BUCKET  # the bucket devstack.template builds from template.yaml


def encode(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def quadrants(size: tuple[int, int] = (400, 300), mode: str = "RGB") -> Image.Image:
    """Four flat colours (red, green / blue, yellow): any rotation or flip moves them somewhere else."""
    width, height = size
    image = Image.new("RGB", size)
    colours = [(220, 20, 20), (20, 200, 20), (20, 20, 220), (230, 230, 20)]
    boxes = [(0, 0, width // 2, height // 2), (width // 2, 0, width, height // 2)]
    boxes += [(0, height // 2, width // 2, height), (width // 2, height // 2, width, height)]
    for colour, box in zip(colours, boxes, strict=True):
        image.paste(colour, box)
    return image.convert(mode)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height but carries almost no data: a decompression bomb's first bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def jpeg_with_scans(image: Image.Image, scans: int, *, progressive: bool = True) -> bytes:
    """A JPEG of `image` made up to `scans` scans by repeating its last one (with the Huffman table written before
    it). Progressive: a few bytes per copy, a whole pass over the image each for libjpeg."""
    data = encode(image, "JPEG", progressive=progressive, quality=90)
    last_scan = data.rindex(b"\xff\xda")
    table = data.rfind(b"\xff\xc4", 0, last_scan)
    start = table if table > data.rfind(b"\xff\xda", 0, last_scan) else last_scan
    end_of_image = len(data) - 2
    copies = scans - data.count(b"\xff\xda")
    assert copies >= 0, "the encoder alone wrote more scans than asked for"
    return data[:end_of_image] + data[start:end_of_image] * copies + data[end_of_image:]


def jpeg_with_empty_scans(image: Image.Image, scans: int) -> bytes:
    """A baseline JPEG of `image` whose scans each hold one component and no data: ten bytes each, and a pass over
    the whole image each for libjpeg, which takes the missing data for a warning."""
    data = encode(image, "JPEG", quality=90)
    empty_scan = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"  # Ns 1: component 1, tables 0, Ss 0, Se 63, Ah/Al 0
    return data[: data.index(b"\xff\xda")] + empty_scan * scans + b"\xff\xd9"


def swapped_primaries_profile() -> bytes:
    """An RGB ICC profile whose red and blue primaries are sRGB's blue and red: converted correctly, a pure red
    pixel comes out blue. Pillow can only create sRGB, so it is written by hand (ICC v2, matrix/TRC)."""
    # sRGB's D50-adapted colourants, red and blue swapped.
    colourants = {
        b"rXYZ": (0.1431, 0.0606, 0.7141),
        b"gXYZ": (0.3851, 0.7169, 0.0971),
        b"bXYZ": (0.4361, 0.2225, 0.0139),
    }

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(values) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(s15(v) for v in values)

    text = b"swapped primaries\0"
    tags = {
        b"desc": b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + b"\0" * 11 + b"\0" * 67,
        b"wtpt": xyz((0.9642, 1.0, 0.8249)),
        **{name: xyz(values) for name, values in colourants.items()},
        **{name: b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0233) + b"\0\0" for name in (b"rTRC", b"gTRC", b"bTRC")},
    }
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for name, body in tags.items():
        body += b"\0" * (-len(body) % 4)
        table += name + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = struct.pack(">I4sI4s4s4s", size, b"none", 0x02100000, b"mntr", b"RGB ", b"XYZ ") + b"\0" * 12
    header += b"acsp" + b"\0" * 24 + struct.pack(">I", 0) + s15(0.9642) + s15(1.0) + s15(0.8249) + b"\0" * 48
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def sqs_record(body: str, message_id: str | None = None) -> dict:
    """One record as Lambda delivers it from an SQS event source mapping."""
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": "AQEB-test-receipt-handle",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1767225600000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1767225600001",
        },
        "messageAttributes": {},
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:darkroom-resize",
        "awsRegion": "us-east-1",
    }


class FlakyS3:
    """The real (moto) client, except that `operation` raises `error`, for every key or only for `key`."""

    def __init__(self, client, error: Exception, *, operation: str, key: str | None = None):
        self._client, self._error, self._operation, self._key = client, error, operation, key

    def __getattr__(self, name: str):
        attribute = getattr(self._client, name)
        if name != self._operation:
            return attribute

        def call(**kwargs):
            if self._key is None or kwargs.get("Key") == self._key:
                raise self._error
            return attribute(**kwargs)

        return call


def noise(size: tuple[int, int], mode: str = "RGB", seed: str = "darkroom") -> Image.Image:
    """Pixels from SHA-256, the same on every machine: no coefficient of its ThumbHash is zero by symmetry."""
    length = size[0] * size[1] * len(mode)
    blocks = (hashlib.sha256(f"{seed}/{index}".encode()).digest() for index in range(-(-length // 32)))
    return Image.frombytes(mode, size, b"".join(blocks)[:length])


def blocks(size: tuple[int, int], mode: str = "RGB", seed: str = "darkroom") -> Image.Image:
    """A 4 x 3 grid of colours from SHA-256 with noise over it: smooth areas and edges, like a picture."""
    grid = noise((4, 3), mode, seed).resize(size, Image.Resampling.NEAREST)
    return Image.blend(grid, noise(size, mode, seed + "/noise"), 0.15)


# ---------------------------------------------------------------- EXIF written by hand
# Pillow's Image.Exif writes each known tag with its standard type; hostile EXIF needs any type, count and bytes.
# An entry is (tag, TIFF type, count, value bytes), little-endian.


def ascii_tag(tag: int, text: str | bytes) -> tuple[int, int, int, bytes]:
    data = (text.encode() if isinstance(text, str) else text) + b"\0"
    return tag, 2, len(data), data


def undefined_tag(tag: int, data: bytes) -> tuple[int, int, int, bytes]:
    return tag, 7, len(data), data


def short_tag(tag: int, *values: int) -> tuple[int, int, int, bytes]:
    return tag, 3, len(values), struct.pack(f"<{len(values)}H", *values)


def rational_tag(tag: int, *fractions: tuple[int, int]) -> tuple[int, int, int, bytes]:
    return tag, 5, len(fractions), b"".join(struct.pack("<II", *fraction) for fraction in fractions)


def exif_block(ifd0=(), exif=(), gps=()) -> bytes:
    """An APP1 EXIF payload ("Exif\\0\\0" and a TIFF structure): IFD0 pointing to an Exif IFD and a GPS IFD."""

    def ifd(entries, start: int) -> bytes:
        table_size = 2 + 12 * len(entries) + 4
        table, data = struct.pack("<H", len(entries)), b""
        for tag, kind, count, value in sorted(entries):
            if len(value) <= 4:
                table += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\0")
            else:
                table += struct.pack("<HHII", tag, kind, count, start + table_size + len(data))
                data += value + b"\0" * (len(value) % 2)
        return table + b"\0\0\0\0" + data

    def pointers(exif_at: int, gps_at: int) -> list:
        return [(0x8769, 4, 1, struct.pack("<I", exif_at))] * bool(exif) + [
            (0x8825, 4, 1, struct.pack("<I", gps_at))
        ] * bool(gps)

    first_size = len(ifd([*ifd0, *pointers(0, 0)], 8))
    exif_at = 8 + first_size
    exif_ifd = ifd(exif, exif_at)
    gps_at = exif_at + len(exif_ifd) * bool(exif)
    first = ifd([*ifd0, *pointers(exif_at, gps_at)], 8)
    return b"Exif\0\0II*\0" + struct.pack("<I", 8) + first + exif_ifd * bool(exif) + ifd(gps, gps_at) * bool(gps)


def phone_exif(*, private: bool = False) -> Image.Exif:
    """What a phone writes for a photo (the values of tests/events/manifest_ready.json); with `private`, also what
    must never reach the manifest: a GPS position and serial numbers."""
    exif = Image.Exif()
    exif[0x010F] = "Apple"  # Make
    exif[0x0110] = "iPhone 13"  # Model
    exif[0x0132] = "2024:06:02 08:00:00"  # DateTime: when the file last changed
    details = exif.get_ifd(0x8769)  # the Exif IFD
    details[0x9003] = "2024:06:01 14:03:22"  # DateTimeOriginal
    details[0x9011] = "+02:00"  # OffsetTimeOriginal
    details[0x829A] = 1 / 120  # ExposureTime
    details[0x829D] = 1.6  # FNumber
    details[0x8827] = 50  # ISOSpeedRatings
    details[0x920A] = 5.1  # FocalLength
    details[0xA434] = "iPhone 13 back dual wide camera 5.1mm f/1.6"  # LensModel
    if private:
        details[0xA430] = "Jane Q. Private"  # CameraOwnerName
        details[0xA431] = "SN-BODY-7731-0042"  # BodySerialNumber
        details[0xA435] = "SN-LENS-5502-0099"  # LensSerialNumber
        details[0xA420] = "4f1c0b2e9a7d4e6b8c3a5d7e9f1a2b3c"  # ImageUniqueID
        gps = exif.get_ifd(0x8825)
        gps.update({1: "N", 2: (48.0, 51.0, 29.1234), 3: "E", 4: (2.0, 17.0, 40.5678), 6: 35.4321})
        gps.update({29: "2024:06:01", 0x001B: b"ASCII\0\0\0GPS-NETWORK"})  # GPSDateStamp, GPSProcessingMethod
    return exif
