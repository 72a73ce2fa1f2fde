"""The pure core: a notify message is validated against the contract and becomes one SES v2 SendEmail request."""

import json
import re

import pytest

import mail
from tests.notify.helpers import UPLOAD_BATCH_BAD_DATA, upload_batch
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


def test_parse_message_reads_the_upload_batch_sample():
    parsed = mail.parse_message(json.dumps(load_event("notify_upload_batch.json")))

    assert parsed.kind == "upload_batch"
    assert parsed.idempotency_key == "upload-batch:5d1c2b3a-9e8f-4a7b-8c6d-1e2f3a4b5c6d"
    assert parsed.data == {
        "developed": 18,
        "failed_count": 2,
        "failed": [
            {
                "filename": "notes <script>alert(1)</script>.jpg",
                "reason": "Not a photo: Darkroom reads JPEG, PNG, WebP, GIF and HEIC.",
            },
            {"filename": "IMG_0042.HEIC", "reason": "This photo did not finish developing. Try uploading it again."},
        ],
        "gallery_url": "http://testserver/photos/",
    }


def test_upload_batch_items_keep_only_their_fields():
    parsed = mail.parse_message(json.dumps(upload_batch(failed=[{"filename": "a.jpg", "reason": "No.", "id": 7}])))

    assert parsed.data["failed"] == [{"filename": "a.jpg", "reason": "No."}]


def test_upload_batch_may_list_only_the_first_failed_files():
    # The notify queue takes 16 KB: the site lists the first failed files and counts them all in failed_count.
    parsed = mail.parse_message(json.dumps(upload_batch(failed_count=40)))

    assert (parsed.data["failed_count"], len(parsed.data["failed"])) == (40, 2)


@pytest.mark.parametrize(
    ("developed", "failed"), [(0, 1), (1, 0), (0, 3)], ids=["one-failed", "one-developed", "none-developed"]
)
def test_upload_batch_with_any_one_photo_is_valid(developed, failed):
    failures = [{"filename": f"{n}.jpg", "reason": "Not a photo."} for n in range(failed)]

    parsed = mail.parse_message(json.dumps(upload_batch(developed=developed, failed_count=failed, failed=failures)))

    assert (parsed.data["developed"], parsed.data["failed_count"]) == (developed, failed)


@pytest.mark.parametrize("changes", UPLOAD_BATCH_BAD_DATA.values(), ids=UPLOAD_BATCH_BAD_DATA.keys())
def test_parse_message_rejects_bad_upload_batch_data(changes):
    with pytest.raises(mail.MalformedMessage) as raised:
        mail.parse_message(json.dumps(upload_batch(**changes)))

    assert raised.value.reason.startswith("upload_batch: ")
    assert raised.value.correlation_id == "c0ffee00c0ffee00c0ffee00c0ffee00"


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


def test_request_for_upload_batch():
    parsed = mail.parse_message(json.dumps(load_event("notify_upload_batch.json")))

    request = mail.send_email_request(parsed, settings=SETTINGS)

    simple = request["Content"]["Simple"]
    assert request["EmailTags"] == [{"Name": "kind", "Value": "upload_batch"}]
    assert simple["Subject"] == {"Data": "18 photos developed, 2 could not be", "Charset": "UTF-8"}
    assert "notes &lt;script&gt;alert(1)&lt;/script&gt;.jpg" in simple["Body"]["Html"]["Data"]
    assert "<script>" not in simple["Body"]["Html"]["Data"]
    assert "notes <script>alert(1)</script>.jpg" in simple["Body"]["Text"]["Data"]


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
