"""Rows and bucket objects in the states the resize function leaves them."""

import copy
import json
import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from tests.samples import load_event
from web.photos import keys
from web.photos.models import Photo
from web.photos.tasks import manifests_written


def make_photo(owner, **fields) -> Photo:
    photo_id = fields.pop("id", uuid.uuid4())
    defaults = {
        "original_key": keys.upload_key(user_id=owner.pk, photo_id=photo_id),
        "etag": '"abc"',
        "filename": "photo.jpg",
        "content_type": "image/jpeg",
        "size_bytes": 1234,
    }
    return Photo.objects.create(id=photo_id, owner=owner, **{**defaults, **fields})


def manifest_for(photo: Photo, sample: str = "manifest_ready.json") -> dict:
    """The sample manifest rewritten for this photo: its keys, its id, its ETag."""
    document = copy.deepcopy(load_event(sample))
    old_id = document["photo_id"]
    document["photo_id"] = str(photo.pk)
    document["source"]["key"] = photo.original_key
    document["source"]["etag"] = photo.etag
    for rendition in document["renditions"]:
        rendition["key"] = rendition["key"].replace(old_id, str(photo.pk))
    return document


# What resize wrote before it made WebP only at the widths a JPEG decodes to: JPEG and WebP of a 4000x3000 photo.
JPEG_AND_WEBP_SIZES = ((240, 180), (480, 360), (960, 720), (1920, 1440))
EXTENSIONS = {"jpeg": "jpg", "webp": "webp"}


def manifest_with(photo: Photo, *, source: tuple[int, int], sizes, formats=("webp",)) -> dict:
    """The sample manifest for this photo with another source size and renditions of these sizes and formats."""
    document = manifest_for(photo)
    document["source"]["width"], document["source"]["height"] = source
    prefix = keys.renditions_prefix(photo_id=photo.pk)
    document["renditions"] = [
        {"key": f"{prefix}w{width}.{EXTENSIONS[name]}", "width": width, "height": height, "format": name, "bytes": 9}
        for width, height in sizes
        for name in formats
    ]
    return document


def jpeg_and_webp_manifest_for(photo: Photo) -> dict:
    """A photo developed before resize wrote WebP only: JPEG and WebP at 240/480/960/1920."""
    return manifest_with(photo, source=(4000, 3000), sizes=JPEG_AND_WEBP_SIZES, formats=("jpeg", "webp"))


def put_manifest(s3, bucket: str, photo: Photo, document: dict) -> None:
    s3.put_object(Bucket=bucket, Key=keys.manifest_key(photo_id=photo.pk), Body=json.dumps(document).encode())


def deliver_manifest(s3, bucket: str, photo: Photo, document: dict) -> None:
    """The manifest as resize writes it, and what the site-tasks worker does with S3's notification of it."""
    put_manifest(s3, bucket, photo, document)
    manifests_written([keys.manifest_key(photo_id=photo.pk)])


# The tag the presigned POST stores every upload with (web/aws.py), in put_object's and put_object_tagging's forms.
PENDING_TAGGING = "darkroom-upload=pending"
PENDING_TAG = {"TagSet": [{"Key": "darkroom-upload", "Value": "pending"}]}


def store_original(s3, bucket: str, photo: Photo) -> None:
    """The photo's original as the browser's presigned POST left it: tagged as a pending upload, its ETag the one
    confirm pinned on the row."""
    stored = s3.put_object(Bucket=bucket, Key=photo.original_key, Body=b"\xff\xd8 a jpeg", ContentType="image/jpeg")
    s3.put_object_tagging(Bucket=bucket, Key=photo.original_key, Tagging=PENDING_TAG)
    photo.etag = stored["ETag"]
    Photo.objects.filter(pk=photo.pk).update(etag=photo.etag)


def tags_of(s3, bucket: str, key: str) -> list[dict]:
    return s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]


def stuck_photos(s3, owner, count: int, *, body: bytes = b"jpeg") -> list[Photo]:
    """`count` photos whose resize never answered: past the processing deadline, oldest first, each original stored
    as uploaded (tagged pending) and pinned by its ETag."""
    overdue = timezone.now() - timedelta(seconds=settings.DARKROOM_PROCESSING_DEADLINE_SECONDS + 60)
    photos = []
    for number in range(count):
        photo_id = uuid.uuid4()
        key = keys.upload_key(user_id=owner.pk, photo_id=photo_id)
        stored = s3.put_object(Bucket=settings.DARKROOM_BUCKET, Key=key, Body=body, Tagging=PENDING_TAGGING)
        photos.append(
            Photo(
                id=photo_id,
                owner=owner,
                original_key=key,
                etag=stored["ETag"],
                filename=f"stuck-{number}.jpg",
                content_type="image/jpeg",
                size_bytes=len(body),
                resize_requested_at=overdue - timedelta(seconds=number),
                correlation_id=uuid.uuid4().hex,  # as confirm gives each photo: resize refuses a message without
            )
        )
    return Photo.objects.bulk_create(photos, batch_size=500)
