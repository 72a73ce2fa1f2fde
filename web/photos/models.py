import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


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

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="photo_owner_newest_idx"),
            models.Index(
                fields=["resize_requested_at"], name="photo_processing_idx", condition=models.Q(status="processing")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"
