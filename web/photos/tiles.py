"""What a gallery tile shows, and what the viewer opened from it needs: one place for the tile and the status API."""

import json

from django.urls import reverse

from web.photos import selectors
from web.photos.facts import photo_facts
from web.photos.failures import failure_text
from web.photos.models import Photo


def tile_context(*, photo: Photo, loading: str = "lazy") -> dict:
    """What a gallery tile shows, and what the viewer opened from it needs (its images by width, its details)."""
    widths = selectors.photo_viewer_widths(photo=photo)
    urls = [(reverse("photo_rendition", args=[photo.pk, width]), width) for width in widths]
    return {
        "photo": photo,
        "loading": loading,
        "images": selectors.photo_images(photo=photo),
        "facts_json": json.dumps(photo_facts(photo=photo), ensure_ascii=False),
        "failure": failure_text(photo=photo),
        "viewer_src": urls[-1][0] if urls else "",
        "viewer_srcset": ", ".join(f"{url} {width}w" for url, width in urls),
    }
