"""The photos' background work, run by the site-tasks worker (docs/tasks.md)."""

import logging

from django.tasks import task

from web.photos import keys, services
from web.photos.models import Photo

logger = logging.getLogger(__name__)


class ManifestUnreadable(Exception):
    """The manifest exists (S3 said so) but could not be read this time."""


def manifests_written(object_keys: list[str]) -> int:
    """What the site-tasks worker does with S3's notification of new objects: settle the photo of each manifest
    now, so the site knows the result with no browser open; one S3 could not serve is left to photo_settle, which
    retries. Other keys are ignored. Returns how many photos were settled now."""
    settled = 0
    for key in object_keys:
        photo_id = keys.photo_id_from_manifest_key(key)
        if photo_id is None:
            logger.warning("S3 event for a key that is no manifest ignored: %s", key)
            continue
        photo = Photo.objects.filter(pk=photo_id).first()
        if photo is None:
            continue  # deleted meanwhile: nothing to settle
        if services.photo_refresh(photo=photo).status == Photo.Status.PROCESSING:
            photo_settle.enqueue(str(photo_id))
        else:
            settled += 1
    return settled


@task(max_attempts=5)
def photo_settle(photo_id: str) -> str:
    """Copy a developed photo's result from its manifest onto its row; raises, to be tried again, while the
    manifest cannot be read. Returns the photo's status."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        return "gone"
    status = services.photo_refresh(photo=photo).status
    if status == Photo.Status.PROCESSING:
        raise ManifestUnreadable(f"the manifest of photo {photo_id} could not be read")
    return status


@task(max_attempts=5)
def photo_original_check(photo_id: str) -> str:
    """Run once the photo's presigned POST has expired (confirm enqueues it for then): the original is the file
    confirmed, kept for good, or another one, and the photo fails (services.photo_original_check)."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        return "gone"
    return services.photo_original_check(photo=photo)
