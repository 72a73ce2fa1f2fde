"""Content-Security-Policy and Permissions-Policy on every response: pages, the API, errors.

The browser side (the site working under the policy, no violation reported) is tests/e2e/test_content_security.py.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import NoCredentialsError

from tests.web.helpers import post_json, presign
from web import aws, security_headers
from web.photos import selectors

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
FEATURES_OFF = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "display-capture"]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for directive in policy.split("; "):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def bucket(aws_mock, settings):
    """The bucket's origin as moto's S3 client signs it (virtual-hosted, amazonaws.com)."""
    security_headers._signed_url_origin.cache_clear()
    return f"https://{settings.DARKROOM_BUCKET}.s3.amazonaws.com"


def test_a_page_allows_only_the_sites_own_files_and_the_bucket(client, bucket):
    response = client.get("/")

    assert directives(response) == {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", bucket, "data:", "blob:"],
        "connect-src": ["'self'", bucket],
        "font-src": ["'self'"],
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }


def test_uploads_go_to_an_origin_the_policy_allows(user_client, bucket):
    # GIVEN the URL the upload page posts the file to
    upload_url = presign(user_client).json()["url"]

    response = user_client.get("/photos/")

    assert origin(upload_url) == bucket
    assert bucket in directives(response)["connect-src"]


def test_images_come_from_an_origin_the_policy_allows(user_client, bucket):
    rendition = selectors.rendition_url(key="renditions/x/w480.jpg")

    response = user_client.get("/photos/")

    assert origin(rendition) == bucket
    assert bucket in directives(response)["img-src"]


def test_an_error_page_allows_the_bucket_like_any_page(client, bucket):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert directives(response)["img-src"] == ["'self'", bucket, "data:", "blob:"]
    assert response["Permissions-Policy"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/photos/status?ids=", 200),
        ("post", "/api/uploads/presign", 400),
        ("get", "/healthz", 200),
    ],
)
def test_json_responses_carry_both_headers_and_allow_no_bucket(user_client, bucket, method, path, status):
    response = post_json(user_client, path, "not json") if method == "post" else user_client.get(path)

    assert response.status_code == status
    assert directives(response)["default-src"] == ["'none'"]
    assert directives(response)["connect-src"] == ["'self'"]  # JSON loads nothing
    assert directives(response)["frame-ancestors"] == ["'none'"]
    assert response["Permissions-Policy"]


def test_an_api_answer_to_a_stranger_carries_both_headers(client, bucket):
    response = client.get("/api/photos/status?ids=")

    assert response.status_code == 401
    assert "Content-Security-Policy" in response and "Permissions-Policy" in response


def test_a_response_that_is_not_a_page_makes_no_s3_client(client):
    # GIVEN a process that has not talked to S3 yet (a cold Lambda)
    aws.clear_clients()

    client.get("/healthz")

    assert aws.s3_client.cache_info().currsize == 0


@pytest.mark.parametrize("path", ["/", "/api/photos/status?ids="])
def test_permissions_policy_turns_off_the_powerful_features(client, path):
    policy = client.get(path)["Permissions-Policy"]

    features = dict(item.split("=", 1) for item in policy.split(", "))
    for feature in FEATURES_OFF:
        assert features[feature] == "()", feature


def test_without_credentials_to_sign_with_the_policy_names_no_bucket(client, settings, monkeypatch):
    # GIVEN an S3 client that cannot sign (no credentials): no page can show a bucket URL either
    security_headers._signed_url_origin.cache_clear()

    def cannot_sign():
        raise NoCredentialsError

    monkeypatch.setattr(selectors, "image_origin", cannot_sign)

    response = client.get("/")

    assert directives(response)["connect-src"] == ["'self'"]
    assert directives(response)["img-src"] == ["'self'", "data:", "blob:"]
    assert settings.DARKROOM_CSP_BUCKET not in response["Content-Security-Policy"]
    security_headers._signed_url_origin.cache_clear()


# What 'script-src'/'style-src' 'self' refuse in markup: inline scripts, style attributes and elements, handlers.
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)


@pytest.mark.parametrize(
    "template",
    sorted(str(path.relative_to(ROOT)) for path in (ROOT / "web").glob("**/templates/**/*.html")),
)
def test_no_template_has_inline_script_style_or_handler(template):
    assert INLINE.findall((ROOT / template).read_text()) == []
