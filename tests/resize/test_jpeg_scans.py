"""Counting the passes libjpeg makes over a JPEG, before any pixel is decoded."""

import pytest
from PIL import Image

from jpeg_scans import decode_passes
from tests.resize.helpers import encode, jpeg_with_empty_scans, jpeg_with_scans, quadrants


@pytest.mark.parametrize("mode", ["RGB", "L", "CMYK"])
def test_a_sequential_jpeg_with_one_interleaved_scan_is_one_pass(mode):
    assert decode_passes(encode(quadrants(mode=mode), "JPEG")) == 1


def test_a_jpeg_carrying_a_thumbnail_in_app1_is_one_pass():
    # A phone's EXIF thumbnail is a whole JPEG, scan included, inside APP1: skipped by the segment's length.
    main, thumbnail = encode(quadrants((1200, 900)), "JPEG"), encode(quadrants((160, 120)), "JPEG")
    app1 = b"Exif\x00\x00" + thumbnail
    data = main[:2] + b"\xff\xe1" + (len(app1) + 2).to_bytes(2) + app1 + main[2:]
    assert data.count(b"\xff\xda") == 2

    assert decode_passes(data) == 1


def test_scan_markers_in_a_comment_do_not_count():
    assert decode_passes(encode(quadrants(), "JPEG", comment=b"\xff\xda" * 500)) == 1


def test_a_progressive_jpeg_counts_each_scan():
    data = jpeg_with_scans(quadrants(), 40)

    assert decode_passes(data) == 40


def test_empty_scans_of_one_component_count_each():
    assert decode_passes(jpeg_with_empty_scans(Image.new("RGB", (64, 64)), 300)) == 300


@pytest.mark.parametrize(
    "cut", [3, 6, 20, 200], ids=["in-the-first-marker", "in-a-length", "in-a-segment", "before-the-scan"]
)
def test_a_header_cut_short_is_counted_the_sure_way(cut):
    data = encode(quadrants(), "JPEG")[:cut]

    assert decode_passes(data) == data.count(b"\xff\xda")


def test_bytes_that_are_no_marker_are_counted_the_sure_way():
    data = b"\xff\xd8" + b"\x00" * 64 + b"\xff\xda" * 3

    assert decode_passes(data) == 3
