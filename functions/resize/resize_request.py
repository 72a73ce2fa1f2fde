"""The resize request the site sends (web/contracts.py, sample in tests/events/resize_request.json), checked.

Anything that is not exactly a version 1 `resize.requested` naming one photo's own keys is a BadMessage: the
handler logs and acknowledges it, since no retry can make it valid. Any principal allowed to send to the queue
could hand-make a message, so a message is bound to the photo it names: the original must be
`uploads/<user id>/<photo id>` and the outputs `renditions/<photo id>/`, or one photo's original could replace
another photo's renditions.
"""

import json
import re
from dataclasses import dataclass

VERSION = 1
KIND = "resize.requested"
MANIFEST_NAME = "manifest.json"
_FIELDS = ("photo_id", "source_key", "output_prefix", "correlation_id")
# As web/photos/keys.py writes them: a lowercase UUID, and a user id without leading zeros. [0-9], not \d, which
# also matches other scripts' digits; fullmatch, not match with $, which lets a trailing newline through.
_PHOTO_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SOURCE_KEY = re.compile(r"uploads/[1-9][0-9]*/(?P<photo_id>.+)")
# An ETag as S3 returns it, quotes included; it goes into the If-Match header.
_ETAG = re.compile(r'"?[\x21\x23-\x7e]{1,200}"?')


class BadMessage(ValueError):
    """The message can never be processed: wrong shape, version, kind, or keys that are not its photo's own."""


@dataclass(frozen=True)
class ResizeRequest:
    photo_id: str
    source_key: str
    output_prefix: str
    correlation_id: str
    # The original's ETag the site pinned at confirm: only that version is read. None in messages sent before
    # the site pinned it (and for photos confirmed before then, whose ETag was never recorded).
    source_etag: str | None = None

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
    request = ResizeRequest(
        **{name: document[name] for name in _FIELDS}, source_etag=_source_etag(document.get("source_etag"))
    )
    _check_binding(request)
    return request


def _check_binding(request: ResizeRequest) -> None:
    """The keys must be the named photo's own, whole strings compared; anything else was not built by the site.
    So the function reads only originals and writes only under renditions/, never where its own trigger fires."""
    if not _PHOTO_ID.fullmatch(request.photo_id):
        raise BadMessage(f"photo_id {request.photo_id!r} is not a photo id")
    source = _SOURCE_KEY.fullmatch(request.source_key)
    if source is None or source["photo_id"] != request.photo_id:
        raise BadMessage(
            f"source_key {request.source_key!r} is not uploads/<user id>/{request.photo_id}, the photo's original"
        )
    if request.output_prefix != f"renditions/{request.photo_id}/":
        raise BadMessage(
            f"output_prefix {request.output_prefix!r} is not renditions/{request.photo_id}/, the photo's own"
        )


def _source_etag(value: object) -> str | None:
    if value is None or value == "":  # an older message, or a photo whose ETag was never recorded
        return None
    if not isinstance(value, str) or not _ETAG.fullmatch(value):
        raise BadMessage(f"source_etag {value!r} is not an ETag")
    return value
