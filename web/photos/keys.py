"""Where a photo's objects live in the bucket. The server chooses every key; a user's filename never becomes one.

uploads/<user id>/<photo id>      the original, written by the browser through the presigned POST
renditions/<photo id>/            renditions and manifest.json, written only by the resize function
"""

import re
import uuid

UPLOADS_PREFIX = "uploads/"
RENDITIONS_PREFIX = "renditions/"
# Matched whole (fullmatch: "$" would let a trailing newline through), and a user id as upload_key writes it: no
# leading zero, so one key has one spelling.
_UPLOAD_KEY = re.compile(
    r"uploads/(?P<user_id>[1-9][0-9]*)/(?P<photo_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)


def upload_key(*, user_id: int, photo_id: uuid.UUID) -> str:
    return f"{UPLOADS_PREFIX}{user_id}/{photo_id}"


def user_uploads_prefix(*, user_id: int) -> str:
    return f"{UPLOADS_PREFIX}{user_id}/"


def photo_id_from_upload_key(*, user_id: int, key: str) -> uuid.UUID | None:
    """The photo id in a key under this user's prefix, or None for any other key."""
    match = _UPLOAD_KEY.fullmatch(key)
    if match is None or int(match["user_id"]) != user_id:
        return None
    return uuid.UUID(match["photo_id"])


def renditions_prefix(*, photo_id: uuid.UUID) -> str:
    return f"{RENDITIONS_PREFIX}{photo_id}/"


def manifest_key(*, photo_id: uuid.UUID) -> str:
    return f"{renditions_prefix(photo_id=photo_id)}manifest.json"


_MANIFEST_KEY = re.compile(
    r"renditions/(?P<photo_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/manifest\.json"
)


def photo_id_from_manifest_key(key: str) -> uuid.UUID | None:
    """The photo id of renditions/<photo id>/manifest.json, or None for any other key."""
    match = _MANIFEST_KEY.fullmatch(key)
    return None if match is None else uuid.UUID(match["photo_id"])
