"""A photo's details as its viewer shows them: plain text, one (label, value) pair a line."""

from django.template.defaultfilters import filesizeformat
from django.utils.dateformat import format as date_format

from web.photos.models import Photo

# A photo's times, as the pages write them: "Thu, 5 Jun 2025, 18:00". The browser rewrites the upload time in the
# visitor's time zone with Intl.DateTimeFormat("en-GB", short weekday and month, 24 h), which writes the same shape.
TIME_FORMAT = "D, j M Y, H:i"


def photo_facts(*, photo: Photo) -> list[tuple[str, str]]:
    facts = [("Taken", taken_text(photo=photo)), ("Camera", camera_text(camera=photo.camera))]
    facts.append(("Exposure", exposure_text(camera=photo.camera)))
    if photo.width and photo.height:
        facts.append(("Dimensions", f"{photo.width} × {photo.height} px"))
    facts.append(("File", f"{filesizeformat(photo.size_bytes)} · {photo.content_type}"))
    return [(label, value) for label, value in facts if value]


def taken_text(*, photo: Photo) -> str:
    """The camera's own clock, as the photographer saw it; its UTC offset when the camera recorded one."""
    if photo.taken_at is None:
        return ""
    text = date_format(photo.taken_at, TIME_FORMAT)
    if photo.taken_offset is None:
        return text
    sign = "+" if photo.taken_offset >= 0 else "−"
    hours, minutes = divmod(abs(photo.taken_offset), 60)
    return f"{text} (UTC{sign}{hours:02d}:{minutes:02d})"


def camera_text(*, camera: dict) -> str:
    make, model = camera.get("make", ""), camera.get("model", "")
    body = model if make and model.lower().startswith(make.lower()) else " ".join(filter(None, [make, model]))
    return " · ".join(filter(None, [body, camera.get("lens", "")]))


def exposure_text(*, camera: dict) -> str:
    parts = []
    if camera.get("exposure_time"):
        parts.append(f"{camera['exposure_time']} s")
    if camera.get("f_number"):
        parts.append(f"ƒ/{camera['f_number']:g}")
    if camera.get("iso"):
        parts.append(f"ISO {camera['iso']}")
    if camera.get("focal_length_mm"):
        parts.append(f"{camera['focal_length_mm']:g} mm")
    return " · ".join(parts)
