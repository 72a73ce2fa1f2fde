"""Helpers the web tests share: JSON posts and the browser's direct upload to S3."""

import json

import requests


def post_json(client, url: str, body, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **extra)


def browser_upload(presigned: dict, content: bytes, filename: str = "photo.jpg") -> int:
    """What the page's JavaScript does: a multipart POST of the presigned fields plus the file, straight to S3."""
    response = requests.post(presigned["url"], data=presigned["fields"], files={"file": (filename, content)})
    return response.status_code


def jpeg_bytes(width: int = 64, height: int = 48) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def presign(client, *, filename="photo.jpg", content_type="image/jpeg", size=1000):
    return post_json(client, "/api/uploads/presign", {"filename": filename, "content_type": content_type, "size": size})


def upload_and_confirm(
    client,
    *,
    content: bytes | None = None,
    filename="photo.jpg",
    content_type="image/jpeg",
    batch: dict | None = None,
    **extra,
):
    """The whole browser flow: presign, POST the file to S3, confirm (with `batch`, {"id", "size"}, when given;
    `extra` goes to the confirm request, e.g. `headers=`). Returns the confirm response."""
    content = content if content is not None else jpeg_bytes()
    presigned = presign(client, filename=filename, content_type=content_type, size=len(content)).json()
    assert browser_upload(presigned, content, filename) == 204
    body = {"key": presigned["key"], "filename": filename} | ({"batch": batch} if batch else {})
    return post_json(client, "/api/uploads/confirm", body, **extra)


def alarm_phrase(metric_filter: str) -> str:
    """The phrase a template.yaml metric filter counts in the site's logs (a quoted term: the exact text)."""
    from devstack import template

    return template.template()["Resources"][metric_filter]["Properties"]["FilterPattern"].strip('"')
