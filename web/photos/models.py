import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class UploadBatch(models.Model):
    """The files a user picked or dropped together (the browser names the batch): one email says how they went."""

    id = models.UUIDField(primary_key=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upload_batches")
    # How many files the browser picked; the email waits for that many photos, or for the batch to go quiet.
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    last_confirmed_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"batch {self.pk} of {self.size}"


class Photo(models.Model):
    """An uploaded original and what the resize function made of it."""

    class Status(models.TextChoices):
        PROCESSING = "processing"
        READY = "ready"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos")
    original_key = models.CharField(max_length=255, unique=True)
    etag = models.CharField(max_length=128, blank=True)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROCESSING)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_message = models.CharField(max_length=255, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    # [{"key", "width", "height", "format", "bytes"}] copied from the manifest once: a ready gallery makes no S3 call.
    renditions = models.JSONField(default=list, blank=True)
    resize_attempts = models.PositiveSmallIntegerField(default=1)
    resize_requested_at = models.DateTimeField(default=timezone.now)
    correlation_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # What the resize function read from the photo (manifest "source" and "placeholder"); empty until it is ready.
    # taken_at is the camera's wall-clock time stored as if UTC, so the day it shows is the day it was taken there;
    # taken_offset is that clock's UTC offset in minutes, when the camera recorded one.
    taken_at = models.DateTimeField(null=True, blank=True)
    taken_offset = models.SmallIntegerField(null=True, blank=True)
    camera = models.JSONField(default=dict, blank=True)
    thumbhash = models.CharField(max_length=64, blank=True)
    color = models.CharField(max_length=7, blank=True)
    # Where the photo sits in the timeline: when it was taken, or when it was uploaded until that is known.
    timeline_at = models.DateTimeField(default=timezone.now)
    # Set while the photo waits in the Trash; the sweeper deletes it for good DARKROOM_TRASH_DAYS later.
    trashed_at = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(UploadBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")

    class Meta:
        ordering = ["-timeline_at", "-id"]
        indexes = [
            models.Index(
                fields=["owner", "-timeline_at", "-id"],
                name="photo_owner_timeline_idx",
                condition=models.Q(trashed_at__isnull=True),
            ),
            models.Index(fields=["trashed_at"], name="photo_trashed_idx", condition=models.Q(trashed_at__isnull=False)),
            models.Index(
                fields=["resize_requested_at"], name="photo_processing_idx", condition=models.Q(status="processing")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"
