"""Writes on photos after upload: follow the resize result, delete, recover stuck work, develop failed ones again."""

import logging
import math
import time
import uuid
from datetime import UTC, datetime, timedelta

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from web import aws, contracts
from web.accounts.models import User
from web.outbox.services import outbox_enqueue
from web.photos import keys
from web.photos.batches import batch_photo_settled
from web.photos.models import Photo

logger = logging.getLogger(__name__)

TIMEOUT_CODE = "timeout"
ORIGINAL_MISSING_CODE = "original_missing"
ORIGINAL_REPLACED_CODE = "original_replaced"
# The stuck photos one sweep reads; more than a run's share of time gets through at in-region latency.
RECOVER_PER_RUN = 500
# Failures a fix on Darkroom's side can undo, the original being the file confirmed; an empty, vanished or replaced
# upload stays failed whatever is fixed.
REDEVELOPABLE_CODES = ("unsupported_format", "corrupt", "too_large", "bad_manifest", TIMEOUT_CODE)


def resize_message_for(*, photo: Photo) -> contracts.Message:
    """The message that asks resize for this photo's renditions (its body: contracts.resize_requested)."""
    return contracts.Message(
        contracts.Queue.RESIZE,
        contracts.resize_requested(
            photo_id=str(photo.pk),
            source_key=photo.original_key,
            source_etag=photo.etag,
            output_prefix=keys.renditions_prefix(photo_id=photo.pk),
            correlation_id=photo.correlation_id,
        ),
    )


def photo_refresh(*, photo: Photo) -> Photo:
    """Copy the resize result from its manifest onto the row, once; ready and failed photos cost nothing.

    A photo the sweeper timed out is looked at again too: a late result still wins over "did not finish".
    """
    awaiting_result = photo.status == Photo.Status.PROCESSING or photo.failure_code == TIMEOUT_CODE
    if not awaiting_result:
        return photo
    try:
        document = aws.read_json(key=keys.manifest_key(photo_id=photo.pk))
    except (ClientError, BotoCoreError) as error:  # S3 busy: keep the current state, the next poll asks again
        logger.warning("could not read the manifest of photo_id=%s: %s", photo.pk, error)
        return photo
    except ValueError as error:
        logger.error("manifest of photo_id=%s is not JSON: %s", photo.pk, error)
        return _photo_fail(photo=photo, code="bad_manifest", message="processing produced an unreadable result")
    if document is None:
        return photo
    source_etag = (document.get("source") or {}).get("etag")
    if photo.etag and source_etag and source_etag != photo.etag:
        logger.warning("manifest for another version of photo_id=%s ignored", photo.pk)
        return photo
    try:
        manifest = contracts.parse_manifest(document)
    except contracts.ManifestError as error:
        logger.error("unreadable manifest photo_id=%s: %s", photo.pk, error)
        return _photo_fail(photo=photo, code="bad_manifest", message="processing produced an unreadable result")
    if manifest.status == "failed":
        return _photo_fail(photo=photo, code=manifest.error_code, message=manifest.error_message)
    photo.status = Photo.Status.READY
    photo.renditions = manifest.renditions
    photo.width, photo.height = manifest.width, manifest.height
    photo.failure_code = photo.failure_message = ""
    photo.camera, photo.thumbhash, photo.color = manifest.camera, manifest.thumbhash, manifest.color
    photo.taken_offset = manifest.taken_offset
    if manifest.taken_at is not None:
        photo.taken_at = photo.timeline_at = manifest.taken_at.replace(tzinfo=UTC)
    photo.save(update_fields=[*_READY_FIELDS])
    batch_photo_settled(photo=photo)
    logger.info(
        "photo ready photo_id=%s renditions=%s correlation_id=%s",
        photo.pk,
        len(photo.renditions),
        photo.correlation_id,
    )
    return photo


_READY_FIELDS = (
    "status",
    "renditions",
    "width",
    "height",
    "failure_code",
    "failure_message",
    "camera",
    "thumbhash",
    "color",
    "taken_at",
    "taken_offset",
    "timeline_at",
)


def _photo_fail(*, photo: Photo, code: str, message: str) -> Photo:
    photo.status = Photo.Status.FAILED
    photo.failure_code = code[:64] or "failed"
    photo.failure_message = message[:255] or "processing failed"
    photo.save(update_fields=["status", "failure_code", "failure_message"])
    batch_photo_settled(photo=photo)
    logger.info(
        "photo failed photo_id=%s code=%s correlation_id=%s", photo.pk, photo.failure_code, photo.correlation_id
    )
    return photo


def photo_delete(*, photo: Photo) -> None:
    """Remove the original, every rendition and the manifest, then the row.

    The original goes first: a resize still running checks it after its last write, so either the listing below
    sees everything it wrote, or it finds the original gone and deletes its outputs itself (resize_job.py).
    """
    aws.delete_objects(keys=[photo.original_key])
    prefix_keys = aws.list_keys(prefix=keys.renditions_prefix(photo_id=photo.pk))
    aws.delete_objects(keys=prefix_keys)
    photo.delete()
    logger.info("photo deleted photo_id=%s objects=%s", photo.pk, 1 + len(prefix_keys))


@transaction.atomic
def photo_trash(*, owner: User, photo_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Move the owner's photos to the Trash: hidden everywhere but the Trash, restorable for DARKROOM_TRASH_DAYS.
    Returns the ids it moved (not those already in the Trash), which is what an undo may restore."""
    moving = Photo.objects.select_for_update().filter(owner=owner, pk__in=photo_ids, trashed_at__isnull=True)
    moved = list(moving.values_list("pk", flat=True))
    Photo.objects.filter(pk__in=moved).update(trashed_at=timezone.now())
    return moved


@transaction.atomic
def photo_restore(*, owner: User, photo_ids: list[uuid.UUID]) -> int:
    return Photo.objects.filter(owner=owner, pk__in=photo_ids, trashed_at__isnull=False).update(trashed_at=None)


def trash_delete(*, owner: User, photo_ids: list[uuid.UUID]) -> int:
    """Delete photos in the owner's Trash for good, now; photos outside the Trash are never touched."""
    deleted = 0
    for photo_id in photo_ids:
        deleted += _delete_if_still(Photo.objects.filter(owner=owner, pk=photo_id, trashed_at__isnull=False))
    return deleted


def _delete_if_still(photos) -> int:
    """Delete the photo `photos` finds, if it still does once its row is locked: a restore that got there first
    wins, and one that comes during the deletion waits for it, then finds nothing to restore."""
    with transaction.atomic():
        photo = photos.select_for_update().first()
        if photo is None:
            return 0
        photo_delete(photo=photo)
        return 1


def trash_purge(*, deadline: float, now: datetime | None = None) -> dict[str, int]:
    """Delete for good the photos trashed more than DARKROOM_TRASH_DAYS ago, oldest first, until `deadline`
    (time.monotonic()); the next sweep goes on. One photo's trouble is logged and counted; the rest still go."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.DARKROOM_TRASH_DAYS)
    counts = {"photos": 0, "errors": 0}
    expired = Photo.objects.filter(trashed_at__lte=cutoff)
    for photo in expired.order_by("trashed_at").only("pk"):
        if time.monotonic() >= deadline:
            logger.info("sweep step stopped for its deadline: trash, %s left", expired.count())
            break
        try:
            counts["photos"] += _delete_if_still(Photo.objects.filter(pk=photo.pk, trashed_at__lte=cutoff))
        except Exception as error:
            logger.exception("sweep error: could not empty photo_id=%s from the Trash; the next sweep tries", photo.pk)
            counts["errors"] += 1
            if aws.not_answering(error):
                logger.warning("sweep step stopped: S3 did not answer, trash")
                break
    return counts


def photo_recover_stuck(*, deadline: float = math.inf, now=None) -> dict[str, int]:
    """Re-enqueue photos processing past the deadline, a bounded number of times; then mark them failed. Oldest
    first until `deadline` (time.monotonic()); a backlog drains over successive sweeps.

    One photo's trouble (a row deleted meanwhile, say) is logged and counted; the others are still recovered. S3
    not answering stops the step: every other photo would wait as long.
    """
    now = now or timezone.now()
    overdue = now - timedelta(seconds=settings.DARKROOM_PROCESSING_DEADLINE_SECONDS)
    stuck = Photo.objects.filter(status=Photo.Status.PROCESSING, resize_requested_at__lte=overdue)
    counts = {"finished": 0, "requeued": 0, "failed": 0, "errors": 0}
    for photo in stuck.order_by("resize_requested_at")[:RECOVER_PER_RUN]:
        if time.monotonic() >= deadline:
            logger.info("sweep step stopped for its deadline: stuck photos, %s left", stuck.count())
            break
        try:
            outcome = _recover(photo=photo, now=now, deadline=deadline)
        except Exception as error:
            logger.exception("sweep error: could not recover photo_id=%s; the next sweep tries again", photo.pk)
            counts["errors"] += 1
            if aws.not_answering(error):
                logger.warning("sweep step stopped: S3 did not answer, stuck photos")
                break
            continue
        if outcome == "left":
            logger.info("sweep step stopped for its deadline: stuck photos, %s left", stuck.count())
            break
        counts[outcome] += 1
    return counts


def _recover(*, photo: Photo, now, deadline: float) -> str:
    if photo_refresh(photo=photo).status != Photo.Status.PROCESSING:
        return "finished"
    if time.monotonic() >= deadline:  # the manifest read took the time left (S3 slow): the next sweep goes on
        return "left"
    # Its resize never took it on, so its original still expires: docs/architecture.md#the-pending-tag
    if not _original_kept(photo=photo):
        return "failed"
    if photo.resize_attempts >= settings.DARKROOM_MAX_RESIZE_ATTEMPTS:
        _photo_fail(photo=photo, code=TIMEOUT_CODE, message="processing did not finish; delete it and upload again")
        return "failed"
    with transaction.atomic():
        photo.resize_attempts += 1
        photo.resize_requested_at = now
        photo.save(update_fields=["resize_attempts", "resize_requested_at"])
        outbox_enqueue(resize_message_for(photo=photo))
    return "requeued"


def photos_to_redevelop(*, photos: QuerySet[Photo]) -> QuerySet[Photo]:
    """The photos among `photos` that photos_redevelop takes: failed for a reason a fix can undo, not in the Trash."""
    return photos.filter(status=Photo.Status.FAILED, failure_code__in=REDEVELOPABLE_CODES, trashed_at__isnull=True)


def photos_redevelop(*, photos: QuerySet[Photo], deadline: float = math.inf, now=None) -> dict[str, int]:
    """Ask resize again for photos_to_redevelop(photos), after a fix to resize is deployed, until `deadline`
    (time.monotonic()). Counts: "requeued"; "gone", whose original is missing or replaced (they now fail as such);
    "errors", logged, each tried again by the next run; "left" for the deadline. Each requeued photo goes back to
    processing, so the page and the sweeper follow it as a new upload, and a second run does not take it again.

    The failed manifest is deleted first: resize skips a photo whose manifest is finished for the same original.
    """
    now = now or timezone.now()
    counts = {"requeued": 0, "gone": 0, "errors": 0, "left": 0}
    chosen = photos_to_redevelop(photos=photos)
    for photo_id in chosen.values_list("pk", flat=True).iterator():
        if time.monotonic() >= deadline:
            counts["left"] = chosen.count()
            break
        try:
            outcome = _redevelop(photo_id=photo_id, now=now)
        except Exception as error:
            logger.exception("could not develop photo_id=%s again; run redevelop again", photo_id)
            counts["errors"] += 1
            if aws.not_answering(error):
                counts["left"] = chosen.count()
                break
            continue
        if outcome:
            counts[outcome] += 1
    return counts


def redevelop_summary(counts: dict[str, int]) -> str:
    """What photos_redevelop did, in a line for the operator who ran it."""
    text = f"{counts['requeued']} photo(s) asked of resize again; {counts['gone']} left failed (original gone"
    text += " or replaced)"
    if counts["errors"]:
        text += f"; {counts['errors']} error(s), in the logs"
    if counts["errors"] or counts["left"]:
        text += f"; {counts['left'] + counts['errors']} to go: run it again"
    return text


def _redevelop(*, photo_id: uuid.UUID, now) -> str:
    """One photo, checked again under its row lock: since it was listed, a late manifest or another run may have
    moved it on."""
    with transaction.atomic():
        photo = photos_to_redevelop(photos=Photo.objects.select_for_update().filter(pk=photo_id)).first()
        if photo is not None and photo.failure_code == TIMEOUT_CODE:
            photo = photo_refresh(photo=photo)  # a late result wins over "did not finish", as everywhere
        if photo is None or photo.status != Photo.Status.FAILED or photo.failure_code not in REDEVELOPABLE_CODES:
            return ""
        if not _original_kept(photo=photo):
            return "gone"
        aws.delete_objects(keys=[keys.manifest_key(photo_id=photo.pk)])
        photo.status = Photo.Status.PROCESSING
        photo.failure_code = photo.failure_message = ""
        photo.resize_attempts, photo.resize_requested_at = 1, now
        fields = ["status", "failure_code", "failure_message", "resize_attempts", "resize_requested_at"]
        photo.save(update_fields=fields)
        outbox_enqueue(resize_message_for(photo=photo))
    logger.info("photo redeveloped photo_id=%s correlation_id=%s", photo.pk, photo.correlation_id)
    return "requeued"


def _original_kept(*, photo: Photo) -> bool:
    """Take the original out of the expiry if it is still the file confirmed; else fail the photo for it."""
    kept = _keep_original(photo=photo)
    if kept == "missing":
        _photo_fail(photo=photo, code=ORIGINAL_MISSING_CODE, message="the uploaded file is gone; upload it again")
    elif kept == "replaced":
        _photo_fail_replaced(photo=photo)
    return kept == "kept"


def _keep_original(*, photo: Photo) -> str:
    """Clear the original's pending tag if it is still the file confirmed: "kept", "missing" or "replaced". HEAD
    first: moto fails a tag call on a missing key with a 500 where S3 answers NoSuchKey."""
    head = aws.head_object(key=photo.original_key)
    if head is None:
        return "missing"
    if photo.etag and head.get("ETag") != photo.etag:
        return "replaced"
    return "kept" if aws.keep_original(key=photo.original_key) else "missing"


def _photo_fail_replaced(*, photo: Photo) -> Photo:
    """The confirmed bytes are gone (the bucket keeps no versions), and the new ones passed none of confirm's checks:
    the photo fails plainly."""
    logger.warning("original replaced after confirm photo_id=%s correlation_id=%s", photo.pk, photo.correlation_id)
    return _photo_fail(
        photo=photo, code=ORIGINAL_REPLACED_CODE, message="the uploaded file changed after upload; upload it again"
    )


def photo_original_check(*, photo: Photo) -> str:
    """Once its presigned POST has expired, nothing can write a photo's original again: keep it for good if it is
    the file confirmed, fail the photo if it is not. "kept", "missing" or "replaced"."""
    kept = _keep_original(photo=photo)
    if kept == "replaced" and photo.failure_code != ORIGINAL_REPLACED_CODE:
        _photo_fail_replaced(photo=photo)
    return kept
