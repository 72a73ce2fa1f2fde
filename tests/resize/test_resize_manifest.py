"""The manifest: the exact shape of the samples the site reads, and the ETag check that makes retries free."""

import pytest
from PIL import Image

import renditions
from resize_manifest import failed_manifest, is_current, ready_manifest
from resize_request import ResizeRequest
from tests.resize.helpers import encode, phone_exif, quadrants
from tests.samples import load_event

REQUEST = ResizeRequest(
    photo_id="0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10",
    source_key="uploads/42/0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10",
    output_prefix="renditions/0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10/",
    correlation_id="c0ffee00c0ffee00c0ffee00c0ffee00",
)
ETAG = '"9b2cf535f27731c974343645a3985328"'


def shape(document):
    """Keys all the way down, values ignored: what two manifests must share."""
    if isinstance(document, dict):
        return {key: shape(value) for key, value in document.items()}
    if isinstance(document, list):
        return [shape(document[0])] if document else []
    return type(document).__name__


def test_ready_manifest_has_the_samples_shape_and_values():
    # The sample's photo: a phone's 12 MP JPEG with its EXIF; the sample's placeholder is this picture's.
    rendered = renditions.render(encode(quadrants((4032, 3024)), "JPEG", exif=phone_exif()))

    manifest = ready_manifest(request=REQUEST, etag=ETAG, rendered=rendered)

    sample = load_event("manifest_ready.json")
    assert shape(manifest) == shape(sample)
    assert {key: manifest[key] for key in ("version", "photo_id", "status", "placeholder", "error")} == {
        key: sample[key] for key in ("version", "photo_id", "status", "placeholder", "error")
    }
    assert manifest["source"] == sample["source"]
    assert [(item["key"], item["width"], item["format"]) for item in manifest["renditions"]] == [
        (item["key"], item["width"], item["format"]) for item in sample["renditions"]
    ]
    sizes = {item.name: len(item.data) for item in rendered.renditions}
    assert all(item["bytes"] == sizes[item["key"].rsplit("/", 1)[1]] for item in manifest["renditions"])


def test_a_photo_without_exif_has_null_facts_and_still_a_placeholder():
    rendered = renditions.render(encode(quadrants((400, 300)), "PNG"))

    manifest = ready_manifest(request=REQUEST, etag=ETAG, rendered=rendered)

    assert (manifest["source"]["taken_at"], manifest["source"]["camera"]) == (None, None)
    assert set(manifest["placeholder"]) == {"thumbhash", "color"}


def test_a_camera_with_some_settings_has_null_for_the_others():
    exif = Image.Exif()
    exif[0x0110] = "DMC-GX80"  # Model, and nothing else

    manifest = ready_manifest(
        request=REQUEST, etag=ETAG, rendered=renditions.render(encode(quadrants(), "JPEG", exif=exif))
    )

    assert manifest["source"]["camera"] == {
        "make": None,
        "model": "DMC-GX80",
        "lens": None,
        "exposure_time": None,
        "f_number": None,
        "iso": None,
        "focal_length_mm": None,
    }


def test_failed_manifest_is_the_sample():
    manifest = failed_manifest(request=REQUEST, etag=ETAG, code="unsupported_format", message="not a supported image")

    assert manifest == load_event("manifest_failed.json")


@pytest.mark.parametrize(
    ("document", "current"),
    [
        (load_event("manifest_ready.json"), True),
        (load_event("manifest_failed.json"), True),
        ({**load_event("manifest_ready.json"), "source": {"etag": '"another-version"'}}, False),
        ({**load_event("manifest_ready.json"), "version": 2}, False),
        ({**load_event("manifest_ready.json"), "status": "processing"}, False),
        ({"source": None}, False),
        (None, False),
        (["not", "a", "manifest"], False),
    ],
)
def test_only_a_finished_manifest_for_the_same_etag_is_current(document, current):
    assert is_current(document, etag=ETAG) is current
