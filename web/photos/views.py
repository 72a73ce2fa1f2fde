import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from web.photos import selectors, services, uploads


def _owned_photo(request: HttpRequest, photo_id: uuid.UUID):
    photo = selectors.photo_get(owner=request.user, photo_id=photo_id)
    if photo is None:
        raise Http404("No such photo.")
    return photo


@require_GET
@login_required
def gallery(request: HttpRequest):
    page = Paginator(selectors.photo_list(owner=request.user), settings.DARKROOM_PHOTOS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    cards = [(photo, selectors.photo_images(photo=photo)) for photo in page]
    return render(
        request,
        "photos/gallery.html",
        {
            "page": page,
            "cards": cards,
            "accept": ",".join(sorted(uploads.ALLOWED_CONTENT_TYPES)),
            "max_upload_mb": settings.DARKROOM_MAX_UPLOAD_BYTES // 2**20,
        },
    )


@require_GET
@login_required
def photo_detail(request: HttpRequest, photo_id: uuid.UUID):
    photo = services.photo_refresh(photo=_owned_photo(request, photo_id))
    return render(request, "photos/detail.html", {"photo": photo, "images": selectors.photo_images(photo=photo)})


@require_GET
@login_required
def photo_original(request: HttpRequest, photo_id: uuid.UUID):
    photo = _owned_photo(request, photo_id)
    if photo.failure_code == services.ORIGINAL_MISSING_CODE:
        raise Http404("The uploaded file is gone.")
    return redirect(selectors.photo_original_url(photo=photo))


@require_POST
@login_required
def photo_delete(request: HttpRequest, photo_id: uuid.UUID):
    photo = _owned_photo(request, photo_id)
    services.photo_delete(photo=photo)
    messages.success(request, f"Deleted {photo.filename}.")
    return redirect("gallery")
