"""Both sides of the resize queue over the same files in tests/events/: the site's message goes in as SQS
delivers it, and the manifest that comes out is read by the site's own parser."""

import json

import resize
from tests.resize.helpers import BUCKET, encode, quadrants, sqs_record
from tests.samples import load_event
from web import contracts


def test_the_sites_sample_message_is_processed_into_a_manifest_the_site_reads(s3, lambda_context):
    sample = load_event("resize_request.json")
    put = s3.put_object(Bucket=BUCKET, Key=sample["source_key"], Body=encode(quadrants((3000, 2000)), "JPEG"))
    # The sample's ETag stands for the one S3 gave the original the site confirmed: here, this upload's.
    event = {"Records": [sqs_record(json.dumps({**sample, "source_etag": put["ETag"]}), message_id="m-contract")]}

    result = resize.lambda_handler(event, lambda_context)

    assert result == {"batchItemFailures": []}
    document = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{sample['output_prefix']}manifest.json")["Body"].read())
    manifest = contracts.parse_manifest(document)
    assert (manifest.status, manifest.width, manifest.height) == ("ready", 3000, 2000)
    assert {item["format"] for item in manifest.renditions} == {"webp"}
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
    put = s3.put_object(Bucket=BUCKET, Key=sample["source_key"], Body=b"%!PS-Adobe-3.0 EPSF-3.0\n")
    built = {**built, "source_etag": put["ETag"]}

    resize.lambda_handler({"Records": [sqs_record(json.dumps(built))]}, lambda_context)

    document = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{sample['output_prefix']}manifest.json")["Body"].read())
    manifest = contracts.parse_manifest(document)
    sample_failed = contracts.parse_manifest(load_event("manifest_failed.json"))
    assert (manifest.status, manifest.error_code, manifest.error_message) == (
        "failed",
        sample_failed.error_code,
        sample_failed.error_message,
    )


def test_a_replaced_original_fails_under_the_etag_the_site_pinned(s3, lambda_context):
    # GIVEN the sample message as it is, and an object at its key whose ETag is not the one the site pinned
    sample = load_event("resize_request.json")
    s3.put_object(Bucket=BUCKET, Key=sample["source_key"], Body=encode(quadrants((300, 200)), "JPEG"))

    resize.lambda_handler({"Records": [sqs_record(json.dumps(sample))]}, lambda_context)

    # THEN the site takes the manifest as its photo's (it ignores a manifest of another ETag) and reads plain words
    document = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{sample['output_prefix']}manifest.json")["Body"].read())
    assert document["source"]["etag"] == sample["source_etag"]
    manifest = contracts.parse_manifest(document)
    assert (manifest.status, manifest.error_code) == ("failed", "original_replaced")
    assert manifest.error_message == "This photo was replaced after upload. Upload it again."
