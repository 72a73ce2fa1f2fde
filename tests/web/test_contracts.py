"""The site produces exactly the sample messages in tests/events/, which the functions' tests consume."""

import pytest

from tests.samples import load_event
from web import contracts


def test_resize_requested_matches_sample():
    sample = load_event("resize_request.json")

    message = contracts.resize_requested(
        photo_id=sample["photo_id"],
        source_key=sample["source_key"],
        output_prefix=sample["output_prefix"],
        correlation_id=sample["correlation_id"],
    )

    assert message == sample


def test_welcome_email_matches_sample():
    sample = load_event("notify_welcome.json")

    message = contracts.welcome_email(
        user_id=42, to=sample["to"], site_url=sample["data"]["site_url"], correlation_id=sample["correlation_id"]
    )

    assert message == sample


def test_upload_received_email_matches_sample():
    sample = load_event("notify_upload_received.json")
    photo_id = sample["idempotency_key"].removeprefix("upload-received:")

    message = contracts.upload_received_email(
        photo_id=photo_id,
        to=sample["to"],
        filename=sample["data"]["filename"],
        photo_url=sample["data"]["photo_url"],
        correlation_id=sample["correlation_id"],
    )

    assert message == sample


def test_password_reset_email_matches_sample():
    sample = load_event("notify_password_reset.json")

    message = contracts.password_reset_email(
        request_id=sample["idempotency_key"].removeprefix("password-reset:"),
        to=sample["to"],
        reset_url=sample["data"]["reset_url"],
        expires_in=sample["data"]["expires_in"],
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
    assert {item["format"] for item in manifest.renditions} == {"jpeg", "webp"}
    assert all(set(item) == {"key", "width", "height", "format", "bytes"} for item in manifest.renditions)


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
