"""The headers Django's SecurityMiddleware leaves to the site: the Content-Security-Policy with the bucket's origin in
it, and Permissions-Policy. docs/security.md says why each directive is there."""

from functools import lru_cache

from botocore.exceptions import NoCredentialsError
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware import csp
from django.utils.csp import CSP

from web import aws
from web.photos import selectors


def bucket_origin() -> str:
    """The origin the browser reads renditions from and posts uploads to, or "" when there are no credentials to sign
    with (then no bucket URL reaches a page either)."""
    return _signed_url_origin(aws.s3_client(), settings.DARKROOM_BUCKET)


# Keyed on the client and bucket, though only image_origin reads them: a new client (a new endpoint) or bucket is a
# new origin. Signing is local, but once per process is enough.
@lru_cache(maxsize=8)
def _signed_url_origin(client, bucket: str) -> str:
    try:
        return selectors.image_origin()
    except NoCredentialsError:
        return ""


def with_bucket(policy: str, origin: str) -> str:
    """The policy with settings.DARKROOM_CSP_BUCKET, which always follows another source, replaced by `origin`."""
    return policy.replace(f" {settings.DARKROOM_CSP_BUCKET}", f" {origin}" if origin else "")


def _page_bucket_origin(response: HttpResponse) -> str:
    """The bucket's origin for an HTML page; nothing for JSON and static files, which load nothing. The first S3
    client costs a cold process about 0.2 s, which /healthz and the API's JSON need not pay."""
    return bucket_origin() if response.get("Content-Type", "").startswith("text/html") else ""


class ContentSecurityPolicyMiddleware(csp.ContentSecurityPolicyMiddleware):
    """Django's CSP middleware (settings.SECURE_CSP, @csp_override), with the bucket's origin filled in: only the S3
    client knows it (region, endpoint, addressing style), so the settings name it with a placeholder."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response = super().process_response(request, response)
        for header in (str(CSP.HEADER_ENFORCE), str(CSP.HEADER_REPORT_ONLY)):  # WSGI wants plain str names
            if settings.DARKROOM_CSP_BUCKET in response.get(header, ""):
                response.headers[header] = with_bucket(response[header], _page_bucket_origin(response))
        return response


def permissions_policy(features_off: list[str]) -> str:
    """Permissions-Policy turning each feature off for the page and every frame in it: "camera=(), usb=()"."""
    return ", ".join(f"{feature}=()" for feature in features_off)


class PermissionsPolicyMiddleware:
    """Django has no setting for Permissions-Policy; this sends settings.DARKROOM_PERMISSIONS_POLICY_OFF."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", permissions_policy(settings.DARKROOM_PERMISSIONS_POLICY_OFF))
        return response
