"""The JSON endpoints the upload page and the gallery's polling use. Every error is a 4xx with a readable message."""

import json
import uuid
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST
from django.views.defaults import bad_request as page_bad_request

from web.photos import batches, selectors, uploads
from web.photos.failures import failure_text
from web.photos.tiles import tile_context

MAX_STATUS_IDS = 100


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception):
    """The 400 handler (web/urls.py): JSON for the API, with a 413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE, which
    Django refuses as a SuspiciousOperation wherever the body is first read (a view, or the CSRF middleware)."""
    if not request.path.startswith("/api/"):
        return page_bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return _error(f"The request body is too large: the API reads at most {limit} bytes.", 413)
    return _error("The request could not be read.")


def json_login_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return _error("Log in first.", status=401)
        return view(request, *args, **kwargs)

    return wrapper


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"")
    # ValueError covers JSONDecodeError and integers past Python's 4300-digit limit; RecursionError, nesting too deep.
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise uploads.UploadError(f"The request body is not valid JSON: {error}") from error
    if not isinstance(body, dict):
        raise uploads.UploadError("The request body must be a JSON object.")
    return body


def _field(body: dict, name: str, kind: type):
    value = body.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise uploads.UploadError(f"'{name}' is required and must be a {kind.__name__}.")
    return value


def _batch(body: dict) -> tuple[uuid.UUID, int] | None:
    """The optional "batch": {"id": a UUID the browser made for the files picked together, "size": how many}."""
    batch = body.get("batch")
    if batch is None:
        return None
    size = batch.get("size") if isinstance(batch, dict) else None
    try:
        batch_id = uuid.UUID(str(batch.get("id"))) if isinstance(batch, dict) else None
    except ValueError:
        batch_id = None
    valid_size = isinstance(size, int) and not isinstance(size, bool) and 1 <= size <= batches.MAX_BATCH_SIZE
    if batch_id is None or not valid_size:
        raise uploads.UploadError(
            f'\'batch\' must be {{"id": a UUID, "size": 1 to {batches.MAX_BATCH_SIZE} files picked together}}.'
        )
    return batch_id, size


# The markup a photo has on each page that shows it, so the page can swap it in place when the photo settles.
VIEW_TEMPLATES = {"gallery": "photos/_tile.html", "detail": "photos/_detail_media.html"}


def card_html(request: HttpRequest, photo, view: str = "gallery") -> str:
    context = tile_context(photo=photo) if view == "gallery" else {"photo": photo}
    context.setdefault("images", selectors.photo_images(photo=photo))
    return render_to_string(VIEW_TEMPLATES[view], context, request=request)


def _state(request: HttpRequest, photo, view: str = "gallery") -> dict:
    """A photo as the upload tray and the gallery follow it: its status, why it failed, its markup."""
    return {
        "id": str(photo.pk),
        "status": photo.status,
        "failure": failure_text(photo=photo),
        "html": card_html(request, photo, view),
    }


@require_POST
@json_login_required
def upload_presign(request: HttpRequest) -> JsonResponse:
    try:
        body = _json_body(request)
        upload = uploads.upload_presign(
            owner=request.user,
            filename=_field(body, "filename", str),
            content_type=_field(body, "content_type", str),
            size=_field(body, "size", int),
        )
    except uploads.LimitReached as error:
        response = _error(error.message, error.status)
        if error.retry_after is not None:
            response["Retry-After"] = str(error.retry_after)
        return response
    except uploads.UploadError as error:
        return _error(error.message, error.status)
    return JsonResponse({"key": upload.key, "url": upload.url, "fields": upload.fields})


@require_POST
@json_login_required
def upload_confirm(request: HttpRequest) -> JsonResponse:
    try:
        body = _json_body(request)
        photo, created = uploads.upload_confirm(
            owner=request.user,
            key=_field(body, "key", str),
            filename=_field(body, "filename", str),
            correlation_id=request.correlation_id,
            batch=_batch(body),
        )
    except uploads.UploadError as error:
        return _error(error.message, error.status)
    return JsonResponse(_state(request, photo), status=201 if created else 200)


@require_GET
@json_login_required
def photo_status(request: HttpRequest) -> JsonResponse:
    """The current state of the given photos, from the database only: the site-tasks worker settles each photo
    as soon as its manifest is written (web/photos/tasks.py), whether a page is open or not."""
    view = request.GET.get("view", "gallery")
    if view not in VIEW_TEMPLATES:
        return _error(f"'view' must be one of {', '.join(VIEW_TEMPLATES)}.")
    raw_ids = [item for item in request.GET.get("ids", "").split(",") if item]
    if len(raw_ids) > MAX_STATUS_IDS:
        return _error(f"Ask for at most {MAX_STATUS_IDS} photos at once.")
    try:
        photo_ids = [uuid.UUID(item) for item in raw_ids]
    except ValueError:
        return _error("'ids' must be a comma-separated list of photo ids.")
    photos = selectors.photo_list_by_ids(owner=request.user, photo_ids=photo_ids)
    return JsonResponse({"photos": {str(photo.pk): _state(request, photo, view) for photo in photos}})
