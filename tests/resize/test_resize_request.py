"""The message check: the site's sample is accepted; anything else is a BadMessage the handler acknowledges."""

import json

import pytest

from resize_request import BadMessage, ResizeRequest, parse_request
from tests.samples import load_event


def test_the_sites_sample_message_is_accepted():
    sample = load_event("resize_request.json")

    request = parse_request(json.dumps(sample))

    assert request == ResizeRequest(
        photo_id=sample["photo_id"],
        source_key=sample["source_key"],
        output_prefix=sample["output_prefix"],
        correlation_id=sample["correlation_id"],
    )
    assert request.manifest_key == f"{sample['output_prefix']}manifest.json"


def _with(**changes) -> str:
    document = {**load_event("resize_request.json"), **changes}
    return json.dumps({name: value for name, value in document.items() if value is not ...})


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
        (_with(source_key="renditions/x/w240.jpg"), "source_key"),
        (_with(source_key="uploads/../renditions/x"), "source_key"),
        (_with(source_key="/uploads/42/x"), "source_key"),
        (_with(output_prefix="uploads/42/"), "output_prefix"),
        (_with(output_prefix="renditions/"), "output_prefix"),
        (_with(output_prefix="renditions/../uploads/42/"), "output_prefix"),
        (_with(output_prefix="renditions//"), "output_prefix"),
        (_with(output_prefix="renditions/abc"), "does not end with '/'"),
        (_with(output_prefix="renditions/a\nb/"), "characters"),
    ],
)
def test_malformed_messages_are_refused_with_a_reason(body, reason):
    with pytest.raises(BadMessage, match=reason.replace("(", r"\(")):
        parse_request(body)
