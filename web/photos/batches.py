"""One email per upload batch, once every photo of it has settled (ready or failed), or once the batch has gone
quiet with some files never confirmed (the page was closed early)."""

import logging
import math
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from web import contracts
from web.accounts.models import User
from web.outbox.services import outbox_enqueue
from web.photos.failures import failure_text
from web.photos.models import Photo, UploadBatch
from web.tasks.records import first_args_pending
from web.urls_public import site_url

logger = logging.getLogger(__name__)
MAX_BATCH_SIZE = 1000


class BatchError(ValueError):
    """A batch the browser named that this user cannot add to."""


def batch_join(*, owner: User, batch_id: uuid.UUID, size: int) -> UploadBatch:
    """The batch a confirmed photo belongs to, made on its first photo; inside the confirm's transaction."""
    batch, created = UploadBatch.objects.get_or_create(pk=batch_id, defaults={"owner": owner, "size": size})
    if batch.owner_id != owner.pk:
        raise BatchError("That upload batch belongs to someone else.")
    if not created:
        UploadBatch.objects.filter(pk=batch_id).update(last_confirmed_at=timezone.now())
    return batch


def batch_photo_settled(*, photo: Photo) -> None:
    """Called when a photo of a batch is ready or failed: the last one enqueues the batch's email."""
    if photo.batch_id is None:
        return
    batch = UploadBatch.objects.filter(pk=photo.batch_id, emailed_at__isnull=True).first()
    if batch is None:
        return
    photos = Photo.objects.filter(batch=batch)
    if photos.count() >= batch.size and not photos.filter(status=Photo.Status.PROCESSING).exists():
        upload_batch_mail.enqueue(str(batch.pk))


def batches_quiet(*, deadline: float = math.inf) -> int:
    """The sweeper's part: enqueue the email of each batch whose last confirm is DARKROOM_UPLOAD_BATCH_QUIET_SECONDS
    old, with nothing still processing and no email task on its way, until `deadline` (time.monotonic()); the rest
    wait for the next sweep. Returns how many."""
    quiet = timezone.now() - timedelta(seconds=settings.DARKROOM_UPLOAD_BATCH_QUIET_SECONDS)
    batches = UploadBatch.objects.filter(emailed_at__isnull=True, last_confirmed_at__lte=quiet).exclude(
        photos__status=Photo.Status.PROCESSING
    )
    pending = first_args_pending(upload_batch_mail)
    enqueued = 0
    for batch_id in {str(batch_id) for batch_id in batches.values_list("pk", flat=True)} - pending:
        if time.monotonic() >= deadline:
            logger.info("sweep step stopped for its deadline: quiet upload batches, next run goes on")
            break
        upload_batch_mail.enqueue(batch_id)
        enqueued += 1
    return enqueued


@task
def upload_batch_mail(batch_id: str) -> str:
    """Send the batch's one email (how many developed, which failed and why, the gallery's link), once."""
    with transaction.atomic():
        batch = UploadBatch.objects.select_for_update().filter(pk=batch_id).select_related("owner").first()
        if batch is None or batch.emailed_at is not None:
            return "already sent" if batch else "gone"
        photos = list(batch.photos.filter(trashed_at__isnull=True).order_by("created_at"))
        if not photos:
            batch.emailed_at = timezone.now()
            batch.save(update_fields=["emailed_at"])
            return "nothing to tell"
        failed = [
            {"filename": photo.filename, "reason": failure_text(photo=photo)}
            for photo in photos
            if photo.status == Photo.Status.FAILED
        ]
        developed = sum(photo.status == Photo.Status.READY for photo in photos)
        batch.emailed_at = timezone.now()
        batch.save(update_fields=["emailed_at"])
        outbox_enqueue(
            contracts.Message(
                contracts.Queue.NOTIFY,
                contracts.upload_batch_email(
                    batch_id=str(batch.pk),
                    to=batch.owner.email,
                    developed=developed,
                    failed=failed,
                    gallery_url=site_url("gallery"),
                    correlation_id=photos[0].correlation_id or batch_id,
                ),
            )
        )
    logger.info("upload batch mailed batch_id=%s developed=%s failed=%s", batch_id, developed, len(failed))
    return f"{developed} developed, {len(failed)} failed"
