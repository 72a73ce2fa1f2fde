"""The site produces exactly the sample messages in tests/events/, which the functions' tests consume."""

import copy
from datetime import datetime

import pytest

from tests.samples import load_event
from web import contracts


def test_resize_requested_matches_sample():
    sample = load_event("resize_request.json")

    message = contracts.resize_requested(
        photo_id=sample["photo_id"],
        source_key=sample["source_key"],
        source_etag=sample["source_etag"],
        output_prefix=sample["output_prefix"],
        correlation_id=sample["correlation_id"],
    )

    assert message == sample


def test_verify_address_email_matches_sample():
    sample = load_event("notify_verify_address.json")

    message = contracts.verify_address_email(
        send_id=sample["idempotency_key"].removeprefix("verify-address:"),
        to=sample["to"],
        verify_url=sample["data"]["verify_url"],
        expires_in=sample["data"]["expires_in"],
        correlation_id=sample["correlation_id"],
    )

    assert message == sample


def test_upload_batch_email_matches_sample():
    sample = load_event("notify_upload_batch.json")

    message = contracts.upload_batch_email(
        batch_id=sample["idempotency_key"].removeprefix("upload-batch:"),
        to=sample["to"],
        developed=sample["data"]["developed"],
        failed=sample["data"]["failed"],
        gallery_url=sample["data"]["gallery_url"],
        correlation_id=sample["correlation_id"],
    )

    assert message == sample


def test_a_batch_email_lists_30_failures_and_counts_them_all():
    failed = [{"filename": f"IMG_{n}.jpg", "reason": "The file is damaged or cut short."} for n in range(45)]

    data = contracts.upload_batch_email(
        batch_id="b", to="a@example.com", developed=0, failed=failed, gallery_url="http://t/", correlation_id="c"
    )["data"]

    assert data["failed_count"] == 45 and data["failed"] == failed[:30]


def test_password_reset_email_matches_sample():
    sample = load_event("notify_password_reset.json")

    message = contracts.password_reset_email(
        request_id=sample["idempotency_key"].removeprefix("password-reset:"),
        to=sample["to"],
        reset_url=sample["data"]["reset_url"],
        expires_in=sample["data"]["expires_in"],
        expires_at=datetime.fromisoformat(sample["data"]["expires_at"]),
        correlation_id=sample["correlation_id"],
    )

    assert message == sample


def test_password_changed_email_matches_sample():
    sample = load_event("notify_password_changed.json")

    message = contracts.password_changed_email(
        change_id=sample["idempotency_key"].removeprefix("password-changed:"),
        to=sample["to"],
        reset_page_url=sample["data"]["reset_page_url"],
        correlation_id=sample["correlation_id"],
    )

    assert message == sample


def test_ready_manifest_sample_parses():
    manifest = contracts.parse_manifest(load_event("manifest_ready.json"))

    assert manifest.status == "ready"
    assert manifest.width and manifest.height
    assert {item["format"] for item in manifest.renditions} == {"webp"}
    assert all(set(item) == {"key", "width", "height", "format", "bytes"} for item in manifest.renditions)
    # what the gallery and the viewer show, all of it read from the sample
    assert (manifest.taken_at, manifest.taken_offset) == (datetime(2024, 6, 1, 14, 3, 22), 120)
    assert manifest.camera == load_event("manifest_ready.json")["source"]["camera"]
    assert manifest.thumbhash and manifest.color.startswith("#")


def test_failed_manifest_sample_parses():
    manifest = contracts.parse_manifest(load_event("manifest_failed.json"))

    assert manifest.status == "failed"
    assert manifest.renditions == []
    assert manifest.error_code and manifest.error_message


@pytest.mark.parametrize(
    "document",
    [
        {"version": 2, "status": "ready"},
        {"version": 1, "status": "exploded"},
        {"version": 1, "status": "ready", "renditions": [{"key": "renditions/x/w1.jpg"}]},
        {"version": 1, "status": "ready", "renditions": ["not-an-object"]},
    ],
)
def test_unknown_manifests_are_refused(document):
    with pytest.raises(contracts.ManifestError):
        contracts.parse_manifest(document)


def _ready_with(**changes) -> dict:
    document = copy.deepcopy(load_event("manifest_ready.json"))
    for path, value in changes.items():
        target = document
        *parents, name = path.split("__")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[name] = value
    return document


def test_a_manifest_without_the_later_fields_still_parses():
    document = copy.deepcopy(load_event("manifest_ready.json"))
    document.pop("placeholder", None)
    for name in ("taken_at", "camera"):
        document["source"].pop(name, None)

    manifest = contracts.parse_manifest(document)

    assert (manifest.taken_at, manifest.taken_offset, manifest.camera) == (None, None, {})
    assert (manifest.thumbhash, manifest.color) == ("", "")


@pytest.mark.parametrize(
    ("taken_at", "expected"),
    [
        ("2024-06-01T14:03:22+02:00", (datetime(2024, 6, 1, 14, 3, 22), 120)),
        ("2024-06-01T14:03:22-05:30", (datetime(2024, 6, 1, 14, 3, 22), -330)),
        ("2024-06-01T14:03:22", (datetime(2024, 6, 1, 14, 3, 22), None)),
        ("yesterday", (None, None)),
        (20240601, (None, None)),
        (None, (None, None)),
    ],
)
def test_taken_at_is_the_cameras_wall_clock_and_its_offset(taken_at, expected):
    manifest = contracts.parse_manifest(_ready_with(source__taken_at=taken_at))

    assert (manifest.taken_at, manifest.taken_offset) == expected


def test_camera_fields_of_the_wrong_type_are_dropped_and_long_text_cut():
    camera = {"make": "Canon", "model": "x" * 500, "lens": 42, "iso": "200", "f_number": True, "gps": "51.5,-0.1"}

    manifest = contracts.parse_manifest(_ready_with(source__camera=camera))

    assert manifest.camera == {"make": "Canon", "model": "x" * 64}


@pytest.mark.parametrize(
    "placeholder",
    [
        {"thumbhash": "<script>", "color": "red"},
        {"thumbhash": "YJqGPQw7sFlslqhFafSE+Q6oJ1h2iHB2Rw==\n", "color": "#ABCDEF"},
        {"thumbhash": ["x"], "color": None},
        "not an object",
    ],
)
def test_a_malformed_placeholder_is_ignored(placeholder):
    manifest = contracts.parse_manifest(_ready_with(placeholder=placeholder))

    assert (manifest.thumbhash, manifest.color) == ("", "")


def test_every_queue_has_its_url_setting(settings):
    for queue in contracts.Queue:
        assert getattr(settings, f"DARKROOM_{queue.name}_QUEUE_URL").startswith("https://")
