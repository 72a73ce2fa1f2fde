"""Sign up, log in, log out; bad input gets form errors, never a 500."""

import pytest

from web.accounts.models import User
from web.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email", "password": "correct horse battery"}, "Enter a valid email address."),
        ({"email": "new@example.com", "password": "123"}, "This password is too short."),
        ({"email": "new@example.com", "password": "password123"}, "This password is too common."),
        ({"email": "", "password": ""}, "This field is required."),
    ],
)
def test_signup_rejects_bad_input(client, data, message):
    response = client.post("/signup/", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.exists() and not OutboxMessage.objects.exists()


def test_signup_refuses_an_existing_address_whatever_its_case(client, user):
    response = client.post("/signup/", {"email": "ADA@example.com", "password": "correct horse battery"})

    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_login_and_logout(client, user):
    response = client.post("/login/", {"username": "ada@example.com", "password": "a-long-enough-passphrase"})
    assert response.status_code == 302 and response["Location"] == "/photos/"
    assert client.get("/photos/").status_code == 200

    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/photos/").status_code == 302


def test_login_with_a_wrong_password_says_so(client, user):
    response = client.post("/login/", {"username": "ada@example.com", "password": "nope"})

    assert response.status_code == 200
    assert "Please enter a correct email and password" in response.content.decode()


def test_home_and_health(client):
    assert "Create an account" in client.get("/").content.decode()
    assert client.get("/healthz").json() == {"status": "ok"}


def test_staff_get_the_admin_for_users_photos_and_outbox(client, db):
    staff = User.objects.create_superuser(email="ops@example.com", password="an-operator-passphrase")
    client.force_login(staff)

    for url in (
        "/admin/accounts/user/",
        "/admin/photos/photo/",
        "/admin/outbox/outboxmessage/",
        "/admin/accounts/user/add/",
    ):
        assert client.get(url).status_code == 200, url
