"""A request body over DATA_UPLOAD_MAX_MEMORY_SIZE: a JSON 413 on the API, Django's 400 page elsewhere."""

import pytest
from django.conf import settings
from django.test import Client

from tests.web.helpers import post_json

pytestmark = pytest.mark.django_db
TOO_LARGE = "The request body is too large: the API reads at most 2621440 bytes."


def oversized_json() -> str:
    return '{"filename": "' + "a" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + '"}'


@pytest.mark.parametrize("url", ["/api/uploads/presign", "/api/uploads/confirm"])
def test_an_oversized_json_body_is_a_json_413(user_client, url):
    response = post_json(user_client, url, oversized_json())

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": TOO_LARGE}


def test_an_oversized_form_body_read_by_the_csrf_check_is_a_json_413(user):
    # GIVEN a client the CSRF middleware checks: it reads a form-encoded body before any view runs
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    strict.get("/photos/")  # the CSRF cookie, as the page sets it

    response = strict.post("/api/uploads/presign", {"filename": "a" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})

    assert response.status_code == 413
    assert response.json() == {"error": TOO_LARGE}


def test_a_body_at_the_limit_is_read(user_client):
    body = '{"filename": ""}'.ljust(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)

    response = post_json(user_client, "/api/uploads/presign", body)

    assert response.status_code == 400
    assert response.json() == {"error": "'content_type' is required and must be a str."}


def test_an_oversized_form_on_a_page_keeps_djangos_400_page(client):
    response = client.post("/login/", {"username": "a" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "password": "x"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
