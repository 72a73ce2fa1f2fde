"""Reads on photos. Every query is scoped to its owner: another user's photo simply does not exist."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.http import content_disposition_header

from web import aws
from web.accounts.models import User
from web.photos.models import Photo


def photo_list(*, owner: User) -> QuerySet[Photo]:
    """The owner's timeline: newest first by when each photo was taken (or uploaded), the Trash left out."""
    return Photo.objects.filter(owner=owner, trashed_at__isnull=True).order_by("-timeline_at", "-id")


def photo_count(*, owner: User) -> int:
    """Every photo the account stores, the Trash included."""
    return Photo.objects.filter(owner=owner).count()


def photo_get(*, owner: User, photo_id: uuid.UUID) -> Photo | None:
    return photo_list(owner=owner).filter(pk=photo_id).first()


def photo_list_by_ids(*, owner: User, photo_ids: list[uuid.UUID]) -> list[Photo]:
    return list(photo_list(owner=owner).filter(pk__in=photo_ids))


def photo_page(*, owner: User, after: uuid.UUID | None, size: int) -> tuple[list[Photo], Photo | None]:
    """One step of the timeline: up to `size` photos after the photo `after` (from the top when None), and the last
    of them when more follow. Keyed on the photo, not a page number, so uploads and deletions never shift it."""
    photos = photo_list(owner=owner)
    if after is not None:
        anchor = Photo.objects.filter(owner=owner, pk=after).values("timeline_at", "id").first()
        if anchor is None:
            raise Photo.DoesNotExist(f"no photo {after}")
        photos = photos.filter(
            Q(timeline_at__lt=anchor["timeline_at"]) | Q(timeline_at=anchor["timeline_at"], id__lt=anchor["id"])
        )
    page = list(photos[: size + 1])
    return page[:size], (page[size - 1] if len(page) > size else None)


def photo_neighbours(*, owner: User, photo: Photo) -> tuple[Photo | None, Photo | None]:
    """The photos before (newer) and after (older) this one in the timeline."""
    newer = Q(timeline_at__gt=photo.timeline_at) | Q(timeline_at=photo.timeline_at, id__gt=photo.id)
    older = Q(timeline_at__lt=photo.timeline_at) | Q(timeline_at=photo.timeline_at, id__lt=photo.id)
    previous = photo_list(owner=owner).filter(newer).order_by("timeline_at", "id").first()
    following = photo_list(owner=owner).filter(older).first()
    return previous, following


def trash_list(*, owner: User) -> QuerySet[Photo]:
    """The owner's Trash, most recently trashed first."""
    return Photo.objects.filter(owner=owner, trashed_at__isnull=False).order_by("-trashed_at", "-id")


def trash_expires_at(*, photo: Photo) -> datetime:
    return photo.trashed_at + timedelta(days=settings.DARKROOM_TRASH_DAYS)


@dataclass(frozen=True)
class Day:
    day: date
    photos: list[Photo]


def photo_days(*, photos: list[Photo]) -> list[Day]:
    """Consecutive photos grouped by the day of their place in the timeline (taken, else uploaded)."""
    days: list[Day] = []
    for photo in photos:
        day = photo.timeline_at.date()
        if not days or days[-1].day != day:
            days.append(Day(day=day, photos=[]))
        days[-1].photos.append(photo)
    return days


# Tiles are at most about 240 CSS pixels wide, so 960 covers a 4x screen; larger renditions are the viewer's.
TILE_MAX_WIDTH = 960


def photo_original_url(*, photo: Photo) -> str:
    """A short-lived link that downloads the original as uploaded, under the name it was uploaded with."""
    disposition = content_disposition_header(as_attachment=True, filename=photo.filename)
    return aws.presigned_get(
        key=photo.original_key,
        expires_in=settings.DARKROOM_RENDITION_URL_EXPIRY_SECONDS,
        download_as=(disposition, photo.content_type),
    )


def image_origin() -> str:
    """Where the browser fetches images from (the bucket's endpoint), for a preconnect hint."""
    url = urlsplit(aws.presigned_get(key="renditions/", expires_in=60))
    return f"{url.scheme}://{url.netloc}"


def rendition_url(*, key: str) -> str:
    return aws.presigned_get(key=key, expires_in=settings.DARKROOM_RENDITION_URL_EXPIRY_SECONDS)


def photo_renditions(*, photo: Photo) -> dict[str, list[dict]]:
    """A ready photo's renditions by format, narrowest first; empty when it has none."""
    if photo.status != Photo.Status.READY:
        return {}
    by_format: dict[str, list[dict]] = {}
    for rendition in sorted(photo.renditions, key=lambda item: item["width"]):
        by_format.setdefault(rendition["format"], []).append(rendition)
    return by_format


def photo_rendition_key(*, photo: Photo, width: int) -> str | None:
    """The key of the viewer's rendition this wide: WebP, which every browser in use shows, else JPEG."""
    by_format = photo_renditions(photo=photo)
    for rendition in by_format.get("webp", []) + by_format.get("jpeg", []):
        if rendition["width"] == width:
            return rendition["key"]
    return None


def photo_viewer_widths(*, photo: Photo) -> list[int]:
    by_format = photo_renditions(photo=photo)
    return [rendition["width"] for rendition in by_format.get("webp") or by_format.get("jpeg") or []]


class PhotoImages:
    """Short-lived URLs for a ready photo's renditions: a gallery tile's, and the photo page's <picture>. Each URL
    is signed when a template first asks for it, so a gallery of tiles signs only the tiles' few."""

    def __init__(self, *, by_format: dict[str, list[dict]], jpegs: list[dict]):
        self._by_format, self._jpegs = by_format, jpegs
        self._urls: dict[str, str] = {}
        self.largest_width, self.largest_height = jpegs[-1]["width"], jpegs[-1]["height"]
        tiles = [item for item in (by_format.get("webp") or jpegs) if item["width"] <= TILE_MAX_WIDTH]
        self._tiles = tiles or jpegs[:1]

    def _url(self, rendition: dict) -> str:
        if rendition["key"] not in self._urls:
            self._urls[rendition["key"]] = rendition_url(key=rendition["key"])
        return self._urls[rendition["key"]]

    def _srcset(self, renditions: list[dict]) -> str:
        return ", ".join(f"{self._url(item)} {item['width']}w" for item in renditions)

    @cached_property
    def tile_src(self) -> str:
        """The smallest tile rendition at least 320 px wide, else the largest there is."""
        return self._url(next((item for item in self._tiles if item["width"] >= 320), self._tiles[-1]))

    @cached_property
    def tile_srcset(self) -> str:
        return self._srcset(self._tiles)

    @cached_property
    def src(self) -> str:
        return self._url(self._jpegs[-1])

    @cached_property
    def srcset_jpeg(self) -> str:
        return self._srcset(self._jpegs)

    @cached_property
    def srcset_webp(self) -> str:
        return self._srcset(self._by_format.get("webp", []))


def photo_images(*, photo: Photo) -> PhotoImages | None:
    by_format = photo_renditions(photo=photo)
    jpegs = by_format.get("jpeg") or by_format.get("webp")
    return PhotoImages(by_format=by_format, jpegs=jpegs) if jpegs else None
