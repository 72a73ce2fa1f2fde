"""The viewer's details and the words for a failure: plain text from what the resize function recorded."""

from datetime import UTC, datetime

import pytest

from web.photos.facts import camera_text, exposure_text, photo_facts
from web.photos.failures import FAILURE_TEXT, failure_text
from web.photos.models import Photo


def photo(**fields) -> Photo:
    return Photo(**{"size_bytes": 2_400_000, "content_type": "image/jpeg", "camera": {}, **fields})


def test_every_fact_of_a_photo_with_full_exif():
    camera = {"make": "Canon", "model": "Canon EOS R6", "lens": "RF24-105mm F4 L IS USM", "exposure_time": "1/250",
              "f_number": 4.0, "iso": 200, "focal_length_mm": 50.0}  # fmt: skip
    taken = datetime(2024, 6, 1, 14, 3, 22, tzinfo=UTC)

    facts = photo_facts(photo=photo(camera=camera, taken_at=taken, taken_offset=-330, width=4000, height=3000))

    assert facts == [
        ("Taken", "Sat, 1 Jun 2024, 14:03 (UTC−05:30)"),
        ("Camera", "Canon EOS R6 · RF24-105mm F4 L IS USM"),
        ("Exposure", "1/250 s · ƒ/4 · ISO 200 · 50 mm"),
        ("Dimensions", "4000 × 3000 px"),
        ("File", "2.3\xa0MB · image/jpeg"),
    ]


def test_a_photo_without_exif_shows_only_what_is_known():
    assert photo_facts(photo=photo()) == [("File", "2.3\xa0MB · image/jpeg")]


@pytest.mark.parametrize(
    ("camera", "text"),
    [
        ({"make": "FUJIFILM", "model": "X-T5"}, "FUJIFILM X-T5"),
        ({"make": "Apple", "model": "apple iPhone 15"}, "apple iPhone 15"),
        ({"model": "Pixel 8"}, "Pixel 8"),
        ({"lens": "50mm"}, "50mm"),
        ({}, ""),
    ],
)
def test_camera_names_the_body_once(camera, text):
    assert camera_text(camera=camera) == text


def test_exposure_leaves_out_what_is_missing():
    assert exposure_text(camera={"f_number": 1.8, "iso": 64}) == "ƒ/1.8 · ISO 64"


@pytest.mark.parametrize("code", sorted(FAILURE_TEXT))
def test_every_failure_code_reads_as_a_sentence(code):
    text = failure_text(photo=photo(status="failed", failure_code=code, failure_message="internal words"))

    assert text == FAILURE_TEXT[code] and text[0].isupper() and text.endswith(".")


def test_an_unknown_failure_shows_the_functions_message_and_a_ready_photo_none():
    assert failure_text(photo=photo(status="failed", failure_code="new", failure_message="odd")) == "odd"
    assert failure_text(photo=photo(status="ready")) == ""
