"""The photo's facts from its EXIF: the right values from a camera's JPEG, HEIC, PNG and WebP; None for what is
missing, impossible or hostile, one test per kind of bad input, and never an error that could fail a resize."""

import io
import struct
import zlib
from datetime import datetime

import pytest
from PIL import Image
from PIL.ExifTags import IFD, Base
from pillow_heif import register_heif_opener

import renditions
from bench.camera_jpeg import camera_jpeg
from photo_facts import Camera, PhotoFacts, read_facts
from tests.resize.helpers import (
    ascii_tag,
    encode,
    exif_block,
    quadrants,
    rational_tag,
    short_tag,
    undefined_tag,
)

register_heif_opener()  # this test's own HEIC writer
NOW = datetime(2026, 1, 1, 12, 0, 0)


def camera_exif() -> Image.Exif:
    """What a mirrorless camera writes, as Pillow's Image.Exif builds it."""
    exif = Image.Exif()
    exif[Base.Make] = "FUJIFILM"
    exif[Base.Model] = "X-T5"
    exif[Base.DateTime] = "2024:06:02 09:00:00"  # when the file was last changed
    details = exif.get_ifd(IFD.Exif)
    details[Base.DateTimeOriginal] = "2024:06:01 14:03:22"
    details[Base.OffsetTimeOriginal] = "+02:00"
    details[Base.DateTimeDigitized] = "2024:06:01 14:03:23"
    details[Base.ExposureTime] = 1 / 250
    details[Base.FNumber] = 4.0
    details[Base.ISOSpeedRatings] = 200
    details[Base.FocalLength] = 23.0
    details[Base.LensModel] = "XF23mmF1.4 R LM WR"
    return exif


FUJI = Camera(
    make="FUJIFILM",
    model="X-T5",
    lens="XF23mmF1.4 R LM WR",
    exposure_time="1/250",
    f_number=4.0,
    iso=200,
    focal_length_mm=23.0,
)


def facts_of(data: bytes) -> PhotoFacts:
    return read_facts(Image.open(io.BytesIO(data)), now=NOW)


def jpeg(exif) -> bytes:
    return encode(quadrants(), "JPEG", exif=exif)


def with_exif(*details, ifd0=()) -> PhotoFacts:
    """The facts of a JPEG whose EXIF is written by hand: `details` in the Exif IFD, `ifd0` in IFD0."""
    return facts_of(jpeg(exif_block(ifd0, details)))


# ---------------------------------------------------------------- a camera's photo


def test_a_cameras_jpeg_gives_when_and_with_what():
    facts = facts_of(jpeg(camera_exif()))

    assert facts == PhotoFacts(taken_at="2024-06-01T14:03:22+02:00", camera=FUJI)


def test_a_cameras_embedded_thumbnail_changes_no_fact():
    # GIVEN the camera's JPEG with the small copy cameras embed in a second EXIF directory (IFD1)
    data = camera_jpeg(quadrants(), camera_exif())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(IFD.IFD1)[Base.JpegIFByteCount] > 0

    # THEN its facts are the photo's, none taken from the thumbnail's directory
    assert facts_of(data) == PhotoFacts(taken_at="2024-06-01T14:03:22+02:00", camera=FUJI)


def test_a_photo_without_exif_has_no_facts():
    assert facts_of(jpeg(b"")) == PhotoFacts(taken_at=None, camera=None)


def test_exif_with_no_camera_setting_has_no_camera():
    exif = Image.Exif()
    exif[Base.Orientation] = 1
    exif[Base.Software] = "GIMP 2.10"

    assert facts_of(jpeg(exif)) == PhotoFacts(taken_at=None, camera=None)


def test_one_setting_is_enough_for_a_camera():
    assert with_exif(short_tag(Base.ISOSpeedRatings, 1600)).camera == Camera(iso=1600)


@pytest.mark.parametrize(
    "kind",
    [
        "png",  # an eXIf chunk
        "png-exif-after-the-pixels",  # allowed by the PNG spec; Pillow reads it once the pixels are decoded
        "webp",
        "heif",
    ],
)
def test_facts_are_read_from_every_format_that_carries_exif(kind):
    if kind == "png-exif-after-the-pixels":
        data = _exif_chunk_last(encode(quadrants(), "PNG", exif=camera_exif()))
    else:
        data = encode(quadrants(), kind.upper(), exif=camera_exif())

    rendered = renditions.render(data)

    assert rendered.facts == PhotoFacts(taken_at="2024-06-01T14:03:22+02:00", camera=FUJI)


def _exif_chunk_last(png: bytes) -> bytes:
    """The same PNG with its eXIf chunk moved just before IEND."""
    chunks, position = [], 8
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        chunks.append(png[position : position + 12 + length])
        position += 12 + length
    exif = next(chunk for chunk in chunks if chunk[4:8] == b"eXIf")
    chunks.remove(exif)
    assert chunks[-1][4:8] == b"IEND" and zlib.crc32(exif[4:-4]) == struct.unpack(">I", exif[-4:])[0]
    return png[:8] + b"".join(chunks[:-1]) + exif + chunks[-1]


# ---------------------------------------------------------------- when


def test_digitized_is_the_fallback_with_its_own_offset():
    facts = with_exif(
        ascii_tag(Base.DateTimeDigitized, "2023:12:31 23:59:59"),
        ascii_tag(Base.OffsetTimeDigitized, "-05:30"),
        ascii_tag(Base.OffsetTimeOriginal, "+09:00"),  # belongs to a DateTimeOriginal that is not there
    )

    assert facts.taken_at == "2023-12-31T23:59:59-05:30"


def test_ifd0_datetime_is_the_last_fallback_with_offset_time():
    facts = with_exif(
        ascii_tag(Base.DateTimeOriginal, "0000:00:00 00:00:00"),  # what a camera with an unset clock writes
        ascii_tag(Base.OffsetTime, "+01:00"),
        ifd0=[ascii_tag(Base.DateTime, "2022:02:03 04:05:06")],
    )

    assert facts.taken_at == "2022-02-03T04:05:06+01:00"


def test_without_an_offset_the_time_is_local_and_naive():
    facts = with_exif(ascii_tag(Base.DateTimeOriginal, "2024:06:01 14:03:22"))

    assert facts.taken_at == "2024-06-01T14:03:22"


@pytest.mark.parametrize(
    ("stamp", "taken_at"),
    [
        ("2024:06:01 14:03:22", "2024-06-01T14:03:22"),
        ("2024-06-01T14:03:22", "2024-06-01T14:03:22"),
        ("2024:06:01 14:03:22.125", "2024-06-01T14:03:22"),  # no fractional seconds
        ("  2024:06:01 14:03:22 ", "2024-06-01T14:03:22"),
        ("1826:06:01 00:00:00", "1826-06-01T00:00:00"),
        ("2026:01:03 11:00:00", "2026-01-03T11:00:00"),  # a clock a little fast, or a time zone ahead
        ("0000:00:00 00:00:00", None),
        ("    :  :     :  :  ", None),  # EXIF's "unknown"
        ("1825:12:31 23:59:59", None),  # before photography
        ("1601:01:01 00:00:00", None),  # Windows' epoch
        ("2026:01:04 00:00:00", None),  # more than two days ahead of the resize
        ("2099:01:01 00:00:00", None),
        ("2024:02:30 10:00:00", None),
        ("2024:13:01 10:00:00", None),
        ("2024:06:01 24:00:00", None),
        ("2024:06:01", None),
        ("yesterday at noon", None),
        ("２０２４:06:01 14:03:22", None),  # fullwidth digits are not EXIF's
    ],
)
def test_impossible_dates_are_none(stamp, taken_at):
    assert with_exif(ascii_tag(Base.DateTimeOriginal, stamp)).taken_at == taken_at


@pytest.mark.parametrize(
    ("offset", "suffix"),
    [
        ("+02:00", "+02:00"),
        ("-09:30", "-09:30"),
        ("+14:00", "+14:00"),
        ("-00:00", "+00:00"),
        ("+14:30", ""),
        ("+02:60", ""),
        ("+2:00", ""),
        ("02:00", ""),
        ("Z", ""),
        ("   :  ", ""),
    ],
)
def test_only_valid_offsets_are_appended(offset, suffix):
    facts = with_exif(
        ascii_tag(Base.DateTimeOriginal, "2024:06:01 14:03:22"), ascii_tag(Base.OffsetTimeOriginal, offset)
    )

    assert facts.taken_at == "2024-06-01T14:03:22" + suffix


# ---------------------------------------------------------------- with what


@pytest.mark.parametrize(
    ("fraction", "shown"),
    [
        ((1, 8000), "1/8000"),
        ((1, 250), "1/250"),
        ((10, 2500), "1/250"),
        ((3, 1000), "1/333"),
        ((1, 4), "1/4"),
        ((2, 15), "1/8"),  # a short exposure is always a fraction, rounded
        ((1, 3), "1/3"),
        ((1, 2), "1/2"),
        ((3, 10), "0.3"),
        ((2, 5), "0.4"),  # third stops between 1/2 and 1 s, as cameras show them
        ((5, 8), "0.6"),
        ((10, 13), "0.8"),
        ((1, 1), "1"),
        ((13, 10), "1.3"),
        ((2, 1), "2"),
        ((30, 1), "30"),
        ((3600, 1), "3600"),
    ],
)
def test_exposure_time_reads_as_people_write_it(fraction, shown):
    assert with_exif(rational_tag(Base.ExposureTime, fraction)).camera.exposure_time == shown


def test_numbers_are_rounded_to_one_decimal():
    camera = with_exif(rational_tag(Base.FNumber, (56, 10)), rational_tag(Base.FocalLength, (2345, 100))).camera

    assert (camera.f_number, camera.focal_length_mm) == (5.6, 23.4)


def test_iso_is_the_first_of_several():
    assert with_exif(short_tag(Base.ISOSpeedRatings, 200, 400)).camera.iso == 200


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Canon", "Canon"),
        ("  NIKON   CORPORATION  ", "NIKON CORPORATION"),
        ("NIKON\tCORPORATION\r\n", "NIKON CORPORATION"),
        ("Canon\0\0\0padding after the terminator", "Canon"),
        ("Ca\x01n\x7fon", "Canon"),  # control characters
        ("\u202eevil\u200b phone\ufeff", "evil phone"),  # a bidi override, a zero-width space, a BOM
        ("Leica Camera AG Wetzlar " * 4, ("Leica Camera AG Wetzlar " * 3)[:64].rstrip()),  # at most 64
        ("   ", None),
        ("", None),
    ],
)
def test_names_are_cleaned(raw, clean):
    camera = with_exif(short_tag(Base.ISOSpeedRatings, 100), ifd0=[ascii_tag(Base.Make, raw)]).camera

    assert camera.make == clean


def test_utf8_names_survive_pillows_latin_1():
    facts = with_exif(ascii_tag(Base.LensModel, "Summilux 50 mm ƒ/1.4 – ASPH. µ".encode()))

    assert facts.camera.lens == "Summilux 50 mm ƒ/1.4 – ASPH. µ"


def test_a_model_that_starts_with_the_make_is_kept_as_it_is():
    camera = with_exif(ifd0=[ascii_tag(Base.Make, "Canon"), ascii_tag(Base.Model, "Canon EOS R5")]).camera

    assert (camera.make, camera.model) == ("Canon", "Canon EOS R5")


# ---------------------------------------------------------------- hostile EXIF: a bad field is None, nothing fails


def _pointing_outside(block: bytes) -> bytes:
    """The EXIF block with IFD0's pointer to the Exif IFD (tag 0x8769, type LONG, count 1) aimed past its end."""
    entry = struct.pack("<HHI", IFD.Exif, 4, 1)
    at = block.index(entry) + len(entry)
    return block[:at] + struct.pack("<I", 0xFFFF) + block[at + 4 :]


HOSTILE = {
    "wrong-types": (
        exif_block(
            [short_tag(Base.Make, 42), rational_tag(Base.Model, (1, 2)), ascii_tag(Base.Software, "fine")],
            [
                short_tag(Base.DateTimeOriginal, 2024),
                ascii_tag(Base.ExposureTime, "1/250"),
                ascii_tag(Base.FNumber, "2.8"),
                rational_tag(Base.ISOSpeedRatings, (200, 1)),
                ascii_tag(Base.FocalLength, "50mm"),
                short_tag(Base.LensModel, 7),
                ascii_tag(Base.DateTimeDigitized, "2024:06:01 14:03:22"),
                short_tag(Base.OffsetTimeDigitized, 2),
            ],
        ),
        PhotoFacts(taken_at="2024-06-01T14:03:22", camera=None),
    ),
    "zero-denominators": (
        exif_block(
            [ascii_tag(Base.Make, "Canon")],
            [
                rational_tag(Base.ExposureTime, (1, 0)),
                rational_tag(Base.FNumber, (0, 0)),
                rational_tag(Base.FocalLength, (50, 0)),
            ],
        ),
        PhotoFacts(camera=Camera(make="Canon")),
    ),
    "huge-strings": (
        exif_block(
            [ascii_tag(Base.Make, "A" * 60_000), ascii_tag(Base.Model, "B" * 1000)],
            [ascii_tag(Base.DateTimeOriginal, "2024:06:01 14:03:22" + " " * 2000)],
        ),
        PhotoFacts(camera=Camera(model="B" * 64)),
    ),
    "bytes-that-are-not-text": (
        exif_block(
            [ascii_tag(Base.Make, b"\xff\xfe\x80\x81"), ascii_tag(Base.Model, b"X\xc3")],  # the second cut mid-UTF-8
            [
                undefined_tag(Base.LensModel, b"\xfe\xff\x01\x02\x80\x81"),
                ascii_tag(Base.DateTimeOriginal, b"2024:06:01\xa014:03:22"),
                ascii_tag(Base.DateTimeDigitized, "2024:06:01 14:03:22"),
                ascii_tag(Base.OffsetTimeDigitized, b"+02\xff00"),
                rational_tag(Base.FNumber, (4, 1)),
            ],
        ),
        PhotoFacts(taken_at="2024-06-01T14:03:22", camera=Camera(f_number=4.0)),
    ),
    "rationals-as-tuples": (
        exif_block(
            [ascii_tag(Base.Make, "Sony")],
            [
                rational_tag(Base.FNumber, (28, 10), (1, 1)),
                rational_tag(Base.ExposureTime, (1, 250), (1, 500), (1, 1000)),
                rational_tag(Base.FocalLength),  # a count of 0
            ],
        ),
        PhotoFacts(camera=Camera(make="Sony")),
    ),
    "out-of-range": (
        exif_block(
            [ascii_tag(Base.Make, "Sony")],
            [
                rational_tag(Base.ExposureTime, (100_000_000, 1)),
                rational_tag(Base.FNumber, (0, 1)),
                short_tag(Base.ISOSpeedRatings, 0),
                rational_tag(Base.FocalLength, (4_000_000_000, 1)),
            ],
        ),
        PhotoFacts(camera=Camera(make="Sony")),
    ),
    "unparseable-exif": (b"Exif\0\0MM\0*\xff\xff\xff\xff" + b"\x13" * 40, PhotoFacts()),
    "exif-ifd-out-of-bounds": (
        _pointing_outside(
            exif_block([ascii_tag(Base.Make, "Canon")], [ascii_tag(Base.DateTimeOriginal, "2024:06:01 14:03:22")])
        ),
        PhotoFacts(camera=Camera(make="Canon")),
    ),
}


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_exif_gives_none_for_the_bad_fields_and_never_fails_the_resize(kind):
    block, expected = HOSTILE[kind]
    data = jpeg(block)

    rendered = renditions.render(data)

    assert facts_of(data) == expected
    assert rendered.facts == expected and rendered.renditions


def test_exif_that_raises_when_read_is_no_facts():
    class Picture:
        def getexif(self):
            raise SyntaxError("not a TIFF file")

    assert read_facts(Picture(), now=NOW) == PhotoFacts()


def test_a_tag_that_raises_when_decoded_is_none_and_the_others_are_read():
    class Exif(dict):
        def get(self, tag, default=None):
            if tag == Base.Model:
                raise ValueError("bad tag")
            return super().get(tag, default)

        def get_ifd(self, tag):
            raise OSError("bad IFD offset")

    class Picture:
        def getexif(self):
            return Exif({Base.Make: "Canon", Base.Model: "EOS R5"})

    assert read_facts(Picture(), now=NOW) == PhotoFacts(camera=Camera(make="Canon"))
