"""Reads on photos. Every query is scoped to its owner: another user's photo simply does not exist."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.http import content_disposition_header

from web import aws
from web.accounts.models import User
from web.photos.models import Photo


def photo_list(*, owner: User) -> QuerySet[Photo]:
    """The owner's timeline: newest first by when each photo was taken (or uploaded), the Trash left out."""
    return Photo.objects.filter(owner=owner, trashed_at__isnull=True).order_by("-timeline_at", "-id")


@dataclass(frozen=True)
class PhotoCounts:
    in_timeline: int
    in_trash: int

    @property
    def stored(self) -> int:
        """Every photo the account stores, the Trash included."""
        return self.in_timeline + self.in_trash


def photo_counts(*, owner: User) -> PhotoCounts:
    counts = Photo.objects.filter(owner=owner).aggregate(
        stored=Count("pk"), in_trash=Count("pk", filter=Q(trashed_at__isnull=False))
    )
    return PhotoCounts(in_timeline=counts["stored"] - counts["in_trash"], in_trash=counts["in_trash"])


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


# The widest a tile is drawn: 220 CSS pixels (the largest of its sizes) on a 4x screen. A tile takes the renditions
# up to the first this wide, whatever widths the photo has (240/480/960, 252/504/1008...); larger ones are the viewer's.
TILE_MAX_WIDTH = 4 * 220


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
    """The widths the viewer can ask /photos/<id>/w<width> for, narrowest first: as the manifest lists them."""
    by_format = photo_renditions(photo=photo)
    return [rendition["width"] for rendition in by_format.get("webp") or by_format.get("jpeg") or []]


class PhotoImages:
    """Short-lived URLs for a ready photo's renditions: a gallery tile's, and the photo page's image. Each URL is
    signed when a template first asks for it, so a gallery of tiles signs only the tiles' few.

    Resize writes WebP only, at whatever widths suit the source; photos developed before also have JPEG at
    240/480/960/1920, and keep their <picture> of a WebP <source> over a JPEG <img>."""

    def __init__(self, *, webps: list[dict], jpegs: list[dict]):
        self._webps, self._jpegs = webps, jpegs
        self._img = jpegs or webps  # what the <img> itself shows
        self._urls: dict[str, str] = {}
        self.largest_width, self.largest_height = self._img[-1]["width"], self._img[-1]["height"]
        self._tiles = _tile_renditions(webps or jpegs)

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
        return self._url(self._img[-1])

    @cached_property
    def srcset(self) -> str:
        return self._srcset(self._img)

    @cached_property
    def source_webp_srcset(self) -> str:
        """The WebP <source> of a photo that also has JPEG; empty for a photo of WebP only, which needs no <picture>."""
        return self._srcset(self._webps) if self._jpegs and self._webps else ""


def _tile_renditions(renditions: list[dict]) -> list[dict]:
    """The narrowest renditions up to the first at least TILE_MAX_WIDTH wide (all of them when none is)."""
    wide_enough = next((index for index, item in enumerate(renditions) if item["width"] >= TILE_MAX_WIDTH), None)
    return renditions if wide_enough is None else renditions[: wide_enough + 1]


def photo_images(*, photo: Photo) -> PhotoImages | None:
    by_format = photo_renditions(photo=photo)
    webps, jpegs = by_format.get("webp", []), by_format.get("jpeg", [])
    return PhotoImages(webps=webps, jpegs=jpegs) if webps or jpegs else None
