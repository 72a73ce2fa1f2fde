import math
from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

from web.photos import selectors
from web.photos.facts import TIME_FORMAT, photo_facts
from web.photos.failures import failure_text
from web.photos.models import Photo
from web.photos.tiles import tile_context

register = template.Library()


@register.inclusion_tag("photos/_tile.html", takes_context=True)
def photo_tile(context, photo: Photo) -> dict:
    if photo.pk in context.get("urgent_ids", ()):
        return tile_context(photo=photo, loading="urgent")
    return tile_context(photo=photo, loading="eager" if photo.pk in context.get("eager_ids", ()) else "lazy")


@register.simple_tag
def photo_failure(photo: Photo) -> str:
    return failure_text(photo=photo)


@register.simple_tag
def photo_facts_list(photo: Photo) -> list[tuple[str, str]]:
    return photo_facts(photo=photo)


@register.filter(expects_localtime=True)
def photo_time(moment) -> str:
    return date_format(moment, TIME_FORMAT)


@register.simple_tag
def photo_images_for(photo: Photo):
    return selectors.photo_images(photo=photo)


@register.simple_tag
def photo_days_left(photo: Photo) -> str:
    """How long a photo in the Trash stays restorable, in days begun: the last day counts as "1 day left"."""
    days = max(1, math.ceil((selectors.trash_expires_at(photo=photo) - timezone.now()) / timedelta(days=1)))
    return "1 day left" if days == 1 else f"{days} days left"
