"""The messages the site sends and the manifest it reads: version 1 of Darkroom's contract.

Samples of each shape live in tests/events/; the web tests assert these builders produce exactly them, and the
functions' tests consume the same files.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import unquote_plus

VERSION = 1


class Queue(StrEnum):
    """The queues the site sends to; each one's URL is the setting DARKROOM_<NAME>_QUEUE_URL."""

    RESIZE = "resize"
    NOTIFY = "notify"
    TASKS = "tasks"


@dataclass(frozen=True)
class Message:
    """One body built below, and the queue it goes to: what the outbox records and sends."""

    queue: Queue
    body: dict


def resize_requested(
    *, photo_id: str, source_key: str, source_etag: str, output_prefix: str, correlation_id: str
) -> dict:
    # source_etag is the original's ETag pinned at confirm: resize reads only that version of the object. Added to
    # version 1 later, so resize accepts messages without it.
    return {
        "version": VERSION,
        "kind": "resize.requested",
        "photo_id": photo_id,
        "source_key": source_key,
        "source_etag": source_etag,
        "output_prefix": output_prefix,
        "correlation_id": correlation_id,
    }


def verify_address_email(*, send_id: str, to: str, verify_url: str, expires_in: str, correlation_id: str) -> dict:
    # The one email an unconfirmed address may get. One key per send: asking again later mails a fresh link.
    return _email(
        kind="verify_address",
        idempotency_key=f"verify-address:{send_id}",
        to=to,
        data={"email": to, "verify_url": verify_url, "expires_in": expires_in},
        correlation_id=correlation_id,
    )


# The notify queue takes messages up to 16 KB: a batch's email lists this many failed files, and counts them all.
UPLOAD_BATCH_FAILED_LISTED = 30


def upload_batch_email(
    *, batch_id: str, to: str, developed: int, failed: list[dict], gallery_url: str, correlation_id: str
) -> dict:
    """One email for the files picked together: `failed` is [{"filename", "reason"}] for each that failed."""
    return _email(
        kind="upload_batch",
        idempotency_key=f"upload-batch:{batch_id}",
        to=to,
        data={
            "developed": developed,
            "failed_count": len(failed),
            "failed": failed[:UPLOAD_BATCH_FAILED_LISTED],
            "gallery_url": gallery_url,
        },
        correlation_id=correlation_id,
    )


def password_reset_email(
    *, request_id: str, to: str, reset_url: str, expires_in: str, expires_at: datetime, correlation_id: str
) -> dict:
    # One key per request: a redelivery sends nothing new, a second request a few minutes later sends a fresh link.
    # expires_at (ISO 8601, UTC) lets notify drop an email whose link died while it waited in the queue.
    return _email(
        kind="password_reset",
        idempotency_key=f"password-reset:{request_id}",
        to=to,
        data={"email": to, "reset_url": reset_url, "expires_in": expires_in, "expires_at": _utc_text(expires_at)},
        correlation_id=correlation_id,
    )


def password_changed_email(*, change_id: str, to: str, reset_page_url: str, correlation_id: str) -> dict:
    return _email(
        kind="password_changed",
        idempotency_key=f"password-changed:{change_id}",
        to=to,
        data={"email": to, "reset_page_url": reset_page_url},
        correlation_id=correlation_id,
    )


def task_ready(*, task_id: str, task_path: str, token: str, correlation_id: str) -> dict:
    """A site task to run: its arguments stay in the task's database row (web/tasks), the message only names it.
    `token` names this message: a duplicate delivery, or a message a later one replaced, runs nothing."""
    return {
        "version": VERSION,
        "kind": "task.ready",
        "task_id": task_id,
        "task": task_path,
        "token": token,
        "correlation_id": correlation_id,
    }


class TaskMessageError(ValueError):
    """A site-tasks message this site cannot read: it goes to the dead-letter queue, never to a task."""


@dataclass(frozen=True)
class TaskMessage:
    task_id: str
    task_path: str
    token: str
    correlation_id: str


_TASK_ID = re.compile(r"[A-Za-z0-9]{1,32}")


def parse_task_message(body: str) -> TaskMessage:
    try:
        document = json.loads(body)
    except ValueError as error:
        raise TaskMessageError(f"not JSON: {error}") from error
    if not isinstance(document, dict) or document.get("version") != VERSION or document.get("kind") != "task.ready":
        kind = document.get("kind") if isinstance(document, dict) else type(document).__name__
        raise TaskMessageError(f"not a version {VERSION} task.ready message: kind={kind!r}")
    fields = {name: document.get(name) for name in ("task_id", "task", "token", "correlation_id")}
    if not all(isinstance(value, str) and value for value in fields.values()):
        raise TaskMessageError(f"missing or empty fields: {sorted(k for k, v in fields.items() if not v)}")
    if not _TASK_ID.fullmatch(fields["task_id"]) or not _TASK_ID.fullmatch(fields["token"]):
        raise TaskMessageError("task_id and token are 1-32 letters and digits")
    return TaskMessage(
        task_id=fields["task_id"],
        task_path=fields["task"],
        token=fields["token"],
        correlation_id=fields["correlation_id"],
    )


def s3_event_keys(body: str) -> list[str] | None:
    """The object keys of an S3 event notification (the bucket's manifests, on the site-tasks queue), decoded;
    [] for the s3:TestEvent S3 sends when the configuration is saved; None when `body` is no S3 event."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    if document.get("Event") == "s3:TestEvent":
        return []
    records = document.get("Records")
    if not isinstance(records, list) or not records:
        return None
    try:
        if any(record["eventSource"] != "aws:s3" for record in records):
            return None
        return [unquote_plus(record["s3"]["object"]["key"]) for record in records]
    except (KeyError, TypeError):
        return None


@dataclass(frozen=True)
class MailEvent:
    """An SES bounce or complaint, as EventBridge delivers it (samples: tests/events/ses_*.json)."""

    kind: str  # "bounce" (permanent only) or "complaint"
    recipients: list[str]
    detail: str  # SES's own words, for the logs


def ses_mail_event(body: str) -> MailEvent | None:
    """The bounce or complaint in an EventBridge event from SES; None when `body` is no such event. A transient
    bounce (a full mailbox) is reported with no recipients: it says nothing lasting about the address."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict) or document.get("source") != "aws.ses":
        return None
    detail = document.get("detail")
    if not isinstance(detail, dict):
        return None
    try:
        if detail.get("eventType") == "Bounce":
            bounce = detail["bounce"]
            permanent = bounce["bounceType"] == "Permanent"
            addresses = [item["emailAddress"] for item in bounce["bouncedRecipients"]] if permanent else []
            why = f"{bounce['bounceType']} {bounce.get('bounceSubType', '')}".strip()
            return MailEvent(kind="bounce", recipients=addresses, detail=why)
        if detail.get("eventType") == "Complaint":
            complaint = detail["complaint"]
            addresses = [item["emailAddress"] for item in complaint["complainedRecipients"]]
            return MailEvent(kind="complaint", recipients=addresses, detail=str(complaint.get("complaintFeedbackType")))
    except (KeyError, TypeError):
        return None
    return MailEvent(kind=str(detail.get("eventType", "unknown")).lower(), recipients=[], detail="")


# Data that works as a credential while it is valid: never shown in the admin.
SECRET_DATA_FIELDS = frozenset({"reset_url"})


def redacted(message: dict) -> dict:
    """`message` with the values of SECRET_DATA_FIELDS replaced, for showing to people."""
    data = message.get("data")
    if not isinstance(data, dict) or not SECRET_DATA_FIELDS & data.keys():
        return message
    hidden = {name: "(hidden)" if name in SECRET_DATA_FIELDS else value for name, value in data.items()}
    return {**message, "data": hidden}


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _email(*, kind: str, idempotency_key: str, to: str, data: dict, correlation_id: str) -> dict:
    # The idempotency key names the business event, so a re-sent message never means a second email.
    return {
        "version": VERSION,
        "kind": kind,
        "idempotency_key": idempotency_key,
        "to": to,
        "data": data,
        "correlation_id": correlation_id,
    }


class ManifestError(ValueError):
    """The manifest the resize function wrote is not one this site understands."""


@dataclass(frozen=True)
class Manifest:
    status: str  # "ready" or "failed"
    renditions: list[dict]
    width: int | None
    height: int | None
    error_code: str
    error_message: str
    # Added to version 1 later, so absent from older manifests: each is optional and checked, never trusted.
    taken_at: datetime | None = None  # the camera's wall-clock time, naive
    taken_offset: int | None = None  # that clock's UTC offset in minutes, when recorded
    camera: dict = field(default_factory=dict)
    thumbhash: str = ""
    color: str = ""


CAMERA_FIELDS = {
    "make": str,
    "model": str,
    "lens": str,
    "exposure_time": str,
    "f_number": (int, float),
    "iso": int,
    "focal_length_mm": (int, float),
}
_THUMBHASH = re.compile(r"[A-Za-z0-9+/]{4,60}={0,2}")
_COLOR = re.compile(r"#[0-9a-f]{6}")


def parse_manifest(document: dict) -> Manifest:
    if document.get("version") != VERSION or document.get("status") not in {"ready", "failed"}:
        raise ManifestError(f"unsupported manifest: version={document.get('version')} status={document.get('status')}")
    source = document.get("source") or {}
    error = document.get("error") or {}
    try:
        renditions = [
            {name: item[name] for name in ("key", "width", "height", "format", "bytes")}
            for item in document.get("renditions") or []
        ]
    except (KeyError, TypeError) as problem:
        raise ManifestError(f"malformed rendition entry: {problem!r}") from problem
    taken_at, taken_offset = _taken(source.get("taken_at"))
    placeholder = document.get("placeholder") if isinstance(document.get("placeholder"), dict) else {}
    return Manifest(
        status=document["status"],
        renditions=renditions,
        width=source.get("width"),
        height=source.get("height"),
        error_code=error.get("code", ""),
        error_message=error.get("message", ""),
        taken_at=taken_at,
        taken_offset=taken_offset,
        camera=_camera(source.get("camera")),
        thumbhash=_matching(placeholder.get("thumbhash"), _THUMBHASH),
        color=_matching(placeholder.get("color"), _COLOR),
    )


def _taken(value) -> tuple[datetime | None, int | None]:
    """The wall-clock time of "2024-06-01T14:03:22" (or with an offset, "+02:00"), and the offset in minutes."""
    if not isinstance(value, str):
        return None, None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None, None
    offset = moment.utcoffset()
    minutes = None if offset is None else int(offset.total_seconds() // 60)
    return moment.replace(tzinfo=None), minutes


def _camera(value) -> dict:
    if not isinstance(value, dict):
        return {}
    kept = {}
    for name, kind in CAMERA_FIELDS.items():
        item = value.get(name)
        if isinstance(item, kind) and not isinstance(item, bool) and item != "":
            kept[name] = item[:64] if isinstance(item, str) else item
    return kept


def _matching(value, pattern: re.Pattern) -> str:
    return value if isinstance(value, str) and pattern.fullmatch(value) else ""
