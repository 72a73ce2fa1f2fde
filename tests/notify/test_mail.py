"""The pure core: a notify message is validated against the contract and becomes one SES v2 SendEmail request."""

import json
import re
from datetime import UTC, datetime

import pytest

import mail
from tests.notify.helpers import UPLOAD_BATCH_BAD_DATA, upload_batch
from tests.samples import EVENTS, load_event

SITE_ORIGIN = "http://testserver"  # the origin of every link in the samples
SETTINGS = mail.MailSettings(
    sender="Darkroom <no-reply@darkroom.example>", site_origin=SITE_ORIGIN, configuration_set="darkroom-mail"
)


def message(**changes) -> dict:
    document = load_event("notify_upload_received.json")
    document.update(changes)
    return document


def data(**changes) -> dict:
    return {**load_event("notify_upload_received.json")["data"], **changes}


def reset_message(**changes) -> dict:
    document = load_event("notify_password_reset.json")
    return {**document, "data": {**document["data"], **changes}}


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
    "expiry-not-a-time": json.dumps(reset_message(expires_at="in an hour")),
    "expiry-without-offset": json.dumps(reset_message(expires_at="2026-06-01T13:00:00")),
    "expiry-as-a-number": json.dumps(reset_message(expires_at=1780318800)),
    "expiry-null": json.dumps(reset_message(expires_at=None)),
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

    settings = mail.MailSettings(sender="no-reply@darkroom.example", site_origin=SITE_ORIGIN)

    request = mail.send_email_request(parsed, settings=settings)

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
        {
            "DARKROOM_SENDER": "Darkroom <no-reply@darkroom.example>",
            "DARKROOM_SES_CONFIGURATION_SET": "darkroom-mail",
            "DARKROOM_SITE_ORIGIN": "https://darkroom.example",
        }
    )

    assert settings == mail.MailSettings(
        sender="Darkroom <no-reply@darkroom.example>",
        site_origin="https://darkroom.example",
        configuration_set="darkroom-mail",
    )


MINIMAL_ENVIRON = {"DARKROOM_SENDER": "no-reply@darkroom.example", "DARKROOM_SITE_ORIGIN": "https://darkroom.example"}


def test_settings_configuration_set_is_optional():
    settings = mail.MailSettings.from_env(MINIMAL_ENVIRON)

    assert settings.configuration_set is None


@pytest.mark.parametrize(
    "origin", ["https://darkroom.example/", "http://127.0.0.1:8000", "https://Darkroom.Example:8443"]
)
def test_settings_take_an_origin_with_or_without_its_slash(origin):
    settings = mail.MailSettings.from_env({**MINIMAL_ENVIRON, "DARKROOM_SITE_ORIGIN": origin})

    assert settings.site_origin == origin.rstrip("/")


BAD_SETTINGS = {
    "sender-missing": {"DARKROOM_SITE_ORIGIN": "https://darkroom.example"},
    "sender-with-crlf": {
        **MINIMAL_ENVIRON,
        "DARKROOM_SENDER": "Darkroom\r\nBcc: x@example.com <no-reply@darkroom.example>",
    },
    "sender-invalid": {**MINIMAL_ENVIRON, "DARKROOM_SENDER": "Darkroom <no-reply>"},
    "configuration-set-invalid": {**MINIMAL_ENVIRON, "DARKROOM_SES_CONFIGURATION_SET": "darkroom mail\r\n"},
    # Without the site's origin no link can be checked: nothing is mailed until it is set.
    "site-origin-missing": {"DARKROOM_SENDER": "no-reply@darkroom.example"},
    "site-origin-empty": {**MINIMAL_ENVIRON, "DARKROOM_SITE_ORIGIN": ""},
    "site-origin-without-scheme": {**MINIMAL_ENVIRON, "DARKROOM_SITE_ORIGIN": "darkroom.example"},
    "site-origin-not-web": {**MINIMAL_ENVIRON, "DARKROOM_SITE_ORIGIN": "ftp://darkroom.example"},
    "site-origin-with-a-path": {**MINIMAL_ENVIRON, "DARKROOM_SITE_ORIGIN": "https://darkroom.example/dev/"},
    "site-origin-with-a-query": {**MINIMAL_ENVIRON, "DARKROOM_SITE_ORIGIN": "https://darkroom.example?a=1"},
    "site-origin-with-credentials": {**MINIMAL_ENVIRON, "DARKROOM_SITE_ORIGIN": "https://ada@darkroom.example"},
}


@pytest.mark.parametrize("environ", BAD_SETTINGS.values(), ids=BAD_SETTINGS.keys())
def test_settings_reject_bad_configuration(environ):
    with pytest.raises(mail.ConfigurationError):
        mail.MailSettings.from_env(environ)


ON_THE_SITE = {
    "a-path": "https://darkroom.example/password/reset/NDI/token/",
    "the-root": "https://darkroom.example",
    "host-in-capitals": "https://DARKROOM.example/photos/",
    "scheme-in-capitals": "HTTPS://darkroom.example/photos/",
    "default-port-written-out": "https://darkroom.example:443/photos/",
    "a-query-and-fragment": "https://darkroom.example/photos/?page=2#top",
}
# Each a link a hand-made message could carry to send a reader elsewhere.
OFF_THE_SITE = {
    "another-host": "https://evil.test/password/reset/NDI/token/",
    "the-site-as-a-prefix-of-another-host": "https://darkroom.example.evil.test/password/reset/",
    "the-site-as-a-suffix": "https://evildarkroom.example/",
    "a-subdomain": "https://www.darkroom.example/",
    "the-host-with-a-trailing-dot": "https://darkroom.example./",
    "plain-http": "http://darkroom.example/",
    "another-port": "https://darkroom.example:8443/",
    "a-bad-port": "https://darkroom.example:99999/",
    "the-site-as-credentials": "https://darkroom.example@evil.test/",
    "credentials-before-the-site": "https://evil.test@darkroom.example/",
    "a-backslash-browsers-read-as-a-slash": "https://evil.test\\@darkroom.example/",
    "a-look-alike-host": "https://darkroom.ex\u0430mple/",  # a Cyrillic a
    "an-ip-address": "https://203.0.113.7/",
}


def link_message(kind: str, url: str) -> mail.Message:
    """The kind's sample with every link replaced by `url`."""
    sample = load_event(f"notify_{kind}.json")
    links = dict.fromkeys(mail.KINDS[kind].url_fields, url)
    return mail.parse_message(json.dumps({**sample, "data": {**sample["data"], **links}}))


@pytest.mark.parametrize("url", ON_THE_SITE.values(), ids=ON_THE_SITE.keys())
def test_links_on_the_sites_origin_are_mailed(url):
    settings = mail.MailSettings(sender="no-reply@darkroom.example", site_origin="https://darkroom.example")

    request = mail.send_email_request(link_message("password_reset", url), settings=settings)

    assert url in request["Content"]["Simple"]["Body"]["Text"]["Data"]


@pytest.mark.parametrize("url", OFF_THE_SITE.values(), ids=OFF_THE_SITE.keys())
def test_a_link_off_the_sites_origin_is_refused_before_any_send(url):
    settings = mail.MailSettings(sender="no-reply@darkroom.example", site_origin="https://darkroom.example")

    with pytest.raises(mail.UnsafeMessage) as raised:
        mail.send_email_request(link_message("password_reset", url), settings=settings)

    assert raised.value.reason == "password_reset: data.reset_url does not link to the site (https://darkroom.example)"
    assert raised.value.correlation_id == "c0ffee00c0ffee00c0ffee00c0ffee03"


KINDS_WITH_SAMPLES = sorted(path.stem.removeprefix("notify_") for path in EVENTS.glob("notify_*.json"))


@pytest.mark.parametrize("kind", KINDS_WITH_SAMPLES)
def test_every_link_of_every_kind_is_held_to_the_site(kind):
    assert mail.KINDS[kind].url_fields, "a kind without links has nothing to check"
    mail.send_email_request(link_message(kind, f"{SITE_ORIGIN}/x/"), settings=SETTINGS)

    with pytest.raises(mail.UnsafeMessage, match="does not link to the site"):
        mail.send_email_request(link_message(kind, "http://testserver.evil.test/x/"), settings=SETTINGS)


@pytest.mark.parametrize("kind", sorted(mail.KINDS))
def test_kind_names_are_valid_ses_tag_values(kind):
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", kind)


def test_a_reset_email_knows_when_its_link_expires():
    parsed = mail.parse_message(json.dumps(reset_message(expires_at="2026-06-01T15:00:00+02:00")))

    assert parsed.expires_at == datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
    assert not mail.has_expired(parsed, now=datetime(2026, 6, 1, 12, 59, 59, tzinfo=UTC))
    assert mail.has_expired(parsed, now=datetime(2026, 6, 1, 13, 0, tzinfo=UTC))


def test_an_email_without_an_expiry_never_expires():
    older = reset_message()
    del older["data"]["expires_at"]

    for body in (older, load_event("notify_welcome.json")):
        parsed = mail.parse_message(json.dumps(body))
        assert parsed.expires_at is None
        assert not mail.has_expired(parsed, now=datetime(2100, 1, 1, tzinfo=UTC))
