"""The "before" of Darkroom's upload: a confirm request that resizes and emails inline, for bench/upload_latency.py
only (it never ships: web/ has no such view). The real confirm's HEAD and photo row, then the resize function's own
job (GET the original, clear its pending tag, render with renditions.py, PUT renditions and manifest) and an SES v2
send of the photo's email (an upload_batch email of one) built by the notify function's core, all before answering.
It skips the real confirm's other checks, outbox rows and card markup, so it errs on the fast side and the ratio is
conservative.

Needs functions/resize and functions/notify on the path (the benchmark's worker process sets PYTHONPATH).
"""

import json
import os
import time
from functools import cache

import boto3
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

import mail
import resize_job
from resize_request import parse_request
from web import aws, contracts
from web.photos import keys, services, uploads
from web.photos.api import json_login_required
from web.photos.models import Photo
from web.urls import urlpatterns as site_urlpatterns

# Milliseconds of each inline part, per request, for the cost model (resize and email durations).
PART_TIMINGS: list[dict[str, float]] = []


@cache
def ses_client():
    return boto3.client("sesv2")


@require_POST
@json_login_required
def upload_confirm_inline(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    photo_id = keys.photo_id_from_upload_key(user_id=request.user.pk, key=body["key"])
    head = aws.head_object(key=body["key"])
    photo = Photo.objects.create(
        id=photo_id,
        owner=request.user,
        original_key=body["key"],
        etag=head["ETag"],
        filename=uploads.clean_filename(body["filename"]),
        content_type=head["ContentType"],
        size_bytes=head["ContentLength"],
        correlation_id=request.correlation_id,
    )
    started = time.perf_counter()
    resize = contracts.resize_requested(
        photo_id=str(photo.pk),
        source_key=photo.original_key,
        source_etag=photo.etag,
        output_prefix=keys.renditions_prefix(photo_id=photo.pk),
        correlation_id=photo.correlation_id,
    )
    resize_job.run(parse_request(json.dumps(resize)), s3=aws.s3_client(), bucket=settings.DARKROOM_BUCKET)
    photo = services.photo_refresh(photo=photo)
    resized = time.perf_counter()
    email = contracts.upload_batch_email(
        batch_id=str(photo.pk),
        to=request.user.email,
        developed=1 if photo.status == Photo.Status.READY else 0,
        failed=[] if photo.status == Photo.Status.READY else [{"filename": photo.filename, "reason": "failed"}],
        gallery_url=settings.DARKROOM_SITE_URL.rstrip("/") + reverse("gallery"),
        correlation_id=photo.correlation_id,
    )
    site_origin = settings.DARKROOM_SITE_URL.split("/", 3)[:3]
    mail_settings = mail.MailSettings.from_env({**os.environ, "DARKROOM_SITE_ORIGIN": "/".join(site_origin)})
    ses_client().send_email(**mail.send_email_request(mail.parse_message(json.dumps(email)), settings=mail_settings))
    PART_TIMINGS.append({"resize_ms": (resized - started) * 1000, "email_ms": (time.perf_counter() - resized) * 1000})
    return JsonResponse({"id": str(photo.pk), "status": photo.status}, status=201)


urlpatterns = [path("bench/uploads/confirm-inline", upload_confirm_inline), *site_urlpatterns]
