"""devstack/template.py builds the local stack's resources from template.yaml's own definitions."""

import json
from urllib.parse import unquote_plus

import boto3
import pytest
from moto import mock_aws

from devstack import template as devstack_template

SITE_ORIGIN = "http://127.0.0.1:8123"


@pytest.fixture
def provisioned():
    with mock_aws():
        yield devstack_template.provision(site_origin=SITE_ORIGIN)


def queue_attributes(url: str) -> dict[str, str]:
    return boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_provision_returns_the_environment_of_the_site_and_the_functions(provisioned):
    assert set(provisioned) == {
        "DARKROOM_BUCKET",
        "DARKROOM_RESIZE_QUEUE_URL",
        "DARKROOM_RESIZE_DLQ_URL",
        "DARKROOM_NOTIFY_QUEUE_URL",
        "DARKROOM_NOTIFY_DLQ_URL",
        "DARKROOM_TASKS_QUEUE_URL",
        "DARKROOM_TASKS_DLQ_URL",
        "DARKROOM_IDEMPOTENCY_TABLE",
        "DARKROOM_SENDER",
    }
    assert provisioned["DARKROOM_SENDER"] == "Darkroom <no-reply@darkroom.local>"


def test_queues_carry_the_templates_attributes_and_redrive(provisioned, resources):
    for logical_id, queue, dead_letter_queue in (
        ("ResizeQueue", "RESIZE_QUEUE", "RESIZE_DLQ"),
        ("NotifyQueue", "NOTIFY_QUEUE", "NOTIFY_DLQ"),
        ("SiteTasksQueue", "TASKS_QUEUE", "TASKS_DLQ"),
    ):
        defined = resources[logical_id]["Properties"]
        attributes = queue_attributes(provisioned[f"DARKROOM_{queue}_URL"])
        for name in ("VisibilityTimeout", "MessageRetentionPeriod", "MaximumMessageSize"):
            assert int(attributes[name]) == defined[name], (logical_id, name)
        assert attributes["SqsManagedSseEnabled"] == "true"
        redrive = json.loads(attributes["RedrivePolicy"])
        assert int(redrive["maxReceiveCount"]) == defined["RedrivePolicy"]["maxReceiveCount"]
        dead_letters = queue_attributes(provisioned[f"DARKROOM_{dead_letter_queue}_URL"])
        assert redrive["deadLetterTargetArn"] == dead_letters["QueueArn"]
        assert int(dead_letters["MessageRetentionPeriod"]) == 14 * 24 * 60 * 60


def test_bucket_is_private_encrypted_and_open_to_posts_from_the_site(provisioned):
    s3 = boto3.client("s3")
    bucket = provisioned["DARKROOM_BUCKET"]
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    (cors,) = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert cors["AllowedOrigins"] == [SITE_ORIGIN] and cors["AllowedMethods"] == ["POST"]
    rules = {rule["ID"]: rule for rule in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["ExpireUnconfirmedUploads"]["Filter"]["And"]["Prefix"] == "uploads/"
    assert rules["AbortIncompleteMultipartUploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_idempotency_table_and_sender_identity_exist(provisioned):
    dynamodb = boto3.client("dynamodb")
    table = dynamodb.describe_table(TableName=provisioned["DARKROOM_IDEMPOTENCY_TABLE"])["Table"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    ttl = dynamodb.describe_time_to_live(TableName=provisioned["DARKROOM_IDEMPOTENCY_TABLE"])["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiration"}
    identities = boto3.client("sesv2").list_email_identities()["EmailIdentities"]
    assert [identity["IdentityName"] for identity in identities] == ["no-reply@darkroom.local"]


def test_a_message_received_five_times_moves_to_the_dead_letter_queue():
    with mock_aws():
        resources = devstack_template.provision(site_origin=SITE_ORIGIN, visibility_timeout=0)
        sqs = boto3.client("sqs")
        queue = resources["DARKROOM_RESIZE_QUEUE_URL"]
        assert queue_attributes(queue)["VisibilityTimeout"] == "0"
        assert queue_attributes(resources["DARKROOM_RESIZE_DLQ_URL"])["VisibilityTimeout"] == "30"  # untouched
        sqs.send_message(QueueUrl=queue, MessageBody="poison")
        receives = 0
        while sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages"):
            receives += 1
        assert receives == 5
        dead = sqs.receive_message(QueueUrl=resources["DARKROOM_RESIZE_DLQ_URL"])["Messages"]
        assert [message["Body"] for message in dead] == ["poison"]


def test_event_sources_describe_each_functions_mapping_from_the_template(resources):
    sources = {source.name: source for source in devstack_template.event_sources()}
    assert set(sources) == {"resize", "notify"}
    for source in sources.values():
        properties = resources[source.function_logical_id]["Properties"]
        event = next(iter(properties["Events"].values()))["Properties"]
        assert source.handler == properties["Handler"] and source.code_uri == properties["CodeUri"]
        assert (source.batch_size, source.batching_window_seconds, source.timeout_seconds) == (
            event["BatchSize"],
            event["MaximumBatchingWindowInSeconds"],
            properties["Timeout"],
        )
        assert source.function_response_types == ("ReportBatchItemFailures",)
    assert sources["resize"].queue_url_variable == "DARKROOM_RESIZE_QUEUE_URL"
    assert sources["notify"].queue_url_variable == "DARKROOM_NOTIFY_QUEUE_URL"


def test_event_source_environment_resolves_the_templates_variables_to_local_resources(provisioned):
    sources = {source.name: source for source in devstack_template.event_sources()}
    assert sources["resize"].environment(provisioned) == {
        "DARKROOM_BUCKET": provisioned["DARKROOM_BUCKET"],
        "POWERTOOLS_SERVICE_NAME": "resize",
    }
    assert sources["notify"].environment(provisioned) == {
        "DARKROOM_SENDER": provisioned["DARKROOM_SENDER"],
        "DARKROOM_SES_CONFIGURATION_SET": "darkroom-local",
        "DARKROOM_IDEMPOTENCY_TABLE": provisioned["DARKROOM_IDEMPOTENCY_TABLE"],
        "DARKROOM_SITE_ORIGIN": "http://127.0.0.1:8000",
        "POWERTOOLS_SERVICE_NAME": "notify",
    }


def test_notify_environment_carries_the_site_origin_it_is_given(provisioned):
    # notify refuses links outside DARKROOM_SITE_ORIGIN: locally it must be the origin the site really runs on
    [notify] = [source for source in devstack_template.event_sources() if source.name == "notify"]
    environment = notify.environment(provisioned, site_origin=SITE_ORIGIN)
    assert environment["DARKROOM_SITE_ORIGIN"] == SITE_ORIGIN


def test_bucket_sends_an_s3_event_to_the_site_tasks_queue_for_each_manifest_only(provisioned):
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    queue = provisioned["DARKROOM_TASKS_QUEUE_URL"]
    photo = "0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10"
    # S3's s3:TestEvent, sent when the configuration was saved, is gone: the queue starts empty.
    assert sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages") is None
    for name in ("w480.webp", "manifest.json"):
        s3.put_object(Bucket=provisioned["DARKROOM_BUCKET"], Key=f"renditions/{photo}/{name}", Body=b"{}")
    s3.put_object(Bucket=provisioned["DARKROOM_BUCKET"], Key=f"uploads/1/{photo}/manifest.json", Body=b"{}")

    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)["Messages"]

    [record] = [record for message in messages for record in json.loads(message["Body"])["Records"]]
    assert record["eventSource"] == "aws:s3" and record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == provisioned["DARKROOM_BUCKET"]
    assert unquote_plus(record["s3"]["object"]["key"]) == f"renditions/{photo}/manifest.json"  # URL-encoded, as on AWS
