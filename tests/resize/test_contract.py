"""Both sides of the resize queue over the same files in tests/events/: the site's message goes in as SQS
delivers it, and the manifest that comes out is read by the site's own parser."""

import json

import resize
from tests.resize.helpers import BUCKET, encode, quadrants, sqs_record
from tests.samples import load_event
from web import contracts


def test_the_sites_sample_message_is_processed_into_a_manifest_the_site_reads(s3, lambda_context):
    sample = load_event("resize_request.json")
    s3.put_object(Bucket=BUCKET, Key=sample["source_key"], Body=encode(quadrants((3000, 2000)), "JPEG"))
    event = {"Records": [sqs_record(json.dumps(sample), message_id="m-contract")]}

    result = resize.lambda_handler(event, lambda_context)

    assert result == {"batchItemFailures": []}
    document = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{sample['output_prefix']}manifest.json")["Body"].read())
    manifest = contracts.parse_manifest(document)
    assert (manifest.status, manifest.width, manifest.height) == ("ready", 3000, 2000)
    assert {item["format"] for item in manifest.renditions} == {"jpeg", "webp"}
    assert all(item["key"].startswith(sample["output_prefix"]) for item in manifest.renditions)
    assert document["photo_id"] == sample["photo_id"] and document["source"]["key"] == sample["source_key"]


def test_the_message_the_site_builds_is_the_one_processed(s3, lambda_context):
    sample = load_event("resize_request.json")
    built = contracts.resize_requested(
        photo_id=sample["photo_id"],
        source_key=sample["source_key"],
        source_etag=sample["source_etag"],
        output_prefix=sample["output_prefix"],
        correlation_id=sample["correlation_id"],
    )
    s3.put_object(Bucket=BUCKET, Key=sample["source_key"], Body=b"%!PS-Adobe-3.0 EPSF-3.0\n")

    resize.lambda_handler({"Records": [sqs_record(json.dumps(built))]}, lambda_context)

    document = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{sample['output_prefix']}manifest.json")["Body"].read())
    manifest = contracts.parse_manifest(document)
    sample_failed = contracts.parse_manifest(load_event("manifest_failed.json"))
    assert (manifest.status, manifest.error_code, manifest.error_message) == (
        "failed",
        sample_failed.error_code,
        sample_failed.error_message,
    )
