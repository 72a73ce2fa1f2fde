"""Why a photo could not be developed, in the words its owner sees (the codes come from resize and the sweeper)."""

from web.photos.models import Photo

FAILURE_TEXT = {
    "empty": "The file is empty.",
    "unsupported_format": "Not a photo: Darkroom reads JPEG, PNG, WebP, GIF and HEIC.",
    "corrupt": "The file is damaged or cut short.",
    "too_large": "The picture is larger than 50 megapixels.",
    "bad_manifest": "Developing went wrong. Upload it again.",
    "timeout": "Developing did not finish. Upload it again.",
    "original_missing": "The uploaded file is gone. Upload it again.",
    "original_replaced": "This photo was replaced after upload. Upload it again.",
}


def failure_text(*, photo: Photo) -> str:
    if photo.status != Photo.Status.FAILED:
        return ""
    return FAILURE_TEXT.get(photo.failure_code) or photo.failure_message or "Developing failed."
