"""The pure core of notify: a notify message in, an SES v2 SendEmail request out. No AWS, no Lambda.

The message contract (version 1) is produced by web/contracts.py; samples live in tests/events/notify_*.json.
"""

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import mail_headers
import mail_render

VERSION = 1
CHARSET = "UTF-8"
MAX_KEY_LENGTH = 255
MAX_TEXT_LENGTH = 1024
MAX_URL_LENGTH = 2048
MAX_LIST_LENGTH = 1000  # more than a notify message (16 KB) can hold
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class ListField:
    """A list of objects that all have the same text fields, such as the failed files of an upload batch."""

    name: str
    item_fields: tuple[str, ...]


@dataclass(frozen=True)
class Kind:
    """An email kind: the data fields its templates use. Its templates live in mail_templates/<name>/."""

    name: str
    text_fields: tuple[str, ...] = ()
    url_fields: tuple[str, ...] = ()
    count_fields: tuple[str, ...] = ()  # non-negative integers
    list_fields: tuple[ListField, ...] = ()
    # The time (ISO 8601 with its offset) the email's link stops working. Optional: older messages lack it.
    expiry_field: str | None = None
    # Rules across fields, run once the fields above are valid.
    finish: Callable[[dict], None] | None = None


def _upload_batch(fields: dict) -> None:
    # The notify queue takes 16 KB, so the site lists only the first failed files and counts them all apart.
    if fields["failed_count"] < len(fields["failed"]):
        raise MalformedMessage("upload_batch: data.failed_count is less than the failed files listed")
    if fields["developed"] + fields["failed_count"] == 0:
        raise MalformedMessage("upload_batch: no photo developed or failed")


# Adding a kind: one line here, three templates in mail_templates/<name>/, a builder in web/contracts.py
# and a sample in tests/events/ (see functions/notify/README.md).
KINDS = {
    kind.name: kind
    for kind in (
        Kind("verify_address", text_fields=("email", "expires_in"), url_fields=("verify_url",)),
        # No longer sent by the site (verify_address replaced it); kept for messages still queued during a deploy.
        Kind("welcome", text_fields=("email",), url_fields=("site_url",)),
        # No longer sent by the site (upload_batch replaced it); kept for messages still queued during a deploy.
        Kind("upload_received", text_fields=("filename",), url_fields=("photo_url",)),
        Kind(
            "upload_batch",
            url_fields=("gallery_url",),
            count_fields=("developed", "failed_count"),
            list_fields=(ListField("failed", item_fields=("filename", "reason")),),
            finish=_upload_batch,
        ),
        Kind(
            "password_reset", text_fields=("email", "expires_in"), url_fields=("reset_url",), expiry_field="expires_at"
        ),
        Kind("password_changed", text_fields=("email",), url_fields=("reset_page_url",)),
    )
}


class InvalidMessage(ValueError):
    """The message can never be sent as it is: acknowledge it, never retry it."""

    def __init__(self, reason: str, *, correlation_id: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.correlation_id = correlation_id


class MalformedMessage(InvalidMessage):
    """Not a notify message this version understands: bad JSON, unknown kind or version, missing fields."""


class UnsafeMessage(InvalidMessage):
    """A value bound for an email header is unsafe (CR/LF), an address is invalid, or a link leaves the site."""


class ConfigurationError(RuntimeError):
    """The function is misconfigured: fail the record so the message waits for a fix instead of being dropped."""


@dataclass(frozen=True)
class Message:
    kind: str
    idempotency_key: str
    to: str
    data: Mapping[str, object]
    correlation_id: str
    expires_at: datetime | None = None  # in UTC; after it the email is worthless (a dead link)


@dataclass(frozen=True)
class MailSettings:
    sender: str  # canonical "Display Name <address>", display name MIME-encoded when not ASCII
    site_origin: str  # every link in an email must be on it: "https://photos.example.com"
    configuration_set: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "MailSettings":
        try:
            sender = mail_headers.mailbox("DARKROOM_SENDER", environ.get("DARKROOM_SENDER", ""))
        except mail_headers.HeaderError as error:
            raise ConfigurationError(str(error)) from error
        configuration_set = environ.get("DARKROOM_SES_CONFIGURATION_SET") or None
        if configuration_set and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", configuration_set):
            raise ConfigurationError("DARKROOM_SES_CONFIGURATION_SET is not a valid configuration set name")
        return cls(
            sender=sender,
            site_origin=_site_origin(environ.get("DARKROOM_SITE_ORIGIN", "")),
            configuration_set=configuration_set,
        )


def _site_origin(value: str) -> str:
    # Required: without it no link could be checked, and mailing unchecked links is what the check prevents.
    if not value:
        raise ConfigurationError("DARKROOM_SITE_ORIGIN is not set: links are mailed only on the site's origin")
    if url_origin(value) is None or not re.fullmatch(r"https?://[^/?#]+/?", value, flags=re.IGNORECASE):
        raise ConfigurationError("DARKROOM_SITE_ORIGIN is not an origin such as https://photos.example.com")
    return value.rstrip("/")


def url_origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, default ports filled in, as a browser would read it; None when a
    browser could read another host than Python: a backslash (browsers take it for a slash, so
    https://evil.test\\@site/ goes to evil.test), credentials before the host, a non-ASCII host, a bad port."""
    if "\\" in url or not _is_web_url(url):
        return None
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    if "@" in parts.netloc or not parts.hostname or not parts.netloc.isascii():
        return None
    return parts.scheme, parts.hostname, _DEFAULT_PORTS[parts.scheme] if port is None else port


def parse_message(body: str) -> Message:
    """Validate an SQS message body against the contract. Unknown extra fields are ignored (tolerant reader)."""
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, TypeError) as error:
        raise MalformedMessage(f"body is not JSON: {error}") from error
    if not isinstance(document, dict):
        raise MalformedMessage("body is not a JSON object")
    correlation_id = document.get("correlation_id")
    correlation_id = correlation_id if isinstance(correlation_id, str) else ""
    try:
        return _message(document, correlation_id)
    except MalformedMessage as error:
        error.correlation_id = correlation_id  # so even a rejected message can be followed in the logs
        raise


def _message(document: dict, correlation_id: str) -> Message:
    version = document.get("version")
    if type(version) is not int or version != VERSION:  # bool is an int subclass: True is not version 1
        raise MalformedMessage(f"unsupported version {version!r}")
    kind_name = document.get("kind")
    kind = KINDS.get(kind_name) if isinstance(kind_name, str) else None
    if kind is None:
        raise MalformedMessage(f"unknown kind {kind_name!r}")
    for name in ("idempotency_key", "to", "correlation_id"):
        if not isinstance(document.get(name), str) or not document[name]:
            raise MalformedMessage(f"missing or empty {name}")
    if len(document["idempotency_key"]) > MAX_KEY_LENGTH:
        raise MalformedMessage("idempotency_key is too long")
    if not isinstance(document.get("data"), dict):
        raise MalformedMessage("missing data object")
    return Message(
        kind=kind.name,
        idempotency_key=document["idempotency_key"],
        to=document["to"],
        data=_kind_data(kind, document["data"]),
        correlation_id=correlation_id,
        expires_at=_expiry(kind, document["data"]),
    )


def _kind_data(kind: Kind, data: dict) -> dict[str, object]:
    fields: dict[str, object] = {}
    for name in kind.text_fields:
        fields[name] = _text(data.get(name), f"{kind.name}: data.{name}")
    for name in kind.url_fields:
        value = _text(data.get(name), f"{kind.name}: data.{name}", max_length=MAX_URL_LENGTH)
        if not _is_web_url(value):
            raise MalformedMessage(f"{kind.name}: data.{name} is not an http(s) URL")
        fields[name] = value
    for name in kind.count_fields:
        if not _is_count(data.get(name)):
            raise MalformedMessage(f"{kind.name}: data.{name} is not a whole number of 0 or more")
        fields[name] = data[name]
    for field in kind.list_fields:
        fields[field.name] = _items(data.get(field.name), field, f"{kind.name}: data.{field.name}")
    if kind.finish:
        kind.finish(fields)
    return fields


def _expiry(kind: Kind, data: dict) -> datetime | None:
    if kind.expiry_field is None or kind.expiry_field not in data:
        return None
    label = f"{kind.name}: data.{kind.expiry_field}"
    value = data[kind.expiry_field]
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise MalformedMessage(f"{label} is not an ISO 8601 time with its offset")
    return moment.astimezone(UTC)


def has_expired(message: Message, *, now: datetime) -> bool:
    """True once the moment the email's link stops working has come: sending it would mail a dead link."""
    return message.expires_at is not None and message.expires_at <= now


def _text(value: object, label: str, *, max_length: int = MAX_TEXT_LENGTH) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MalformedMessage(f"{label} is missing or empty")
    if len(value) > max_length:
        raise MalformedMessage(f"{label} is too long")
    return value


def _is_count(value: object) -> bool:
    return type(value) is int and value >= 0  # bool is an int subclass: True is not a count


def _items(value: object, field: ListField, label: str) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise MalformedMessage(f"{label} is missing or not a list")
    if len(value) > MAX_LIST_LENGTH:
        raise MalformedMessage(f"{label} is too long")
    items = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise MalformedMessage(f"{label}[{index}] is not an object")
        items.append({name: _text(item.get(name), f"{label}[{index}].{name}") for name in field.item_fields})
    return items


def _is_web_url(url: str) -> bool:
    # Only web links: a javascript: or data: URL would survive HTML escaping inside href.
    if re.search(r"[\s\x00-\x1f\x7f]", url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def send_email_request(message: Message, *, settings: MailSettings) -> dict:
    """Build the keyword arguments of sesv2.send_email for `message`; raise UnsafeMessage before any send."""
    _check_links(message, site_origin=settings.site_origin)
    try:
        to = mail_headers.address("to", message.to)
        rendered = mail_render.render(message.kind, message.data)
        subject = mail_headers.header_value("subject", rendered.subject)
    except mail_headers.HeaderError as error:
        raise UnsafeMessage(str(error), correlation_id=message.correlation_id) from error
    request = {
        "FromEmailAddress": settings.sender,
        "Destination": {"ToAddresses": [to]},
        "Content": {
            "Simple": {
                "Subject": {"Data": subject, "Charset": CHARSET},
                "Body": {
                    "Text": {"Data": rendered.text, "Charset": CHARSET},
                    "Html": {"Data": rendered.html, "Charset": CHARSET},
                },
            }
        },
        # Tags and the configuration set are API parameters, never headers: SES applies them to its events.
        "EmailTags": [{"Name": "kind", "Value": message.kind}],
    }
    if settings.configuration_set:
        request["ConfigurationSetName"] = settings.configuration_set
    return request


def _check_links(message: Message, *, site_origin: str) -> None:
    """Links only to the site: whoever may send to the queue could otherwise mail a password reset to a page of
    theirs. Scheme, host and port are compared, never text prefixes (https://site.example.evil.test is not it)."""
    for name in KINDS[message.kind].url_fields:
        if url_origin(message.data[name]) != url_origin(site_origin):
            raise UnsafeMessage(
                f"{message.kind}: data.{name} does not link to the site ({site_origin})",
                correlation_id=message.correlation_id,
            )
