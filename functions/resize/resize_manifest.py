"""The manifest.json the resize function writes beside the renditions: how the site learns the result.

Shape (version 1, read by web/contracts.parse_manifest; samples in tests/events/manifest_*.json):
    {"version": 1, "photo_id", "status": "ready" | "failed",
     "source": {"key", "etag", and when ready "width", "height", "format",
                "taken_at": "2024-06-01T14:03:22+02:00" | "2024-06-01T14:03:22" | null,
                "camera": null | {"make", "model", "lens": str | null, "exposure_time": "1/250" | "0.6" | "2" | null,
                                  "f_number": float | null, "iso": int | null, "focal_length_mm": float | null}},
     and when ready "placeholder": {"thumbhash": standard base64 of the ThumbHash bytes, "color": "#rrggbb"},
     "renditions": [{"key", "width", "height", "format": "jpeg" | "webp", "bytes"}],
     "error": null | {"code", "message"}}
taken_at, camera and the placeholder came after the first release: readers treat them as optional, and older
manifests without them stay valid under the same version.
"""

from dataclasses import asdict

from renditions import Rendered
from resize_request import ResizeRequest

VERSION = 1


def ready_manifest(*, request: ResizeRequest, etag: str, rendered: Rendered) -> dict:
    ordered = sorted(rendered.renditions, key=lambda item: (item.width, item.format.name))
    return {
        "version": VERSION,
        "photo_id": request.photo_id,
        "status": "ready",
        "source": {
            "key": request.source_key,
            "etag": etag,
            "width": rendered.width,
            "height": rendered.height,
            "format": rendered.source_format,
            "taken_at": rendered.facts.taken_at,
            "camera": asdict(rendered.facts.camera) if rendered.facts.camera else None,
        },
        "placeholder": {"thumbhash": rendered.placeholder.thumbhash, "color": rendered.placeholder.color},
        "renditions": [
            {
                "key": rendition_key(request, item.name),
                "width": item.width,
                "height": item.height,
                "format": item.format.name,
                "bytes": len(item.data),
            }
            for item in ordered
        ],
        "error": None,
    }


def failed_manifest(*, request: ResizeRequest, etag: str, code: str, message: str) -> dict:
    return {
        "version": VERSION,
        "photo_id": request.photo_id,
        "status": "failed",
        "source": {"key": request.source_key, "etag": etag},
        "renditions": [],
        "error": {"code": code, "message": message},
    }


def rendition_key(request: ResizeRequest, name: str) -> str:
    """Deterministic: the same photo and spec always give the same keys, so a retry overwrites, never adds."""
    return f"{request.output_prefix}{name}"


def is_current(document: dict | None, *, etag: str) -> bool:
    """True when a finished manifest for this exact version of the original is already there."""
    if not isinstance(document, dict) or document.get("version") != VERSION:
        return False
    source = document.get("source")
    return document.get("status") in ("ready", "failed") and isinstance(source, dict) and source.get("etag") == etag
