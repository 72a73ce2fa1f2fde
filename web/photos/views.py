import uuid
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from web.photos import selectors, services, uploads
from web.photos.models import Photo

UNDO_SESSION_KEY = "darkroom_undo_trash"
EAGER_TILES = 12
URGENT_TILES = 3
MAX_SELECTED = 500


def _owned_photo(request: HttpRequest, photo_id: uuid.UUID) -> Photo:
    photo = selectors.photo_get(owner=request.user, photo_id=photo_id)
    if photo is None:
        raise Http404("No such photo.")
    return photo


def _timeline_context(request: HttpRequest) -> dict:
    """One step of the owner's timeline, from the photo named by ?after= (the top when absent)."""
    try:
        after = uuid.UUID(request.GET["after"]) if request.GET.get("after") else None
        photos, last = selectors.photo_page(owner=request.user, after=after, size=settings.DARKROOM_PHOTOS_PER_PAGE)
    except (ValueError, Photo.DoesNotExist) as error:
        raise Http404("That place in your photos is gone: start again from the top.") from error
    # The first screenful loads at once, its first row first (it holds the largest paint); the rest as it nears.
    first = photos[:EAGER_TILES] if after is None else []
    return {
        "days": selectors.photo_days(photos=photos),
        "more_after": last,
        "after": after,
        "eager_ids": {photo.pk for photo in first},
        "urgent_ids": {photo.pk for photo in first[:URGENT_TILES]},
    }


@require_GET
@login_required
def gallery(request: HttpRequest):
    context = _timeline_context(request)
    context.update(
        {
            "accept": ",".join(sorted(uploads.ALLOWED_CONTENT_TYPES)),
            "max_upload_bytes": settings.DARKROOM_MAX_UPLOAD_BYTES,
            "max_upload_text": uploads.upload_limit_text(),
            "undo_ids": request.session.pop(UNDO_SESSION_KEY, []),
            "image_origin": selectors.image_origin() if context["days"] else "",
        }
    )
    return render(request, "photos/gallery.html", context)


@require_GET
@login_required
def gallery_page(request: HttpRequest):
    """The next step of the timeline as an HTML fragment, for the gallery's endless scrolling."""
    return render(request, "photos/_timeline.html", _timeline_context(request))


@require_GET
@login_required
def photo_detail(request: HttpRequest, photo_id: uuid.UUID):
    photo = _owned_photo(request, photo_id)
    newer, older = selectors.photo_neighbours(owner=request.user, photo=photo)
    return render(
        request,
        "photos/detail.html",
        {"photo": photo, "images": selectors.photo_images(photo=photo), "newer": newer, "older": older},
    )


@require_GET
@login_required
def photo_rendition(request: HttpRequest, photo_id: uuid.UUID, width: int):
    """The viewer's image of this width: a redirect to a fresh short-lived URL, so the page's links never expire."""
    key = selectors.photo_rendition_key(photo=_owned_photo(request, photo_id), width=width)
    if key is None:
        raise Http404("No image of that size.")
    response = redirect(selectors.rendition_url(key=key))
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
@login_required
def photo_original(request: HttpRequest, photo_id: uuid.UUID):
    photo = _owned_photo(request, photo_id)
    if photo.failure_code == services.ORIGINAL_MISSING_CODE:
        raise Http404("The uploaded file is gone.")
    return redirect(selectors.photo_original_url(photo=photo))


def _selected_ids(request: HttpRequest) -> list[uuid.UUID]:
    raw = request.POST.getlist("ids")
    if not raw:
        raise ValueError("Select at least one photo first.")
    if len(raw) > MAX_SELECTED:
        raise ValueError(f"Select at most {MAX_SELECTED} photos at once.")
    try:
        return [uuid.UUID(item) for item in raw]
    except ValueError as error:
        raise ValueError("The selection is not a list of photo ids; reload the page and try again.") from error


def _back(request: HttpRequest, default: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


def _count(number: int) -> str:
    return "1 photo" if number == 1 else f"{number} photos"


def selection_view(view):
    """A POST acting on the photos selected with the tiles' checkboxes; a bad selection is said on the page."""

    @require_POST
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest):
        try:
            photo_ids = _selected_ids(request)
        except ValueError as error:
            messages.error(request, str(error))
            return _back(request, "gallery")
        return view(request, photo_ids)

    return wrapper


@selection_view
def photos_trash(request: HttpRequest, photo_ids: list[uuid.UUID]):
    moved = services.photo_trash(owner=request.user, photo_ids=photo_ids)
    if moved:
        request.session[UNDO_SESSION_KEY] = [str(photo_id) for photo_id in moved]
        messages.success(request, f"Moved {_count(len(moved))} to the Trash.")
    return _back(request, "gallery")


@selection_view
def photos_restore(request: HttpRequest, photo_ids: list[uuid.UUID]):
    restored = services.photo_restore(owner=request.user, photo_ids=photo_ids)
    if restored:
        messages.success(request, f"Restored {_count(restored)}.")
    return _back(request, "gallery")


@require_GET
@login_required
def trash(request: HttpRequest):
    photos = list(selectors.trash_list(owner=request.user)[: settings.DARKROOM_TRASH_PAGE_SIZE])
    return render(
        request,
        "photos/trash.html",
        {
            "photos": photos,
            "shown": len(photos),
            "total": selectors.trash_list(owner=request.user).count(),
            "trash_days": settings.DARKROOM_TRASH_DAYS,
        },
    )


@selection_view
def trash_delete(request: HttpRequest, photo_ids: list[uuid.UUID]):
    """Delete for good what is selected in the Trash, after one confirmation page."""
    if request.POST.get("confirm") != "yes":
        photos = list(selectors.trash_list(owner=request.user).filter(pk__in=photo_ids))
        if not photos:
            messages.info(request, "Those photos are no longer in the Trash.")
            return redirect("trash")
        return render(request, "photos/trash_confirm.html", {"photos": photos})
    deleted = services.trash_delete(owner=request.user, photo_ids=photo_ids)
    messages.success(request, f"Deleted {_count(deleted)} for good.")
    return redirect(reverse("trash"))
