"""One resize request against S3: read the original and take it out of the bucket's expiry of unconfirmed uploads;
skip the rest if already done, else write renditions, then the manifest. Renditions go first and the manifest last, all
at deterministic keys, so a crash at any point leaves only objects that the retry overwrites, and the site never
sees a manifest before its renditions exist.

Errors: a bad image is permanent (failed manifest, acknowledged), and so is an original replaced after the site
confirmed it (the GET pins the confirmed ETag with If-Match); a missing original is acknowledged without writing
anything, and whatever an earlier attempt left under the output prefix is deleted (the site only asks
after the upload exists, so a missing one was deleted with its photo); every other S3 error is raised, so the
queue retries it and, after its receive limit, moves it to the dead-letter queue for an operator.

A photo deleted while its resize runs: the site deletes the original first and then lists and deletes the
renditions, and this job checks the original is still there after its last write. Either the site's listing
comes after every write here, or this job sees the original gone and deletes the outputs itself (S3 is strongly
consistent), so a deleted photo never leaves renditions behind.
"""

import json
from dataclasses import dataclass

from botocore.exceptions import ClientError

from rendition_spec import SPEC, Spec
from renditions import ImageRejected, render
from resize_manifest import failed_manifest, is_current, ready_manifest, rendition_key
from resize_request import ResizeRequest

_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}
_PRECONDITION_FAILED = {"PreconditionFailed", "412"}
# The site shows the message to the photo's owner when it has no words of its own for the code.
REPLACED_CODE = "original_replaced"
REPLACED_MESSAGE = "This photo was replaced after upload. Upload it again."
# Each key holds one version of one photo's rendition; a key's content changes only if its original does.
_RENDITION_CACHE = "private, max-age=31536000, immutable"


@dataclass(frozen=True)
class Outcome:
    # "ready", "failed", "unchanged" (manifest already current), "missing" (no original) or "deleted" (the photo
    # was deleted while this ran; what it wrote is gone again)
    status: str
    error_code: str | None = None
    renditions: int = 0
    source_bytes: int = 0


def run(request: ResizeRequest, *, s3, bucket: str, spec: Spec = SPEC) -> Outcome:
    pinned = {"IfMatch": request.source_etag} if request.source_etag else {}
    try:
        source = s3.get_object(Bucket=bucket, Key=request.source_key, **pinned)
    except ClientError as error:
        if _error_code(error) in _NOT_FOUND:
            _remove_outputs(s3, bucket, request)  # what an attempt cut short by the delete may have left
            return Outcome(status="missing")
        if _error_code(error) in _PRECONDITION_FAILED:
            return _original_replaced(s3, bucket, request)
        raise
    etag, size = source["ETag"], source["ContentLength"]
    with source["Body"] as body:  # leaving unread (unchanged, too large) drops the stream, not the whole object
        if not _keep_original(s3, bucket, request):  # deleted since the GET, with its photo
            _remove_outputs(s3, bucket, request)
            return Outcome(status="missing")
        if is_current(_read_manifest(s3, bucket, request.manifest_key), etag=etag):
            return Outcome(status="unchanged", source_bytes=size)
        data = body.read() if size <= spec.max_source_bytes else None
    try:
        if data is None:
            raise ImageRejected("too_large", f"{size} bytes")
        rendered = render(data, spec)
    except ImageRejected as rejected:
        manifest = failed_manifest(request=request, etag=etag, code=rejected.code, message=rejected.message)
        _put_json(s3, bucket, request.manifest_key, manifest)
        if _deleted_meanwhile(s3, bucket, request):
            return Outcome(status="deleted", source_bytes=size)
        return Outcome(status="failed", error_code=rejected.code, source_bytes=size)
    for item in rendered.renditions:
        s3.put_object(
            Bucket=bucket,
            Key=rendition_key(request, item.name),
            Body=item.data,
            ContentType=item.format.content_type,
            CacheControl=_RENDITION_CACHE,
        )
    _put_json(s3, bucket, request.manifest_key, ready_manifest(request=request, etag=etag, rendered=rendered))
    if _deleted_meanwhile(s3, bucket, request):
        return Outcome(status="deleted", source_bytes=size)
    return Outcome(status="ready", renditions=len(rendered.renditions), source_bytes=size)


def _original_replaced(s3, bucket: str, request: ResizeRequest) -> Outcome:
    """The key holds another object than the one the site confirmed: nothing of it is read or rendered, the photo
    fails. Its manifest carries the pinned ETag, the version the site waits for. A photo already finished for that
    version keeps its result. The replacement keeps its tags: nothing confirmed it, so the expiry of unconfirmed
    uploads may take it."""
    if is_current(_read_manifest(s3, bucket, request.manifest_key), etag=request.source_etag):
        return Outcome(status="unchanged")
    manifest = failed_manifest(request=request, etag=request.source_etag, code=REPLACED_CODE, message=REPLACED_MESSAGE)
    _put_json(s3, bucket, request.manifest_key, manifest)
    if _deleted_meanwhile(s3, bucket, request):
        return Outcome(status="deleted")
    return Outcome(status="failed", error_code=REPLACED_CODE)


def _keep_original(s3, bucket: str, request: ResizeRequest) -> bool:
    """Clear the original's pending tag: the site recorded the photo, or it would not have asked
    (docs/architecture.md#the-pending-tag). False when the original is gone."""
    try:
        s3.delete_object_tagging(Bucket=bucket, Key=request.source_key)
    except ClientError as error:
        if _error_code(error) in _NOT_FOUND:
            return False
        raise
    return True


def _deleted_meanwhile(s3, bucket: str, request: ResizeRequest) -> bool:
    """Checked after the last write: if the original is gone, the photo was deleted while this job ran, and the
    site's delete may have listed the renditions before they existed; remove them."""
    try:
        s3.head_object(Bucket=bucket, Key=request.source_key)
    except ClientError as error:
        if _error_code(error) not in _NOT_FOUND:
            raise
        _remove_outputs(s3, bucket, request)
        return True
    return False


def _remove_outputs(s3, bucket: str, request: ResizeRequest) -> None:
    """Delete everything under the photo's output prefix. Failures raise, so the queue retries, and the retry,
    finding no original, comes back here."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=request.output_prefix)
    keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
    for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
        batch = [{"Key": key} for key in keys[start : start + 1000]]
        response = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        if response.get("Errors"):
            raise RuntimeError(f"could not delete {len(response['Errors'])} output(s): {response['Errors'][0]}")


def _read_manifest(s3, bucket: str, key: str) -> dict | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if _error_code(error) in _NOT_FOUND:
            return None
        raise
    try:
        return json.loads(body)
    except ValueError:
        return None  # unreadable: treat as absent and write a good one


def _put_json(s3, bucket: str, key: str, document: dict) -> None:
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(document, separators=(",", ":")).encode(),
        ContentType="application/json",
        CacheControl="no-cache",
    )


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
