"""Uploads: presign a direct-to-S3 POST, then confirm what the browser stored and ask for the slow work."""

import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePosixPath, PureWindowsPath

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from web import aws
from web.accounts.models import User
from web.accounts.services import duration_text
from web.outbox.services import outbox_enqueue
from web.photos import keys
from web.photos.batches import BatchError, batch_join
from web.photos.models import Photo
from web.photos.services import resize_message_for
from web.photos.tasks import photo_original_check

logger = logging.getLogger(__name__)

# What the browser may upload; the presigned POST pins the declared type and confirm checks it again.
ALLOWED_CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "image/heic", "image/heif"})


class UploadError(Exception):
    """Bad upload input: `message` is shown to the user, `status` is the HTTP status it deserves."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


# Zero-width (non-)joiners are format characters too, but emoji sequences and Persian or Indic names need them.
JOINERS = frozenset({"\u200c", "\u200d"})


def clean_filename(filename: str) -> str:
    """The name shown to the user: never a key, so only its last path part is kept, and control characters refused."""
    if not isinstance(filename, str) or not filename.strip():
        raise UploadError("A filename is required.")
    # Control characters and line/paragraph separators: never useful in a name, and a line break in an email subject.
    if any(unicodedata.category(char) in {"Cc", "Zl", "Zp"} for char in filename):
        raise UploadError("The filename contains control characters (such as NUL); rename the file and try again.")
    # Invisible format characters: a right-to-left override shows "evil\u202egpj.exe" as "evilexe.jpg".
    if any(unicodedata.category(char) == "Cf" and char not in JOINERS for char in filename):
        raise UploadError(
            "The filename contains invisible formatting characters (such as a right-to-left override); rename the"
            " file and try again."
        )
    # A lone UTF-16 surrogate (JSON allows "\ud800") is no text at all: no database or email header can store it.
    if any(unicodedata.category(char) == "Cs" for char in filename):
        raise UploadError("The filename is not valid Unicode text; rename the file and try again.")
    name = PurePosixPath(PureWindowsPath(filename).name).name.strip()
    if name in {"", ".", ".."}:
        raise UploadError("The filename has no name part; rename the file and try again.")
    return name[:255]


def _check_declared(*, content_type: str, size: int) -> None:
    if content_type not in ALLOWED_CONTENT_TYPES:
        raise UploadError(f"{_type_name(content_type)} aren't supported: upload JPEG, PNG, WebP, GIF or HEIC photos.")
    if size > settings.DARKROOM_MAX_UPLOAD_BYTES:
        raise UploadError(f"The file is larger than {upload_limit_text()}, the limit.")
    if size < 1:
        raise UploadError("The file is empty.")


class LimitReached(UploadError):
    """A fair-use limit of the account: 429, with when it lifts (None for storage, which lifts by deleting)."""

    def __init__(self, message: str, *, retry_after: int | None):
        super().__init__(message, status=429)
        self.retry_after = retry_after


def _check_fair_use(*, owner: User, size: int) -> None:
    """The account's fair-use limits (web/settings.py): photos per hour and per day, and bytes stored, read in one
    query; presign runs it for every file."""
    now = timezone.now()
    windows = {
        "hour": (timedelta(hours=1), settings.DARKROOM_UPLOADS_PER_HOUR),
        "day": (timedelta(days=1), settings.DARKROOM_UPLOADS_PER_DAY),
    }
    usage = Photo.objects.filter(owner=owner).aggregate(
        stored=Sum("size_bytes"),
        **{period: Count("pk", filter=Q(created_at__gt=now - window)) for period, (window, _) in windows.items()},
    )
    for period, (window, limit) in windows.items():
        if usage[period] >= limit:
            recent = Photo.objects.filter(owner=owner, created_at__gt=now - window).order_by("-created_at")
            lifts = recent.values_list("created_at", flat=True)[limit - 1] + window
            wait = max(1, int((lifts - now).total_seconds()))
            raise LimitReached(
                f"You have uploaded {limit} photos in the last {period}, the limit: you can upload more in"
                f" {duration_text(wait)}.",
                retry_after=wait,
            )
    stored = usage["stored"] or 0
    if stored + size > settings.DARKROOM_STORAGE_BYTES_PER_ACCOUNT:
        raise LimitReached(
            f"Your photos take {_bytes_text(stored)} of the {_bytes_text(settings.DARKROOM_STORAGE_BYTES_PER_ACCOUNT)}"
            " an account may store: delete photos and empty the Trash to upload more.",
            retry_after=None,
        )


def _bytes_text(size: int) -> str:
    return f"{size / 2**30:.3g} GB" if size >= 2**30 else f"{size / 2**20:.3g} MB"


def upload_limit_text() -> str:
    """DARKROOM_MAX_UPLOAD_BYTES as people read it: "25 MB", "1.5 MB", "512 KB"."""
    size = settings.DARKROOM_MAX_UPLOAD_BYTES
    return f"{size / 2**20:.3g} MB" if size >= 2**20 else f"{size / 2**10:.3g} KB"


def _type_name(content_type: str) -> str:
    """A content type's files in the upload page's words: image/bmp is "BMP files", anything odd "These files"."""
    subtype = content_type.partition("/")[2]
    return f"{subtype.upper()} files" if re.fullmatch(r"[a-z0-9.+-]{1,20}", subtype) else "These files"


@dataclass(frozen=True)
class PresignedUpload:
    key: str
    url: str
    fields: dict


def upload_presign(*, owner: User, filename: str, content_type: str, size: int) -> PresignedUpload:
    """A short-lived presigned POST for one file, to a key the server picks under the owner's prefix."""
    clean_filename(filename)
    _check_declared(content_type=content_type, size=size)
    _check_fair_use(owner=owner, size=size)
    key = keys.upload_key(user_id=owner.pk, photo_id=uuid.uuid4())
    post = aws.presigned_post(
        key=key,
        content_type=content_type,
        max_bytes=settings.DARKROOM_MAX_UPLOAD_BYTES,
        expires_in=settings.DARKROOM_PRESIGN_EXPIRY_SECONDS,
    )
    return PresignedUpload(key=key, url=post["url"], fields=post["fields"])


def upload_confirm(
    *, owner: User, key: str, filename: str, correlation_id: str, batch: tuple[uuid.UUID, int] | None = None
) -> tuple[Photo, bool]:
    """Record an upload the browser finished, then (after commit) ask for renditions. `batch` is (id, size) of the
    files picked together: the batch gets one email once they have all settled (web/photos/batches.py).

    Idempotent: confirming the same key again returns the same photo and sends nothing new.
    """
    photo_id = keys.photo_id_from_upload_key(user_id=owner.pk, key=key)
    if photo_id is None:
        raise UploadError("That upload key does not belong to you.", status=403)
    name = clean_filename(filename)
    existing = Photo.objects.filter(original_key=key).first()
    if existing is not None:
        return existing, False
    head = _head_upload(key=key)
    try:
        _check_declared(content_type=head.get("ContentType", ""), size=head["ContentLength"])
    except UploadError:
        # The POST policy keeps such objects out; if one got in anyway, delete it now rather than store it two days.
        _delete_rejected(key=key)
        raise
    _check_fresh(head=head)
    try:
        return _photo_create(
            owner=owner,
            photo_id=photo_id,
            key=key,
            filename=name,
            head=head,
            correlation_id=correlation_id,
            batch=batch,
        ), True
    except BatchError as error:
        raise UploadError(str(error), status=403) from error
    except IntegrityError:  # a concurrent confirm of the same key won the race
        return Photo.objects.get(original_key=key), False


def _head_upload(*, key: str) -> dict:
    """What the browser stored under the key; it keeps its pending tag (docs/architecture.md#the-pending-tag)."""
    try:
        head = aws.head_object(key=key)
    except (BotoCoreError, ClientError) as error:
        logger.warning("could not read the upload %s: %s", key, error)
        raise UploadError("Storage is busy; please try confirming again in a moment.", status=503) from error
    if head is None:
        raise UploadError("Nothing was uploaded under that key: upload the file first.", status=404)
    return head


def _check_fresh(*, head: dict) -> None:
    """Refuse an upload stored longer ago than half the expiry of unconfirmed uploads: resize needs the rest."""
    age = timezone.now() - head["LastModified"]
    if age > timedelta(seconds=settings.DARKROOM_CONFIRM_WITHIN_SECONDS):
        raise UploadError("This upload is too old to confirm: upload the file again.", status=410)


def _delete_rejected(*, key: str) -> None:
    try:
        aws.delete_objects(keys=[key])
    # Best effort: the user is told about the rejection regardless. RuntimeError: S3 listed the key as not deleted.
    except (BotoCoreError, ClientError, RuntimeError) as error:
        logger.warning("could not delete the rejected upload %s: %s", key, error)


@transaction.atomic
def _photo_create(
    *,
    owner: User,
    photo_id: uuid.UUID,
    key: str,
    filename: str,
    head: dict,
    correlation_id: str,
    batch: tuple[uuid.UUID, int] | None,
) -> Photo:
    now = timezone.now()
    joined = None if batch is None else batch_join(owner=owner, batch_id=batch[0], size=batch[1])
    photo = Photo.objects.create(
        batch=joined,
        id=photo_id,
        owner=owner,
        created_at=now,
        timeline_at=now,
        original_key=key,
        etag=head.get("ETag", ""),
        filename=filename,
        content_type=head["ContentType"],
        size_bytes=head["ContentLength"],
        correlation_id=correlation_id,
    )
    outbox_enqueue(resize_message_for(photo=photo))
    # The check settles the original once its POST has expired: docs/deadlines.md#an-uploads-presigned-post-one-minute
    check_at = now + timedelta(
        seconds=settings.DARKROOM_PRESIGN_EXPIRY_SECONDS + settings.DARKROOM_ORIGINAL_CHECK_SKEW_SECONDS
    )
    photo_original_check.using(run_after=check_at).enqueue(str(photo.pk))
    logger.info("upload confirmed photo_id=%s bytes=%s correlation_id=%s", photo.pk, photo.size_bytes, correlation_id)
    return photo
