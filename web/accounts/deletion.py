"""Deleting an account and everything it stored: its photos (S3 and rows), its unconfirmed uploads, its emails."""

import logging
import time

from django.db import transaction

from web import aws
from web.accounts.models import User
from web.outbox.services import outbox_forget_recipient
from web.photos import keys
from web.photos.models import Photo
from web.photos.services import photo_delete

logger = logging.getLogger(__name__)


def user_delete(*, user: User) -> None:
    """Delete an account and everything it stored, now: the admin's path. An owner's own deletion is a background
    task instead (web/accounts/tasks.py), which spreads the S3 work over as many runs as it takes."""
    while True:
        for photo in Photo.objects.filter(owner=user):
            photo_delete(photo=photo)
        if _account_forget(user=user) != "busy":
            return


def account_delete_some(*, user_id: int, deadline: float) -> dict:
    """Delete a deleted account's photos, oldest first, until `deadline` (time.monotonic()), then what is left of
    the account; the next call goes on where this one stopped (a photo goes whole or not at all).
    {"photos": how many went, "status": "deleted", "continues" (time was up), "busy" or "gone"}."""
    user = User.objects.filter(pk=user_id, deletion_requested_at__isnull=False).first()
    if user is None:
        return {"photos": 0, "status": "gone"}
    deleted = 0
    for photo in Photo.objects.filter(owner=user).order_by("created_at"):
        if time.monotonic() >= deadline:
            return {"photos": deleted, "status": "continues"}
        photo_delete(photo=photo)
        deleted += 1
    if time.monotonic() >= deadline:
        return {"photos": deleted, "status": "continues"}
    return {"photos": deleted, "status": _account_forget(user=user)}


def _account_forget(*, user: User) -> str:
    """Once an account's photos are gone: its uploads never confirmed, its emails in the outbox, then its row.
    "deleted"; "gone" if another sweep deleted it meanwhile; "busy" if a photo was recorded meanwhile."""
    aws.delete_objects(keys=aws.list_keys(prefix=keys.user_uploads_prefix(user_id=user.pk)))
    with transaction.atomic():
        # A confirm that was in flight when the account was deactivated may have added a row since the photos were
        # read: deleting the user now would cascade over it and leave its objects in S3. Locking the user row waits
        # for such an insert to commit (it holds a key-share lock on it), then the check sees it.
        if not User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True):
            return "gone"
        if Photo.objects.filter(owner=user).exists():
            return "busy"
        outbox_forget_recipient(email=user.email)
        user.delete()
    logger.info("account deleted user_id=%s", user.pk)
    return "deleted"
