"""The Lambda handler end to end against moto S3: SQS events in, renditions, manifests and batchItemFailures out."""

import io
import json

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber
from PIL import Image

import resize
from tests.resize.helpers import BUCKET, FlakyS3, encode, phone_exif, png_header_only, quadrants


def upload(s3, message: dict, data: bytes, content_type: str = "image/jpeg") -> str:
    return s3.put_object(Bucket=BUCKET, Key=message["source_key"], Body=data, ContentType=content_type)["ETag"]


def manifest_of(s3, message: dict) -> dict:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=f"{message['output_prefix']}manifest.json")["Body"].read())


def keys_under(s3, prefix: str) -> set[str]:
    return {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])}


def slow_down() -> ClientError:
    return ClientError({"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, "GetObject")


def test_a_photo_becomes_renditions_and_a_ready_manifest(s3, sqs_event, resize_message, jpeg_bytes, lambda_context):
    message = resize_message()
    etag = upload(s3, message, jpeg_bytes((2000, 1500)))

    result = resize.lambda_handler(sqs_event(message), lambda_context)

    assert result == {"batchItemFailures": []}
    manifest = manifest_of(s3, message)
    assert manifest["status"] == "ready" and manifest["error"] is None
    assert manifest["source"] == {
        "key": message["source_key"],
        "etag": etag,
        "width": 2000,
        "height": 1500,
        "format": "JPEG",
        "taken_at": None,  # a JPEG without EXIF
        "camera": None,
    }
    assert set(manifest["placeholder"]) == {"thumbhash", "color"}
    widths = sorted({item["width"] for item in manifest["renditions"]})
    assert widths == [250, 500, 1000, 2000]  # a JPEG decodable at 2000 wide keeps that width, then halvings
    for item in manifest["renditions"]:
        stored = s3.get_object(Bucket=BUCKET, Key=item["key"])
        data = stored["Body"].read()
        assert item["key"].startswith(message["output_prefix"])
        assert len(data) == item["bytes"] == stored["ContentLength"]
        assert stored["ContentType"] == f"image/{item['format']}"
        assert Image.open(io.BytesIO(data)).size == (item["width"], item["height"])
    expected_keys = {item["key"] for item in manifest["renditions"]} | {f"{message['output_prefix']}manifest.json"}
    assert keys_under(s3, "renditions/") == expected_keys
    assert keys_under(s3, "uploads/") == {message["source_key"]}  # the original is never touched


def test_the_manifest_never_carries_a_position_nor_serial_numbers(s3, sqs_event, resize_message, lambda_context):
    # GIVEN a phone's photo with a GPS position, serial numbers and its owner's name in its EXIF
    message = resize_message()
    upload(s3, message, encode(quadrants((1200, 900)), "JPEG", exif=phone_exif(private=True)))

    resize.lambda_handler(sqs_event(message), lambda_context)

    # THEN the manifest has the camera and the time, and nothing else from the EXIF, anywhere in it
    text = s3.get_object(Bucket=BUCKET, Key=f"{message['output_prefix']}manifest.json")["Body"].read().decode()
    manifest = json.loads(text)
    assert manifest["source"]["camera"]["model"] == "iPhone 13"
    assert manifest["source"]["taken_at"] == "2024-06-01T14:03:22+02:00"
    private = ["Jane", "SN-", "7731", "5502", "4f1c0b2e", "48.8", "29.12", "2.29", "40.56", "35.43", "GPS", "gps"]
    private += ["serial", "Serial", "owner", "latitude", "longitude", "altitude"]
    assert [value for value in private if value in text] == []
    # and the renditions carry no metadata at all
    for item in manifest["renditions"]:
        data = s3.get_object(Bucket=BUCKET, Key=item["key"])["Body"].read()
        assert b"Exif" not in data and b"SN-" not in data and b"Jane" not in data, item["key"]


HOSTILE = {
    "eps": (lambda: encode(quadrants(), "EPS"), "unsupported_format"),
    "svg": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "unsupported_format"),
    "psd": (
        lambda: b"8BPS\x00\x01" + bytes(6) + b"\x00\x03\x00\x00\x00\x40\x00\x00\x00\x40\x00\x08\x00\x03",
        "unsupported_format",
    ),
    "tiff": (lambda: encode(quadrants(), "TIFF"), "unsupported_format"),
    "text": (lambda: b"hello, I am a text file\n", "unsupported_format"),
    "zero-bytes": (lambda: b"", "empty"),
    "bomb-header": (lambda: png_header_only(20000, 20000), "too_large"),
    "truncated-jpeg": (lambda: encode(quadrants((800, 600)), "JPEG")[:2000], "corrupt"),
}
MESSAGES = {
    "unsupported_format": "not a supported image",
    "too_large": "image too large",
    "corrupt": "the file is damaged or truncated",
    "empty": "the file is empty",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_bad_files_get_a_failed_manifest_and_are_acknowledged(kind, s3, sqs_event, resize_message, lambda_context):
    make, code = HOSTILE[kind]
    message = resize_message()
    etag = upload(s3, message, make())

    result = resize.lambda_handler(sqs_event(message), lambda_context)

    assert result == {"batchItemFailures": []}
    assert manifest_of(s3, message) == {
        "version": 1,
        "photo_id": message["photo_id"],
        "status": "failed",
        "source": {"key": message["source_key"], "etag": etag},
        "renditions": [],
        "error": {"code": code, "message": MESSAGES[code]},
    }
    assert keys_under(s3, "renditions/") == {f"{message['output_prefix']}manifest.json"}


# ---------------------------------------------------------------- metrics: what the refusals alarm sees


def test_developed_and_refused_photos_are_counted(
    s3, sqs_event, resize_message, jpeg_bytes, lambda_context, emitted_metrics
):
    # GIVEN a batch of two good photos and a truncated one
    messages = [resize_message() for _ in range(3)]
    upload(s3, messages[0], jpeg_bytes((600, 400)))
    upload(s3, messages[1], jpeg_bytes((600, 400)))
    upload(s3, messages[2], encode(quadrants((800, 600)), "JPEG")[:2000])

    # WHEN it is resized
    resize.lambda_handler(sqs_event(*messages), lambda_context)

    # THEN the totals the alarm divides are published, and the refusal once more by its code
    metrics = emitted_metrics()
    assert ({"PhotoDeveloped": [1.0, 1.0], "PhotoRefused": [1.0]}, {"service": "resize"}) in metrics
    assert ({"PhotoRefused": [1.0]}, {"service": "resize", "code": "corrupt"}) in metrics


def test_a_replaced_original_counts_as_refused(
    s3, sqs_event, resize_message, jpeg_bytes, lambda_context, emitted_metrics
):
    message = resize_message()
    etag = upload(s3, message, jpeg_bytes())
    upload(s3, message, encode(quadrants((640, 480)), "PNG"), content_type="image/png")

    resize.lambda_handler(sqs_event(pinned(message, etag)), lambda_context)

    metrics = emitted_metrics()
    assert ({"PhotoRefused": [1.0]}, {"service": "resize"}) in metrics
    assert ({"PhotoRefused": [1.0]}, {"service": "resize", "code": "original_replaced"}) in metrics


def test_a_refused_message_is_counted(s3, sqs_event, lambda_context, emitted_metrics):
    resize.lambda_handler(sqs_event("{oops"), lambda_context)

    assert emitted_metrics() == [({"MessageInvalid": [1.0]}, {"service": "resize"})]


def test_a_record_left_to_the_queue_is_counted(
    s3, sqs_event, resize_message, lambda_context, monkeypatch, emitted_metrics
):
    monkeypatch.setattr(resize, "s3_client", lambda: FlakyS3(s3, slow_down(), operation="get_object"))

    resize.lambda_handler(sqs_event(resize_message()), lambda_context)

    assert emitted_metrics() == [({"RecordFailed": [1.0]}, {"service": "resize"})]


def test_a_missing_original_counts_nothing(s3, sqs_event, resize_message, lambda_context, emitted_metrics):
    resize.lambda_handler(sqs_event(resize_message()), lambda_context)

    assert emitted_metrics() == []  # its photo was deleted: neither developed nor refused


def test_a_redelivery_counts_nothing(s3, sqs_event, resize_message, jpeg_bytes, lambda_context, emitted_metrics):
    message = resize_message()
    upload(s3, message, jpeg_bytes())
    resize.lambda_handler(sqs_event(message), lambda_context)
    emitted_metrics()

    resize.lambda_handler(sqs_event(message), lambda_context)

    assert emitted_metrics() == []  # a photo developed twice would inflate the share's denominator


def test_png_uploaded_as_jpeg_is_read_by_its_content(s3, sqs_event, resize_message, lambda_context):
    message = resize_message()
    upload(s3, message, encode(quadrants((600, 400)), "PNG"), content_type="image/jpeg")

    resize.lambda_handler(sqs_event(message), lambda_context)

    manifest = manifest_of(s3, message)
    assert manifest["status"] == "ready" and manifest["source"]["format"] == "PNG"


def test_missing_original_is_acknowledged_and_writes_nothing(s3, sqs_event, resize_message, lambda_context, logs):
    message = resize_message()

    result = resize.lambda_handler(sqs_event(message), lambda_context)

    assert result == {"batchItemFailures": []}
    assert keys_under(s3, "") == set()
    assert any(line["message"] == "resize missing" and line["level"] == "WARNING" for line in logs())


@pytest.mark.parametrize(
    "body",
    ["{oops", json.dumps({"version": 9, "kind": "resize.requested"}), json.dumps({"version": 1})],
    ids=["bad-json", "unknown-version", "missing-keys"],
)
def test_malformed_message_is_logged_and_acknowledged(body, s3, sqs_event, lambda_context, logs):
    event = sqs_event(body, message_ids=["m-bad"])

    result = resize.lambda_handler(event, lambda_context)

    assert result == {"batchItemFailures": []}
    errors = [line for line in logs() if line["level"] == "ERROR"]
    assert len(errors) == 1 and errors[0]["message_id"] == "m-bad" and errors[0]["reason"]
    assert "acknowledged" in errors[0]["message"]


@pytest.mark.parametrize(
    "changes",
    [{"source_key": "renditions/x/w240.jpg"}, {"output_prefix": "uploads/42/"}, {"output_prefix": "renditions/../x/"}],
    ids=["source-outside-uploads", "output-into-uploads", "output-escapes"],
)
def test_keys_outside_their_prefixes_are_refused(changes, s3, sqs_event, resize_message, jpeg_bytes, lambda_context):
    message = resize_message()
    upload(s3, message, jpeg_bytes())
    before = keys_under(s3, "")

    result = resize.lambda_handler(sqs_event({**message, **changes}), lambda_context)

    assert result == {"batchItemFailures": []}
    assert keys_under(s3, "") == before


def writes_under(s3, prefix: str) -> list[str]:
    """Collects the keys of every PutObject and DeleteObject(s) the handler's client makes under `prefix`."""
    written = []

    def record(params, **kwargs):
        keys = [params.get("Key")] + [item["Key"] for item in params.get("Delete", {}).get("Objects", [])]
        written.extend(key for key in keys if key and key.startswith(prefix))

    for operation in ("PutObject", "DeleteObject", "DeleteObjects"):
        resize.s3_client().meta.events.register(f"before-parameter-build.s3.{operation}", record)
    return written


def two_ready_photos(s3, sqs_event, resize_message, jpeg_bytes, lambda_context) -> tuple[dict, dict]:
    photo_a, photo_b = resize_message(), resize_message()
    upload(s3, photo_a, encode(quadrants((640, 480)), "JPEG"))
    upload(s3, photo_b, jpeg_bytes((800, 600)))
    assert resize.lambda_handler(sqs_event(photo_a, photo_b), lambda_context) == {"batchItemFailures": []}
    return photo_a, photo_b


@pytest.mark.parametrize(
    "hand_made",
    [
        lambda a, b: {**b, "source_key": a["source_key"]},  # photo B, read from A's original
        lambda a, b: {**a, "output_prefix": b["output_prefix"]},  # photo A, written into B's renditions
    ],
    ids=["b-named-with-as-original", "a-written-into-b"],
)
def test_a_hand_made_message_cannot_replace_another_photos_renditions(
    hand_made, s3, sqs_event, resize_message, jpeg_bytes, lambda_context, logs
):
    # GIVEN two ready photos, A and B
    photo_a, photo_b = two_ready_photos(s3, sqs_event, resize_message, jpeg_bytes, lambda_context)
    b_before = manifest_of(s3, photo_b)
    written = writes_under(s3, photo_b["output_prefix"])
    logs()

    # WHEN someone allowed to send to the queue hands it a message that pairs A's original with B's renditions
    result = resize.lambda_handler(sqs_event(hand_made(photo_a, photo_b), message_ids=["m-forged"]), lambda_context)

    # THEN it is acknowledged (no retry can make it valid), nothing is written under renditions/B/, and it is
    # logged as an error with the reason
    assert result == {"batchItemFailures": []}
    assert written == []
    assert manifest_of(s3, photo_b) == b_before
    [error] = [line for line in logs() if line["level"] == "ERROR"]
    assert error["message"] == "resize message refused, acknowledged without retry"
    assert error["message_id"] == "m-forged" and "is not" in error["reason"]


def pinned(message: dict, etag: str) -> dict:
    """The message as the site sends it now: with the original's ETag it recorded at confirm."""
    return {**message, "source_etag": etag}


def test_the_pinned_original_is_rendered(s3, sqs_event, resize_message, jpeg_bytes, lambda_context):
    message = resize_message()
    etag = upload(s3, message, jpeg_bytes())

    result = resize.lambda_handler(sqs_event(pinned(message, etag)), lambda_context)

    assert result == {"batchItemFailures": []}
    assert manifest_of(s3, message)["status"] == "ready" and manifest_of(s3, message)["source"]["etag"] == etag


def test_an_original_replaced_after_confirm_fails_the_photo_in_plain_words(
    s3, sqs_event, resize_message, jpeg_bytes, lambda_context, logs
):
    # GIVEN a photo confirmed with its ETag, then another picture posted to its key (the presigned POST lives on)
    message = resize_message()
    etag = upload(s3, message, jpeg_bytes((1200, 900)))
    upload(s3, message, encode(quadrants((640, 480)), "PNG"), content_type="image/png")

    # WHEN its resize runs (moto answers the GET's If-Match with 412 PreconditionFailed, as S3 does)
    result = resize.lambda_handler(sqs_event(pinned(message, etag)), lambda_context)

    # THEN nothing of the replacement is rendered: the photo fails, under the ETag the site pinned, with a code
    # and a message its owner can act on; acknowledged, since no retry brings the confirmed version back
    assert result == {"batchItemFailures": []}
    assert manifest_of(s3, message) == {
        "version": 1,
        "photo_id": message["photo_id"],
        "status": "failed",
        "source": {"key": message["source_key"], "etag": etag},
        "renditions": [],
        "error": {"code": "original_replaced", "message": "This photo was replaced after upload. Upload it again."},
    }
    assert keys_under(s3, "renditions/") == {f"{message['output_prefix']}manifest.json"}
    [warning] = [line for line in logs() if line["level"] == "WARNING"]
    assert warning["message"] == "resize failed" and warning["error_code"] == "original_replaced"


def test_a_replacement_keeps_its_pending_tag(s3, sqs_event, resize_message, jpeg_bytes, lambda_context):
    # Nothing confirmed the replacement, so the bucket's expiry of unconfirmed uploads may still take it.
    message = resize_message()
    etag = upload(s3, message, jpeg_bytes())
    upload(s3, message, jpeg_bytes((300, 200)))
    pending = [{"Key": "darkroom-upload", "Value": "pending"}]
    s3.put_object_tagging(Bucket=BUCKET, Key=message["source_key"], Tagging={"TagSet": pending})

    resize.lambda_handler(sqs_event(pinned(message, etag)), lambda_context)

    assert s3.get_object_tagging(Bucket=BUCKET, Key=message["source_key"])["TagSet"] == pending


def test_a_ready_photo_keeps_its_result_when_its_original_is_replaced_later(
    s3, sqs_event, resize_message, jpeg_bytes, lambda_context
):
    # GIVEN a photo resized from its pinned original, whose key then receives another file
    message = resize_message()
    message = pinned(message, upload(s3, message, jpeg_bytes()))
    resize.lambda_handler(sqs_event(message), lambda_context)
    ready = manifest_of(s3, message)
    upload(s3, message, jpeg_bytes((300, 200)))

    # WHEN the request is delivered again
    result = resize.lambda_handler(sqs_event(message), lambda_context)

    # THEN the finished result for the confirmed version stands
    assert result == {"batchItemFailures": []}
    assert manifest_of(s3, message) == ready


def test_one_poison_record_fails_alone(s3, sqs_event, resize_message, jpeg_bytes, lambda_context, monkeypatch):
    messages = [resize_message() for _ in range(3)]
    for message in messages:
        upload(s3, message, jpeg_bytes((600, 400)))
    poison = messages[1]
    flaky = FlakyS3(resize.s3_client(), slow_down(), operation="get_object", key=poison["source_key"])
    monkeypatch.setattr(resize, "s3_client", lambda: flaky)

    result = resize.lambda_handler(sqs_event(*messages, message_ids=["m-1", "m-poison", "m-3"]), lambda_context)

    assert result == {"batchItemFailures": [{"itemIdentifier": "m-poison"}]}
    assert manifest_of(s3, messages[0])["status"] == manifest_of(s3, messages[2])["status"] == "ready"
    assert keys_under(s3, poison["output_prefix"]) == set()


def test_a_whole_failing_batch_is_a_partial_response_not_a_crash(
    s3, sqs_event, resize_message, lambda_context, monkeypatch
):
    monkeypatch.setattr(resize, "s3_client", lambda: FlakyS3(s3, slow_down(), operation="get_object"))

    result = resize.lambda_handler(
        sqs_event(resize_message(), resize_message(), message_ids=["a", "b"]), lambda_context
    )

    assert result == {"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "b"}]}


@pytest.mark.parametrize(("code", "status"), [("SlowDown", 503), ("InternalError", 500), ("ServiceUnavailable", 503)])
def test_s3_throttling_and_5xx_are_reported_for_retry(
    code, status, s3, sqs_event, resize_message, lambda_context, monkeypatch
):
    client = resize.s3_client()
    stubber = Stubber(client)
    stubber.add_client_error("get_object", service_error_code=code, http_status_code=status)
    monkeypatch.setattr(resize, "s3_client", lambda: client)

    with stubber:
        result = resize.lambda_handler(sqs_event(resize_message(), message_ids=["m-retry"]), lambda_context)

    assert result == {"batchItemFailures": [{"itemIdentifier": "m-retry"}]}
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    "error",
    [
        ReadTimeoutError(endpoint_url="https://s3.amazonaws.com"),
        EndpointConnectionError(endpoint_url="https://s3.amazonaws.com"),
    ],
    ids=["read-timeout", "connection-error"],
)
def test_timeouts_and_connection_errors_are_reported_for_retry(
    error, s3, sqs_event, resize_message, jpeg_bytes, lambda_context, monkeypatch, logs
):
    message = resize_message()
    upload(s3, message, jpeg_bytes())
    monkeypatch.setattr(resize, "s3_client", lambda: FlakyS3(s3, error, operation="get_object"))

    result = resize.lambda_handler(sqs_event(message, message_ids=["m-1"]), lambda_context)

    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    failure = next(line for line in logs() if line["level"] == "ERROR")
    assert failure["photo_id"] == message["photo_id"] and "retry" in failure["message"]


def test_a_crash_before_the_manifest_is_repaired_by_the_retry(
    s3, sqs_event, resize_message, jpeg_bytes, lambda_context, monkeypatch
):
    message = resize_message()
    upload(s3, message, jpeg_bytes())
    manifest_key = f"{message['output_prefix']}manifest.json"
    crash = FlakyS3(s3, slow_down(), operation="put_object", key=manifest_key)
    monkeypatch.setattr(resize, "s3_client", lambda: crash)

    first = resize.lambda_handler(sqs_event(message, message_ids=["m-1"]), lambda_context)

    assert first == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert manifest_key not in keys_under(s3, message["output_prefix"])  # the site sees nothing half done
    monkeypatch.setattr(resize, "s3_client", lambda: s3)

    second = resize.lambda_handler(sqs_event(message, message_ids=["m-1"]), lambda_context)

    assert second == {"batchItemFailures": []}
    manifest = manifest_of(s3, message)
    assert manifest["status"] == "ready"
    assert keys_under(s3, message["output_prefix"]) == {item["key"] for item in manifest["renditions"]} | {manifest_key}


def test_redelivery_of_a_done_photo_writes_nothing(s3, sqs_event, resize_message, jpeg_bytes, lambda_context, logs):
    message = resize_message()
    upload(s3, message, jpeg_bytes())
    resize.lambda_handler(sqs_event(message), lambda_context)
    puts = []
    resize.s3_client().meta.events.register("before-call.s3.PutObject", lambda **kwargs: puts.append(kwargs))
    logs()

    result = resize.lambda_handler(sqs_event(message), lambda_context)

    assert result == {"batchItemFailures": []} and puts == []
    assert any(line["message"] == "resize unchanged" for line in logs())


def test_redelivery_of_a_failed_photo_writes_nothing_either(s3, sqs_event, resize_message, lambda_context):
    message = resize_message()
    upload(s3, message, b"not an image")
    resize.lambda_handler(sqs_event(message), lambda_context)
    puts = []
    resize.s3_client().meta.events.register("before-call.s3.PutObject", lambda **kwargs: puts.append(kwargs))

    resize.lambda_handler(sqs_event(message), lambda_context)

    assert puts == []


def test_a_replaced_original_is_rendered_again(s3, sqs_event, resize_message, jpeg_bytes, lambda_context):
    message = resize_message()
    upload(s3, message, b"not an image")
    resize.lambda_handler(sqs_event(message), lambda_context)
    etag = upload(s3, message, jpeg_bytes())

    resize.lambda_handler(sqs_event(message), lambda_context)

    manifest = manifest_of(s3, message)
    assert manifest["status"] == "ready" and manifest["source"]["etag"] == etag


def test_keys_are_deterministic(s3, sqs_event, resize_message, jpeg_bytes, lambda_context):
    message = resize_message()
    upload(s3, message, jpeg_bytes())
    resize.lambda_handler(sqs_event(message), lambda_context)
    first = manifest_of(s3, message)
    s3.delete_object(Bucket=BUCKET, Key=f"{message['output_prefix']}manifest.json")

    resize.lambda_handler(sqs_event(message), lambda_context)

    assert manifest_of(s3, message) == first


def test_logs_carry_the_photo_and_correlation_ids(s3, sqs_event, resize_message, jpeg_bytes, lambda_context, logs):
    message = resize_message()
    upload(s3, message, jpeg_bytes())

    resize.lambda_handler(sqs_event(message, message_ids=["m-1"]), lambda_context)

    done = next(line for line in logs() if line["message"] == "resize ready")
    assert done["service"] == "resize" and done["function_request_id"] == lambda_context.aws_request_id
    assert (done["photo_id"], done["correlation_id"], done["message_id"]) == (
        message["photo_id"],
        message["correlation_id"],
        "m-1",
    )
    assert done["renditions"] == 4 and done["source_key"] == message["source_key"]


class ShortOfTimeAfterFirstRecord:
    """Lambda's context, with time running short once the first record's manifest is written."""

    def __init__(self, context, s3, first: dict):
        self._context, self._s3, self._first = context, s3, first

    def get_remaining_time_in_millis(self) -> int:
        done = keys_under(self._s3, f"{self._first['output_prefix']}manifest.json")
        return 5_000 if done else 55_000

    def __getattr__(self, name):
        return getattr(self._context, name)


def test_records_begun_too_late_are_handed_back_untouched(s3, sqs_event, resize_message, jpeg_bytes, lambda_context):
    # GIVEN a batch of three photos, and an invocation whose time runs short after the first one
    messages = [resize_message() for _ in range(3)]
    for message in messages:
        upload(s3, message, jpeg_bytes((600, 400)))
    context = ShortOfTimeAfterFirstRecord(lambda_context, s3, messages[0])

    # WHEN the handler runs
    result = resize.lambda_handler(sqs_event(*messages, message_ids=["m-1", "m-2", "m-3"]), context)

    # THEN the first photo is done and acknowledged; the other two go back to the queue with nothing written
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-2"}, {"itemIdentifier": "m-3"}]}
    assert manifest_of(s3, messages[0])["status"] == "ready"
    assert keys_under(s3, messages[1]["output_prefix"]) == keys_under(s3, messages[2]["output_prefix"]) == set()

    # AND a later invocation with time to spare renders them
    assert resize.lambda_handler(sqs_event(*messages[1:]), lambda_context) == {"batchItemFailures": []}
    assert manifest_of(s3, messages[2])["status"] == "ready"
