"""The Lambda handler end to end against moto: outcomes per record, partial batch responses, logs and metrics."""

import json

import boto3
import pytest
from botocore.stub import Stubber

import mail_clients
import notify
from devstack.lambda_sqs import EventSourceMapping
from tests.notify.conftest import CONFIGURATION_SET, IDEMPOTENCY_TABLE, SENDER
from tests.notify.helpers import (
    QUEUE_NAME,
    REGION,
    UPLOAD_BATCH_BAD_DATA,
    client_error,
    fail_first_call,
    failed_ids,
    sqs_event,
    sqs_record,
    upload_batch,
)
from tests.samples import load_event


def welcome(user_id: int = 42, to: str = "ada@example.com") -> dict:
    return {**load_event("notify_welcome.json"), "idempotency_key": f"welcome:{user_id}", "to": to}


def upload_received(**data) -> dict:
    sample = load_event("notify_upload_received.json")
    return {**sample, "data": {**sample["data"], **data}}


def handle(lambda_context, *bodies_or_records) -> dict:
    records = [item if "receiptHandle" in item else sqs_record(item) for item in bodies_or_records]
    return notify.lambda_handler(sqs_event(*records), lambda_context)


def test_welcome_email_is_sent(sent_mail, ses_requests, lambda_context):
    response = handle(lambda_context, welcome())

    assert response == {"batchItemFailures": []}
    [sent] = sent_mail
    assert sent.source == SENDER
    assert sent.destinations == {"ToAddresses": ["ada@example.com"]}
    assert sent.subject == "Welcome to Darkroom"
    assert '<a href="http://testserver/">Upload your first photo</a>' in sent.body
    [request] = ses_requests
    assert "Your account ada@example.com is ready" in request["Content"]["Simple"]["Body"]["Text"]["Data"]
    assert request["EmailTags"] == [{"Name": "kind", "Value": "welcome"}]
    assert request["ConfigurationSetName"] == CONFIGURATION_SET


def test_upload_received_email_is_sent_with_the_file_name_escaped(sent_mail, ses_requests, lambda_context):
    response = handle(lambda_context, upload_received())

    assert response == {"batchItemFailures": []}
    [sent] = sent_mail
    assert sent.subject == "We received holiday <script>alert(1)</script>.jpg"
    assert "holiday &lt;script&gt;alert(1)&lt;/script&gt;.jpg" in sent.body
    assert "<script>" not in sent.body
    [request] = ses_requests
    assert "holiday <script>alert(1)</script>.jpg" in request["Content"]["Simple"]["Body"]["Text"]["Data"]
    assert request["EmailTags"] == [{"Name": "kind", "Value": "upload_received"}]


def test_upload_batch_email_is_sent_with_the_failed_files_escaped(sent_mail, ses_requests, lambda_context):
    response = handle(lambda_context, upload_batch())

    assert response == {"batchItemFailures": []}
    [sent] = sent_mail
    assert sent.destinations == {"ToAddresses": ["ada@example.com"]}
    assert sent.subject == "18 photos developed, 2 could not be"
    assert "<strong>notes &lt;script&gt;alert(1)&lt;/script&gt;.jpg</strong>" in sent.body
    assert "<script>" not in sent.body
    assert '<a href="http://testserver/photos/">' in sent.body
    [request] = ses_requests
    text = request["Content"]["Simple"]["Body"]["Text"]["Data"]
    assert "- notes <script>alert(1)</script>.jpg\n  Not a photo:" in text
    assert "- IMG_0042.HEIC\n  This photo did not finish developing." in text
    assert "http://testserver/photos/" in text
    assert request["EmailTags"] == [{"Name": "kind", "Value": "upload_batch"}]


def test_an_upload_batch_delivered_again_sends_one_email(sent_mail, lambda_context, structured_logs):
    # GIVEN the batch's email was sent
    handle(lambda_context, upload_batch())

    # WHEN the queue delivers it again (a new SQS message id, the same idempotency_key)
    response = handle(lambda_context, upload_batch())

    # THEN nothing more is sent
    assert response == {"batchItemFailures": []}
    assert len(sent_mail) == 1
    lines = [line for line in structured_logs() if line["level"] == "INFO"]
    assert [line["message"] for line in lines] == [
        "email sent",
        "email already sent for this idempotency key, nothing sent",
    ]
    assert {line["idempotency_key"] for line in lines} == {"upload-batch:5d1c2b3a-9e8f-4a7b-8c6d-1e2f3a4b5c6d"}


def test_the_same_message_delivered_twice_sends_one_email(sent_mail, lambda_context, structured_logs):
    handle(lambda_context, welcome())

    response = handle(lambda_context, welcome())

    assert response == {"batchItemFailures": []}
    assert len(sent_mail) == 1
    assert [line["message"] for line in structured_logs() if line["level"] == "INFO"] == [
        "email sent",
        "email already sent for this idempotency key, nothing sent",
    ]


def test_two_copies_in_one_batch_send_one_email(sent_mail, lambda_context):
    response = handle(lambda_context, welcome(), welcome(), upload_received())

    assert response == {"batchItemFailures": []}
    assert sorted(sent.subject for sent in sent_mail) == [
        "We received holiday <script>alert(1)</script>.jpg",
        "Welcome to Darkroom",
    ]


def test_throttled_message_is_retried_later_and_not_marked_sent(aws, sent_mail, lambda_context, structured_logs):
    # GIVEN a message received from the queue, whose own visibility timeout would redeliver it at once
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=QUEUE_NAME, Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(welcome()))
    received = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["All"])["Messages"][0]
    record = sqs_record(
        received["Body"],
        message_id=received["MessageId"],
        receipt_handle=received["ReceiptHandle"],
        receive_count=int(received["Attributes"]["ApproximateReceiveCount"]),
    )

    # WHEN SES throttles the send
    with Stubber(mail_clients.ses()) as stub:
        stub.add_client_error("send_email", service_error_code="TooManyRequestsException", http_status_code=429)
        response = notify.lambda_handler(sqs_event(record), lambda_context)

    # THEN the record is reported failed, its retry is pushed out, and the next delivery sends it
    assert failed_ids(response) == [received["MessageId"]]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    [warning] = [line for line in structured_logs() if line["level"] == "WARNING"]
    assert warning["reason"].startswith("TooManyRequestsException")
    assert 15 <= warning["retry_in_seconds"] <= 30
    assert handle(lambda_context, welcome()) == {"batchItemFailures": []}
    assert len(sent_mail) == 1


def test_failed_postpone_still_reports_the_record(faulty_ses, lambda_context, structured_logs):
    faulty_ses({"ada@example.com": client_error("Throttling")})
    record = sqs_record(welcome())  # its receipt handle belongs to no queue

    response = notify.lambda_handler(sqs_event(record), lambda_context)

    assert failed_ids(response) == [record["messageId"]]
    messages = [line["message"] for line in structured_logs() if line["level"] == "WARNING"]
    assert messages == ["could not postpone the retry", "email not sent, the queue will retry it"]


@pytest.mark.parametrize("code", ["MessageRejected", "BadRequestException"])
def test_permanent_rejection_is_acknowledged_logged_and_counted(
    aws, lambda_context, structured_logs, emitted_metrics, code
):
    with Stubber(mail_clients.ses()) as stub:
        stub.add_client_error("send_email", service_error_code=code, service_message="no", http_status_code=400)
        response = handle(lambda_context, welcome())

    assert response == {"batchItemFailures": []}
    [error] = [line for line in structured_logs() if line["level"] == "ERROR"]
    assert (error["message"], error["reason"], error["detail"]) == ("email rejected by SES, acknowledged", code, "no")
    assert error["correlation_id"] == "c0ffee00c0ffee00c0ffee00c0ffee01"
    metrics = emitted_metrics()
    assert ({"EmailRejected": [1.0]}, {"service": "notify", "reason": code}) in metrics
    assert ({"EmailRejected": [1.0]}, {"service": "notify"}) in metrics


@pytest.mark.parametrize(
    ("code", "detail"),
    [
        ("SendingPausedException", "no"),
        ("AccountSuspendedException", "no"),
        ("MailFromDomainNotVerifiedException", "no"),
        ("NotFoundException", "no"),  # e.g. the configuration set was deleted
        # The sender identity before its DKIM check passed, or a recipient not verified in the sandbox.
        (
            "MessageRejected",
            "Email address is not verified. The following identities failed the check in region US-EAST-1: "
            "no-reply@photos.example.com",
        ),
    ],
)
def test_account_or_configuration_error_keeps_the_message_for_an_operator(
    aws, sent_mail, lambda_context, structured_logs, emitted_metrics, code, detail
):
    record = sqs_record(welcome())

    with Stubber(mail_clients.ses()) as stub:
        stub.add_client_error("send_email", service_error_code=code, service_message=detail, http_status_code=400)
        response = notify.lambda_handler(sqs_event(record), lambda_context)

    assert failed_ids(response) == [record["messageId"]]
    [error] = [line for line in structured_logs() if line["level"] == "ERROR"]
    assert error["message"] == "notify record failed, the queue will retry it"
    assert error["exception_name"] == code
    metrics = emitted_metrics()
    assert ({"RecordFailed": [1.0]}, {"service": "notify"}) in metrics
    assert not any("EmailRejected" in names for names, _ in metrics)


def test_a_paused_ses_account_backs_off_like_a_throttled_one(aws, sent_mail, lambda_context, structured_logs):
    # GIVEN a message received from the queue, whose own visibility timeout would redeliver it at once
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=QUEUE_NAME, Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(welcome()))
    received = sqs.receive_message(QueueUrl=url)["Messages"][0]
    record = sqs_record(received["Body"], receipt_handle=received["ReceiptHandle"], receive_count=7)

    # WHEN SES refuses because the account's sending is paused (hours, maybe): a fault of ours, not a throttle
    with Stubber(mail_clients.ses()) as stub:
        stub.add_client_error("send_email", service_error_code="SendingPausedException", http_status_code=400)
        response = notify.lambda_handler(sqs_event(record), lambda_context)

    # THEN the record fails for the queue to keep, and its next delivery is pushed out by the backoff, so that its
    # receives last through a long pause instead of coming back every visibility timeout
    assert failed_ids(response) == [record["messageId"]]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    [error] = [line for line in structured_logs() if line["level"] == "ERROR"]
    assert error["message"] == "notify record failed, the queue will retry it"
    assert 450 <= error["retry_in_seconds"] <= 900
    assert sent_mail == []


def test_email_sent_but_not_recorded_is_acknowledged_and_not_sent_again(
    aws, sent_mail, monkeypatch, structured_logs, emitted_metrics
):
    # GIVEN a queued welcome message, and DynamoDB failing the write that records the email as sent
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=QUEUE_NAME, Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(welcome()))
    throttled = client_error("ProvisionedThroughputExceededException", operation="UpdateItem")
    fail_first_call(monkeypatch, mail_clients.dynamodb(), "update_item", throttled)
    mapping = EventSourceMapping(name="notify", handler=notify.lambda_handler, queue_url=url)

    # WHEN Lambda's event source mapping delivers it
    mapping.run_once()

    # THEN SES sent it once, and the record was acknowledged, so the queue never delivers it again
    [sent] = sent_mail
    in_queue = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=in_queue)["Attributes"]
    assert attributes == dict.fromkeys(in_queue, "0")
    [warning] = [line for line in structured_logs() if line["level"] == "WARNING"]
    assert warning["message"] == "email sent but not recorded as sent, acknowledged so it is not sent again"
    assert warning["ses_message_id"] == sent.id
    assert warning["correlation_id"] == "c0ffee00c0ffee00c0ffee00c0ffee01"
    assert "ProvisionedThroughputExceededException" in warning["reason"]
    assert ({"EmailSent": [1.0]}, {"service": "notify"}) in emitted_metrics()


def test_batch_of_ten_with_one_poison_message_reports_exactly_that_one(faulty_ses, sent_mail, lambda_context):
    faulty_ses({"poison@example.com": client_error("TooManyRequestsException", status=429)})
    records = [sqs_record(welcome(user_id=n, to=f"user{n}@example.com")) for n in range(9)]
    poison = sqs_record(welcome(user_id=99, to="poison@example.com"))
    records.insert(4, poison)

    response = notify.lambda_handler(sqs_event(*records), lambda_context)

    assert failed_ids(response) == [poison["messageId"]]
    assert len(sent_mail) == 9


def test_a_batch_that_only_fails_still_answers_with_its_failures(faulty_ses, lambda_context):
    faulty_ses({"ada@example.com": client_error("TooManyRequestsException", status=429)})
    record = sqs_record(welcome())

    assert failed_ids(notify.lambda_handler(sqs_event(record), lambda_context)) == [record["messageId"]]


INVALID = {
    "bad-json": "{not json",
    "unknown-kind": json.dumps({**welcome(), "kind": "newsletter"}),
    "unknown-version": json.dumps({**welcome(), "version": 2}),
    "missing-field": json.dumps({key: value for key, value in welcome().items() if key != "to"}),
    "crlf-in-subject": json.dumps(upload_received(filename="cat.jpg\r\nBcc: victim@example.com")),
    "crlf-in-address": json.dumps(welcome(to="ada@example.com\r\nBcc: victim@example.com")),
    "invalid-address": json.dumps(welcome(to="ada@")),
    "display-name-as-recipient": json.dumps(welcome(to="Ada <ada@example.com>")),
}


@pytest.mark.parametrize("body", INVALID.values(), ids=INVALID.keys())
def test_invalid_message_is_acknowledged_with_a_clear_log_line(
    sent_mail, ses_requests, lambda_context, structured_logs, emitted_metrics, body
):
    response = handle(lambda_context, sqs_record(body))

    assert response == {"batchItemFailures": []}
    assert sent_mail == [] and ses_requests == []
    [error] = [line for line in structured_logs() if line["level"] == "ERROR"]
    assert error["message"] == "invalid notify message acknowledged"
    assert error["reason"]
    assert ({"MessageInvalid": [1.0]}, {"service": "notify"}) in emitted_metrics()


@pytest.mark.parametrize("changes", UPLOAD_BATCH_BAD_DATA.values(), ids=UPLOAD_BATCH_BAD_DATA.keys())
def test_bad_upload_batch_data_is_acknowledged_and_nothing_sent(
    sent_mail, ses_requests, lambda_context, structured_logs, emitted_metrics, changes
):
    response = handle(lambda_context, upload_batch(**changes))

    assert response == {"batchItemFailures": []}  # acknowledged: no retry, no dead-letter queue
    assert sent_mail == [] and ses_requests == []
    [error] = [line for line in structured_logs() if line["level"] == "ERROR"]
    assert error["message"] == "invalid notify message acknowledged"
    assert error["reason"].startswith("upload_batch: ")
    assert error["correlation_id"] == "c0ffee00c0ffee00c0ffee00c0ffee00"
    assert ({"MessageInvalid": [1.0]}, {"service": "notify"}) in emitted_metrics()


def test_invalid_message_in_a_batch_does_not_hold_up_the_others(sent_mail, lambda_context):
    response = handle(lambda_context, welcome(user_id=1), sqs_record("{not json"), welcome(user_id=2))

    assert response == {"batchItemFailures": []}
    assert len(sent_mail) == 2


def test_logs_carry_the_correlation_id_from_the_message(sent_mail, lambda_context, structured_logs):
    record = sqs_record(upload_received())

    handle(lambda_context, record)

    [line] = structured_logs()
    assert line["message"] == "email sent"
    assert line["correlation_id"] == "c0ffee00c0ffee00c0ffee00c0ffee00"
    assert line["idempotency_key"] == "upload-received:0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10"
    assert line["kind"] == "upload_received"
    assert line["sqs_message_id"] == record["messageId"]
    assert line["ses_message_id"] == sent_mail[0].id
    assert line["service"] == "notify"
    assert line["function_request_id"] == lambda_context.aws_request_id


def test_each_record_logs_its_own_correlation_id(sent_mail, lambda_context, structured_logs):
    handle(lambda_context, welcome(), upload_received(), sqs_record("{not json"))

    assert [line.get("correlation_id") for line in structured_logs()] == [
        "c0ffee00c0ffee00c0ffee00c0ffee01",
        "c0ffee00c0ffee00c0ffee00c0ffee00",
        "",
    ]


def test_rejected_message_logs_the_correlation_id_it_carried(aws, lambda_context, structured_logs):
    handle(lambda_context, sqs_record(json.dumps({**welcome(), "version": 2})))

    [line] = structured_logs()
    assert line["correlation_id"] == "c0ffee00c0ffee00c0ffee00c0ffee01"
    assert line["reason"] == "unsupported version 2"


def test_sent_emails_are_counted(sent_mail, lambda_context, emitted_metrics):
    handle(lambda_context, welcome(), welcome(), upload_received())

    assert ({"EmailSent": [1.0, 1.0], "EmailDuplicate": [1.0]}, {"service": "notify"}) in emitted_metrics()


def test_misconfigured_sender_keeps_the_message_for_a_fix(
    aws, sent_mail, lambda_context, monkeypatch, structured_logs, emitted_metrics
):
    monkeypatch.setenv("DARKROOM_SENDER", "Darkroom\r\n<no-reply@darkroom.example>")
    record = sqs_record(welcome())

    response = notify.lambda_handler(sqs_event(record), lambda_context)

    assert failed_ids(response) == [record["messageId"]]
    assert sent_mail == []
    [error] = [line for line in structured_logs() if line["level"] == "ERROR"]
    assert error["message"] == "notify record failed, the queue will retry it"
    assert "DARKROOM_SENDER contains CR, LF" in error["exception"]
    assert error["correlation_id"] == "c0ffee00c0ffee00c0ffee00c0ffee01"
    assert ({"RecordFailed": [1.0]}, {"service": "notify"}) in emitted_metrics()


def test_handler_ties_the_in_progress_expiry_to_its_context(sent_mail, lambda_context):
    handle(lambda_context, welcome())

    assert notify.mail_delivery.IDEMPOTENCY.lambda_context is lambda_context


class ShortOfTimeAfterFirstSend:
    """A Lambda context with 55 s left until the first email is sent, then 20 s."""

    def __init__(self, context, sent_mail):
        self._context, self._sent_mail = context, sent_mail

    def get_remaining_time_in_millis(self) -> int:
        return 20_000 if self._sent_mail else 55_000

    def __getattr__(self, name):
        return getattr(self._context, name)


def test_records_begun_too_late_are_handed_back_untouched(sent_mail, lambda_context, structured_logs):
    # GIVEN a batch of three, and an invocation whose time runs short once the first email is sent
    records = [sqs_record(welcome(user_id=user_id, to=f"user{user_id}@example.com")) for user_id in (1, 2, 3)]
    context = ShortOfTimeAfterFirstSend(lambda_context, sent_mail)

    # WHEN the handler runs
    response = notify.lambda_handler(sqs_event(*records), context)

    # THEN the first email is sent, the other two go back to the queue unsent and unrecorded, with a warning each
    assert [sent.destinations["ToAddresses"] for sent in sent_mail] == [["user1@example.com"]]
    assert failed_ids(response) == [records[1]["messageId"], records[2]["messageId"]]
    warnings = [line for line in structured_logs() if line["level"] == "WARNING"]
    assert [line["remaining_ms"] for line in warnings] == [20_000, 20_000]
    assert all(line["message"].startswith("too little time left") for line in warnings)

    # AND a later invocation with time to spare sends them
    assert notify.lambda_handler(sqs_event(*records[1:]), lambda_context) == {"batchItemFailures": []}
    assert len(sent_mail) == 3


def password_reset(**data) -> dict:
    """The sample reset email (its link expires at 2026-06-01T13:00:00Z) with `data` changed; ... removes a field."""
    sample = load_event("notify_password_reset.json")
    changed = {**sample["data"], **data}
    return {**sample, "data": {name: value for name, value in changed.items() if value is not ...}}


def test_a_hand_made_reset_email_with_an_outside_link_is_not_mailed(
    sent_mail, ses_requests, lambda_context, frozen_now, structured_logs, emitted_metrics
):
    # GIVEN a password_reset message made by hand by someone allowed to send to the queue, linking to their page
    frozen_now("2026-06-01T12:30:00Z")
    link = "http://testserver.evil.test/password/reset/NDI/set-password/"
    record = sqs_record(password_reset(reset_url=link))

    # WHEN notify handles it
    response = notify.lambda_handler(sqs_event(record), lambda_context)

    # THEN nothing is mailed, the message is acknowledged (no retry makes it safe), and an error says why
    assert response == {"batchItemFailures": []}
    assert sent_mail == [] and ses_requests == []
    [error] = [line for line in structured_logs() if line["level"] == "ERROR"]
    assert error["message"] == "invalid notify message acknowledged"
    assert error["reason"] == "password_reset: data.reset_url does not link to the site (http://testserver)"
    assert ({"MessageInvalid": [1.0]}, {"service": "notify"}) in emitted_metrics()
    assert link not in json.dumps(structured_logs())


def test_without_the_sites_origin_nothing_is_mailed_and_the_message_waits(
    aws, sent_mail, lambda_context, monkeypatch, structured_logs, emitted_metrics
):
    # GIVEN a function deployed without DARKROOM_SITE_ORIGIN
    monkeypatch.delenv("DARKROOM_SITE_ORIGIN")
    record = sqs_record(welcome())

    response = notify.lambda_handler(sqs_event(record), lambda_context)

    # THEN no link goes out unchecked: the record fails, as for any fault of ours, and waits for the setting
    assert failed_ids(response) == [record["messageId"]]
    assert sent_mail == []
    [error] = [line for line in structured_logs() if line["level"] == "ERROR"]
    assert error["message"] == "notify record failed, the queue will retry it"
    assert "DARKROOM_SITE_ORIGIN is not set" in error["exception"]
    assert ({"RecordFailed": [1.0]}, {"service": "notify"}) in emitted_metrics()


@pytest.mark.parametrize("now", ["2026-06-01T13:00:00Z", "2026-06-01T15:00:00+02:00", "2026-06-03T09:00:00Z"])
def test_a_reset_email_whose_link_has_expired_is_dropped_with_a_log_line(
    aws, sent_mail, lambda_context, frozen_now, structured_logs, emitted_metrics, now
):
    # GIVEN a reset email that waited in the queue (an SES pause, a late redrive) until its link stopped working
    frozen_now(now)
    record = sqs_record(password_reset())

    # WHEN notify finally handles it
    response = notify.lambda_handler(sqs_event(record), lambda_context)

    # THEN it is not sent, not retried, and not remembered as sent; a warning says why
    assert response == {"batchItemFailures": []}
    assert sent_mail == []
    [warning] = structured_logs()
    assert warning["level"] == "WARNING"
    assert warning["message"] == "email not sent: its link expired while it waited, acknowledged"
    assert warning["expires_at"] == "2026-06-01T13:00:00+00:00"
    assert warning["idempotency_key"] == "password-reset:5f0c3a2e9b7d4c1a8e6f2d0b4a9c7e13"
    assert ({"EmailExpired": [1.0]}, {"service": "notify"}) in emitted_metrics()
    assert boto3.client("dynamodb", region_name=REGION).scan(TableName=IDEMPOTENCY_TABLE)["Items"] == []


def test_a_reset_email_is_sent_until_the_moment_its_link_expires(sent_mail, lambda_context, frozen_now):
    frozen_now("2026-06-01T12:59:59Z")

    assert handle(lambda_context, password_reset()) == {"batchItemFailures": []}
    assert len(sent_mail) == 1


def test_a_reset_email_from_before_expiry_times_is_sent(sent_mail, lambda_context, frozen_now):
    # Messages queued before the site added expires_at have none: they are sent as they always were.
    frozen_now("2030-01-01T00:00:00Z")

    assert handle(lambda_context, password_reset(expires_at=...)) == {"batchItemFailures": []}
    assert len(sent_mail) == 1
