"""The message check: the site's sample is accepted; anything else is a BadMessage the handler acknowledges."""

import json

import pytest

from resize_request import BadMessage, ResizeRequest, parse_request
from tests.samples import load_event

SAMPLE = load_event("resize_request.json")
PHOTO = SAMPLE["photo_id"]
OTHER_PHOTO = "7c9d2e41-0a6b-4f3e-8d15-2b4c6e8f0a13"


def test_the_sites_sample_message_is_accepted():
    request = parse_request(json.dumps(SAMPLE))

    assert request == ResizeRequest(
        photo_id=SAMPLE["photo_id"],
        source_key=SAMPLE["source_key"],
        output_prefix=SAMPLE["output_prefix"],
        correlation_id=SAMPLE["correlation_id"],
        source_etag=SAMPLE["source_etag"],
    )
    assert request.manifest_key == f"{SAMPLE['output_prefix']}manifest.json"


def _with(**changes) -> str:
    document = {**SAMPLE, **changes}
    return json.dumps({name: value for name, value in document.items() if value is not ...})


@pytest.mark.parametrize("etag", [..., None, ""], ids=["absent", "null", "empty"])
def test_a_message_without_a_pinned_etag_is_accepted_as_before(etag):
    # Sent before the site pinned the ETag, or for a photo confirmed before it recorded one.
    assert parse_request(_with(source_etag=etag)).source_etag is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{not json", "not JSON"),
        ("", "not JSON"),
        ('["a", "list"]', "not a JSON object"),
        (_with(version=2), "unknown version 2"),
        (_with(version=...), "unknown version None"),
        (_with(kind="resize.cancelled"), "unknown kind"),
        (_with(photo_id=...), "missing or empty photo_id"),
        (_with(source_key=""), "missing or empty source_key"),
        (_with(correlation_id=7), "missing or empty correlation_id"),
        (_with(source_etag=7), "source_etag 7 is not an ETag"),
        (_with(source_etag='"abc"\r\nX-Amz-Foo: 1'), "is not an ETag"),
    ],
)
def test_malformed_messages_are_refused_with_a_reason(body, reason):
    with pytest.raises(BadMessage, match=reason.replace("(", r"\(")):
        parse_request(body)


# Each a message a principal allowed to send to the queue could make by hand: keys that are not the named photo's.
MISBOUND = {
    "photo-id-not-a-uuid": (
        _with(photo_id="x", source_key="uploads/42/x", output_prefix="renditions/x/"),
        "photo_id",
    ),
    "photo-id-uppercase": (
        _with(
            photo_id=PHOTO.upper(),
            source_key=f"uploads/42/{PHOTO.upper()}",
            output_prefix=f"renditions/{PHOTO.upper()}/",
        ),
        "photo_id",
    ),
    "photo-id-with-a-path": (
        _with(photo_id=f"{PHOTO}/x", source_key=f"uploads/42/{PHOTO}/x", output_prefix=f"renditions/{PHOTO}/x/"),
        "photo_id",
    ),
    "another-photos-original": (_with(source_key=f"uploads/42/{OTHER_PHOTO}"), "source_key"),
    "another-photos-renditions": (_with(output_prefix=f"renditions/{OTHER_PHOTO}/"), "output_prefix"),
    "original-outside-uploads": (_with(source_key=f"renditions/{PHOTO}/w240.jpg"), "source_key"),
    "original-in-a-sub-folder": (_with(source_key=f"uploads/42/x/{PHOTO}"), "source_key"),
    "original-below-the-photo": (_with(source_key=f"uploads/42/{PHOTO}/x"), "source_key"),
    "original-with-a-trailing-newline": (_with(source_key=f"uploads/42/{PHOTO}\n"), "source_key"),
    "user-id-with-a-leading-zero": (_with(source_key=f"uploads/042/{PHOTO}"), "source_key"),
    "user-id-zero": (_with(source_key=f"uploads/0/{PHOTO}"), "source_key"),
    "user-id-missing": (_with(source_key=f"uploads//{PHOTO}"), "source_key"),
    "user-id-not-digits": (_with(source_key=f"uploads/ada/{PHOTO}"), "source_key"),
    "user-id-in-other-digits": (_with(source_key=f"uploads/\u0664\u0662/{PHOTO}"), "source_key"),
    "original-escaping-uploads": (_with(source_key=f"uploads/../uploads/42/{PHOTO}"), "source_key"),
    "original-with-a-leading-slash": (_with(source_key=f"/uploads/42/{PHOTO}"), "source_key"),
    "outputs-into-uploads": (_with(output_prefix="uploads/42/"), "output_prefix"),
    "outputs-for-every-photo": (_with(output_prefix="renditions/"), "output_prefix"),
    "outputs-escaping": (_with(output_prefix=f"renditions/../renditions/{PHOTO}/"), "output_prefix"),
    "outputs-without-the-slash": (_with(output_prefix=f"renditions/{PHOTO}"), "output_prefix"),
    "outputs-in-a-sub-folder": (_with(output_prefix=f"renditions/{PHOTO}/x/"), "output_prefix"),
    "outputs-with-a-trailing-newline": (_with(output_prefix=f"renditions/{PHOTO}/\n"), "output_prefix"),
}


@pytest.mark.parametrize(("body", "field"), MISBOUND.values(), ids=MISBOUND.keys())
def test_keys_that_are_not_the_photos_own_are_refused(body, field):
    with pytest.raises(BadMessage, match=f"^{field} "):
        parse_request(body)
