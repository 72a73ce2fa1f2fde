"""Contract: the function consumes exactly the sample notify messages the web side produces (tests/events/)."""

import json

import pytest

import notify
from tests.notify.conftest import SENDER
from tests.notify.helpers import sqs_event, sqs_record
from tests.samples import EVENTS

SAMPLES = {
    "notify_verify_address.json": ("verify_address", "Confirm your email address for Darkroom"),
    "notify_welcome.json": ("welcome", "Welcome to Darkroom"),
    "notify_upload_received.json": ("upload_received", "We received holiday <script>alert(1)</script>.jpg"),
    "notify_upload_batch.json": ("upload_batch", "18 photos developed, 2 could not be"),
    "notify_password_reset.json": ("password_reset", "Reset your Darkroom password"),
    "notify_password_changed.json": ("password_changed", "Your Darkroom password was changed"),
}


# Before the sample reset link's expiry (2026-06-01T13:00:00Z): a sample is an email still worth sending.
BEFORE_THE_SAMPLES_EXPIRE = "2026-06-01T12:00:00Z"


def test_every_notify_sample_is_covered():
    assert {path.name for path in EVENTS.glob("notify_*.json")} == set(SAMPLES)


@pytest.mark.parametrize(("sample", "expected"), SAMPLES.items(), ids=SAMPLES.keys())
def test_sample_message_is_sent(sent_mail, ses_requests, lambda_context, frozen_now, sample, expected):
    kind, subject = expected
    frozen_now(BEFORE_THE_SAMPLES_EXPIRE)
    # The exact bytes of the sample file become the SQS body, as the web's outbox sends them.
    record = sqs_record((EVENTS / sample).read_text())

    response = notify.lambda_handler(sqs_event(record), lambda_context)

    assert response == {"batchItemFailures": []}
    [sent] = sent_mail
    assert (sent.source, sent.destinations, sent.subject) == (SENDER, {"ToAddresses": ["ada@example.com"]}, subject)
    assert "<script>" not in sent.body
    [request] = ses_requests
    assert request["EmailTags"] == [{"Name": "kind", "Value": kind}]
    assert request["Content"]["Simple"]["Body"]["Text"]["Data"]


def test_a_reset_link_is_never_logged(sent_mail, lambda_context, frozen_now, structured_logs, capsys):
    frozen_now(BEFORE_THE_SAMPLES_EXPIRE)
    sample = (EVENTS / "notify_password_reset.json").read_text()
    record = sqs_record(sample)

    notify.lambda_handler(sqs_event(record), lambda_context)

    [sent] = sent_mail
    link = json.loads(sample)["data"]["reset_url"]
    assert link in sent.body  # the email carries it...
    logs = structured_logs()
    assert logs and any(line.get("message") == "email sent" for line in logs)
    assert link not in json.dumps(logs) and link not in capsys.readouterr().out  # ...the logs do not


def test_the_sample_reset_email_is_not_sent_once_its_link_has_expired(sent_mail, lambda_context, frozen_now):
    frozen_now("2026-06-01T13:00:00Z")

    response = notify.lambda_handler(
        sqs_event(sqs_record((EVENTS / "notify_password_reset.json").read_text())), lambda_context
    )

    assert response == {"batchItemFailures": []} and sent_mail == []
