"""The pure core: a notify message is validated against the contract and becomes one SES v2 SendEmail request."""

import json
import re

import pytest

import mail
from tests.samples import load_event

SETTINGS = mail.MailSettings(sender="Darkroom <no-reply@darkroom.example>", configuration_set="darkroom-mail")


def message(**changes) -> dict:
    document = load_event("notify_upload_received.json")
    document.update(changes)
    return document


def data(**changes) -> dict:
    return {**load_event("notify_upload_received.json")["data"], **changes}


def test_parse_message_reads_the_welcome_sample():
    parsed = mail.parse_message(json.dumps(load_event("notify_welcome.json")))

    assert parsed == mail.Message(
        kind="welcome",
        idempotency_key="welcome:42",
        to="ada@example.com",
        data={"email": "ada@example.com", "site_url": "http://testserver/"},
        correlation_id="c0ffee00c0ffee00c0ffee00c0ffee01",
    )


def test_parse_message_ignores_unknown_fields():
    parsed = mail.parse_message(json.dumps(message(added_later="x", data=data(added_later="y"))))

    assert "added_later" not in parsed.data


BAD_BODIES = {
    "not-json": "{not json",
    "json-array": "[1, 2]",
    "json-string": '"welcome"',
    "missing-version": json.dumps({k: v for k, v in message().items() if k != "version"}),
    "version-2": json.dumps(message(version=2)),
    "version-as-string": json.dumps(message(version="1")),
    "version-as-bool": json.dumps(message(version=True)),
    "unknown-kind": json.dumps(message(kind="newsletter")),
    "kind-as-list": json.dumps(message(kind=["welcome"])),
    "missing-kind": json.dumps({k: v for k, v in message().items() if k != "kind"}),
    "missing-idempotency-key": json.dumps({k: v for k, v in message().items() if k != "idempotency_key"}),
    "empty-idempotency-key": json.dumps(message(idempotency_key="")),
    "too-long-idempotency-key": json.dumps(message(idempotency_key="k" * 256)),
    "missing-to": json.dumps({k: v for k, v in message().items() if k != "to"}),
    "to-as-list": json.dumps(message(to=["ada@example.com"])),
    "missing-correlation-id": json.dumps({k: v for k, v in message().items() if k != "correlation_id"}),
    "missing-data": json.dumps({k: v for k, v in message().items() if k != "data"}),
    "data-as-string": json.dumps(message(data="filename=cat.jpg")),
    "missing-data-field": json.dumps(message(data={"photo_url": "http://testserver/p/1/"})),
    "empty-data-field": json.dumps(message(data=data(filename=" "))),
    "data-field-not-string": json.dumps(message(data=data(filename=7))),
    "too-long-data-field": json.dumps(message(data=data(filename="a" * 1025))),
    "javascript-url": json.dumps(message(data=data(photo_url="javascript:alert(1)"))),
    "relative-url": json.dumps(message(data=data(photo_url="/photos/1/"))),
    "url-with-whitespace": json.dumps(message(data=data(photo_url="http://testserver/a b"))),
    "url-with-broken-ipv6": json.dumps(message(data=data(photo_url="http://[::1/"))),
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_parse_message_rejects_malformed(body):
    with pytest.raises(mail.MalformedMessage) as raised:
        mail.parse_message(body)

    assert raised.value.reason


def test_malformed_message_keeps_its_correlation_id():
    with pytest.raises(mail.MalformedMessage) as raised:
        mail.parse_message(json.dumps(message(kind="newsletter")))

    assert raised.value.correlation_id == "c0ffee00c0ffee00c0ffee00c0ffee00"
    assert raised.value.reason == "unknown kind 'newsletter'"


def test_request_for_upload_received():
    # GIVEN the web's sample upload_received message, with a <script> in its file name
    parsed = mail.parse_message(json.dumps(load_event("notify_upload_received.json")))

    # WHEN it becomes an SES request
    request = mail.send_email_request(parsed, settings=SETTINGS)

    # THEN sender, recipient, tags and configuration set are API parameters, and only the HTML is escaped
    simple = request["Content"]["Simple"]
    assert request["FromEmailAddress"] == "Darkroom <no-reply@darkroom.example>"
    assert request["Destination"] == {"ToAddresses": ["ada@example.com"]}
    assert request["EmailTags"] == [{"Name": "kind", "Value": "upload_received"}]
    assert request["ConfigurationSetName"] == "darkroom-mail"
    assert simple["Subject"] == {"Data": "We received holiday <script>alert(1)</script>.jpg", "Charset": "UTF-8"}
    assert "holiday &lt;script&gt;alert(1)&lt;/script&gt;.jpg" in simple["Body"]["Html"]["Data"]
    assert "<script>" not in simple["Body"]["Html"]["Data"]
    assert "holiday <script>alert(1)</script>.jpg" in simple["Body"]["Text"]["Data"]
    assert "http://testserver/photos/0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10/" in simple["Body"]["Text"]["Data"]
    assert set(request) == {"FromEmailAddress", "Destination", "Content", "EmailTags", "ConfigurationSetName"}


def test_request_without_configuration_set_leaves_it_out():
    parsed = mail.parse_message(json.dumps(load_event("notify_welcome.json")))

    request = mail.send_email_request(parsed, settings=mail.MailSettings(sender="no-reply@darkroom.example"))

    assert "ConfigurationSetName" not in request
    assert request["Content"]["Simple"]["Subject"]["Data"] == "Welcome to Darkroom"


@pytest.mark.parametrize(
    "filename",
    ["cat.jpg\r\nBcc: victim@example.com", "cat\n.jpg", "cat\r.jpg"],
    ids=["crlf-header-injection", "lf", "cr"],
)
def test_line_break_in_a_subject_value_is_rejected_before_any_send(filename):
    parsed = mail.parse_message(json.dumps(message(data=data(filename=filename))))

    with pytest.raises(mail.UnsafeMessage, match="subject contains CR, LF"):
        mail.send_email_request(parsed, settings=SETTINGS)


@pytest.mark.parametrize(
    "to",
    ["ada@example.com\r\nBcc: victim@example.com", "Ada <ada@example.com>", "ada@example.com, eve@example.com", "ada"],
    ids=["crlf", "display-name", "two-addresses", "not-an-address"],
)
def test_invalid_recipient_is_rejected_before_any_send(to):
    parsed = mail.parse_message(json.dumps(message(to=to)))

    with pytest.raises(mail.UnsafeMessage) as raised:
        mail.send_email_request(parsed, settings=SETTINGS)

    assert raised.value.correlation_id == "c0ffee00c0ffee00c0ffee00c0ffee00"


def test_settings_from_env():
    settings = mail.MailSettings.from_env(
        {"DARKROOM_SENDER": "Darkroom <no-reply@darkroom.example>", "DARKROOM_SES_CONFIGURATION_SET": "darkroom-mail"}
    )

    assert settings == mail.MailSettings(
        sender="Darkroom <no-reply@darkroom.example>", configuration_set="darkroom-mail"
    )


def test_settings_configuration_set_is_optional():
    settings = mail.MailSettings.from_env({"DARKROOM_SENDER": "no-reply@darkroom.example"})

    assert settings.configuration_set is None


BAD_SETTINGS = {
    "sender-missing": {},
    "sender-with-crlf": {"DARKROOM_SENDER": "Darkroom\r\nBcc: x@example.com <no-reply@darkroom.example>"},
    "sender-invalid": {"DARKROOM_SENDER": "Darkroom <no-reply>"},
    "configuration-set-invalid": {
        "DARKROOM_SENDER": "no-reply@darkroom.example",
        "DARKROOM_SES_CONFIGURATION_SET": "darkroom mail\r\n",
    },
}


@pytest.mark.parametrize("environ", BAD_SETTINGS.values(), ids=BAD_SETTINGS.keys())
def test_settings_reject_bad_configuration(environ):
    with pytest.raises(mail.ConfigurationError):
        mail.MailSettings.from_env(environ)


@pytest.mark.parametrize("kind", sorted(mail.KINDS))
def test_kind_names_are_valid_ses_tag_values(kind):
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", kind)
