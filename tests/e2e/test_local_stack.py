"""End to end over HTTP on the local stack: upload → S3 → confirm → resize → manifest → S3 event → the site's tasks
worker → gallery, and the emails: the address confirmation, and one for the upload batch."""

import io
import json
import time
import uuid

import boto3
import pytest
from PIL import Image

from tests.e2e.conftest import POISON_MARKER

pytestmark = pytest.mark.slow


def photo_bytes(width=1600, height=1200) -> bytes:
    image = Image.effect_mandelbrot((width, height), (-2.0, -1.2, 1.0, 1.2), 100).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def sent_emails(browser) -> str:
    return browser.get(browser.url("/local/outbox/")).text


def wait_for(condition, timeout=60, interval=0.5):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            return result
        time.sleep(interval)
    return result


def test_an_upload_goes_all_the_way_through(browser, local_stack):
    # GIVEN a new user, who confirmed their address from the emailed link
    browser.signup("e2e@example.com")

    # WHEN they upload, together, a real JPEG and a text file named .jpg through presign → S3 → confirm
    batch = {"id": str(uuid.uuid4()), "size": 2}
    photo = browser.upload(photo_bytes(), "sunset.jpg", batch=batch)
    text = browser.upload(b"just some notes", "notes.jpg", batch=batch)

    # THEN the resize function makes renditions and a manifest, and the site learns it from S3's event
    assert browser.wait_until_settled([photo["id"], text["id"]]) == {photo["id"]: "ready", text["id"]: "failed"}
    s3 = boto3.client("s3")
    bucket = local_stack.resources["DARKROOM_BUCKET"]
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=bucket, Prefix=f"renditions/{photo['id']}/")["Contents"]}
    assert f"renditions/{photo['id']}/manifest.json" in keys
    # WebP only: every browser in use shows it
    assert any(key.endswith(".webp") for key in keys) and not any(key.endswith(".jpg") for key in keys)
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=f"renditions/{photo['id']}/manifest.json")["Body"].read())
    assert manifest["status"] == "ready" and manifest["source"]["width"] == 1600

    page = browser.get(browser.url(f"/photos/{photo['id']}/")).text
    assert "1600 × 1200 px" in page and "srcset=" in page

    # AND the confirmation email and the batch's one email reached the local outbox
    outbox = wait_for(lambda: "1 photo developed, 1 could not be" in (html := sent_emails(browser)) and html)
    assert outbox, sent_emails(browser)
    assert (
        "Confirm your email address" in outbox
        and "1 photo developed, 1 could not be" in outbox
        and "notes.jpg" in outbox
    )
    assert "sunset.jpg" not in outbox  # no email per photo


def test_a_poison_message_ends_in_the_dlq_without_blocking_others(browser, local_stack):
    sqs = boto3.client("sqs")
    resources = local_stack.resources
    # GIVEN a resize request for an object every read of which fails (as if S3 throttled it forever)
    poison = {
        "version": 1,
        "kind": "resize.requested",
        "photo_id": POISON_MARKER,
        "source_key": f"uploads/1/{POISON_MARKER}",
        "output_prefix": f"renditions/{POISON_MARKER}/",
        "correlation_id": "poison0000000000",
    }
    sqs.send_message(QueueUrl=resources["DARKROOM_RESIZE_QUEUE_URL"], MessageBody=json.dumps(poison))

    # WHEN a normal upload happens meanwhile
    browser.signup("neighbour@example.com")
    photo = browser.upload(photo_bytes(800, 600), "neighbour.jpg")

    # THEN the normal photo is ready while the poison is still being retried
    assert browser.wait_until_settled([photo["id"]]) == {photo["id"]: "ready"}

    # AND after maxReceiveCount receives the poison sits in the resize DLQ, and only there
    def dlq_bodies():
        messages = sqs.receive_message(
            QueueUrl=resources["DARKROOM_RESIZE_DLQ_URL"], MaxNumberOfMessages=10, VisibilityTimeout=0
        ).get("Messages", [])
        return [json.loads(message["Body"]) for message in messages]

    assert wait_for(dlq_bodies, timeout=90) == [poison]
    attributes = sqs.get_queue_attributes(
        QueueUrl=resources["DARKROOM_RESIZE_QUEUE_URL"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
