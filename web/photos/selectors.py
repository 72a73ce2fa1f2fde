"""Reads on photos. Every query is scoped to its owner: another user's photo simply does not exist."""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils.http import content_disposition_header

from web import aws
from web.accounts.models import User
from web.photos.models import Photo


def photo_list(*, owner: User) -> QuerySet[Photo]:
    return Photo.objects.filter(owner=owner).order_by("-created_at", "-id")


def photo_count(*, owner: User) -> int:
    return photo_list(owner=owner).count()


def photo_get(*, owner: User, photo_id: uuid.UUID) -> Photo | None:
    return photo_list(owner=owner).filter(pk=photo_id).first()


def photo_list_by_ids(*, owner: User, photo_ids: list[uuid.UUID]) -> list[Photo]:
    return list(photo_list(owner=owner).filter(pk__in=photo_ids))


@dataclass(frozen=True)
class PhotoImages:
    """Short-lived URLs for a ready photo's renditions, ready for <img src/srcset> and a WebP <source>."""

    src: str
    thumbnail: str
    srcset_jpeg: str
    srcset_webp: str
    largest_width: int


def photo_original_url(*, photo: Photo) -> str:
    """A short-lived link that downloads the original as uploaded, under the name it was uploaded with."""
    disposition = content_disposition_header(as_attachment=True, filename=photo.filename)
    return aws.presigned_get(
        key=photo.original_key,
        expires_in=settings.DARKROOM_RENDITION_URL_EXPIRY_SECONDS,
        download_as=(disposition, photo.content_type),
    )


def photo_images(*, photo: Photo) -> PhotoImages | None:
    if photo.status != Photo.Status.READY or not photo.renditions:
        return None
    expiry = settings.DARKROOM_RENDITION_URL_EXPIRY_SECONDS
    by_format: dict[str, list[tuple[int, str]]] = {"jpeg": [], "webp": []}
    for rendition in sorted(photo.renditions, key=lambda item: item["width"]):
        url = aws.presigned_get(key=rendition["key"], expires_in=expiry)
        by_format.setdefault(rendition["format"], []).append((rendition["width"], url))
    jpegs = by_format["jpeg"] or by_format["webp"]
    if not jpegs:
        return None
    # The gallery's thumbnail: the smallest rendition at least 320 px wide, else the largest there is.
    thumbnail = next((url for width, url in jpegs if width >= 320), jpegs[-1][1])
    return PhotoImages(
        src=jpegs[-1][1],
        thumbnail=thumbnail,
        srcset_jpeg=", ".join(f"{url} {width}w" for width, url in jpegs),
        srcset_webp=", ".join(f"{url} {width}w" for width, url in by_format["webp"]),
        largest_width=jpegs[-1][0],
    )
