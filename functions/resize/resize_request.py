"""The resize request the site sends (web/contracts.py, sample in tests/events/resize_request.json), checked.

Anything that is not exactly a version 1 `resize.requested` with keys in their own prefixes is a BadMessage:
the handler logs and acknowledges it, since no retry can make it valid.
"""

import json
from dataclasses import dataclass

VERSION = 1
KIND = "resize.requested"
UPLOADS_PREFIX = "uploads/"
RENDITIONS_PREFIX = "renditions/"
MANIFEST_NAME = "manifest.json"
_FIELDS = ("photo_id", "source_key", "output_prefix", "correlation_id")


class BadMessage(ValueError):
    """The message can never be processed: wrong shape, version, kind or keys."""


@dataclass(frozen=True)
class ResizeRequest:
    photo_id: str
    source_key: str
    output_prefix: str
    correlation_id: str

    @property
    def manifest_key(self) -> str:
        return f"{self.output_prefix}{MANIFEST_NAME}"


def parse_request(body: str) -> ResizeRequest:
    try:
        document = json.loads(body)
    except (TypeError, ValueError) as error:
        raise BadMessage(f"body is not JSON: {error}") from error
    if not isinstance(document, dict):
        raise BadMessage("body is not a JSON object")
    if document.get("version") != VERSION:
        raise BadMessage(f"unknown version {document.get('version')!r}")
    if document.get("kind") != KIND:
        raise BadMessage(f"unknown kind {document.get('kind')!r}")
    missing = [name for name in _FIELDS if not isinstance(document.get(name), str) or not document[name]]
    if missing:
        raise BadMessage(f"missing or empty {', '.join(missing)}")
    request = ResizeRequest(**{name: document[name] for name in _FIELDS})
    _check_key(request.source_key, prefix=UPLOADS_PREFIX, name="source_key")
    _check_key(request.output_prefix, prefix=RENDITIONS_PREFIX, name="output_prefix")
    if not request.output_prefix.endswith("/"):
        raise BadMessage(f"output_prefix {request.output_prefix!r} does not end with '/'")
    return request


def _check_key(key: str, *, prefix: str, name: str) -> None:
    """Originals are only read from uploads/ and results only written under renditions/, so the function can
    never overwrite an original nor write where its own trigger could fire."""
    segments = key.removeprefix(prefix).rstrip("/").split("/")
    if not key.startswith(prefix) or any(segment in ("", ".", "..") for segment in segments):
        raise BadMessage(f"{name} {key!r} is not a key under {prefix}")
    if not key.isprintable() or "\\" in key:
        raise BadMessage(f"{name} {key!r} has characters no key of ours has")
