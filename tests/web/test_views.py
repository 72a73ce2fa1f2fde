"""The site-wide views (web/views.py): the CSRF failure answers the API with JSON and pages with Django's page."""

import pytest
from django.test import Client

from tests.web.helpers import post_json

pytestmark = pytest.mark.django_db


def test_api_enforces_csrf_with_a_message_the_upload_page_can_show(user):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)

    response = post_json(strict, "/api/uploads/presign", {"filename": "a.jpg", "content_type": "image/jpeg", "size": 1})

    assert response.status_code == 403
    assert response.json() == {
        "error": "Your session has changed since this page was opened: reload the page and try again."
    }


def test_a_page_keeps_djangos_csrf_failure_page(user):
    strict = Client(enforce_csrf_checks=True)

    response = strict.post("/login/", {"username": "a@example.com", "password": "x"})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
