"""Sign up, log in, log out; bad input gets form errors, never a 500."""

import pytest

from web import contracts
from web.accounts.models import User
from web.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"email": "not-an-email", "password": "correct horse battery"},
            "Enter an email address in the correct format, like name@example.com",
        ),
        ({"email": "new@example.com", "password": "123"}, "This password is too short."),
        ({"email": "new@example.com", "password": "password123"}, "This password is too common."),
        ({"email": "", "password": ""}, "Enter your email address"),
        ({"email": "new@example.com", "password": ""}, "Enter a password"),
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


def test_login_ignores_the_case_of_the_address(client, user):
    response = client.post("/login/", {"username": "ADA@Example.COM", "password": "a-long-enough-passphrase"})

    assert response.status_code == 302 and response["Location"] == "/photos/"


def test_signup_refuses_an_address_notify_could_never_mail(client):
    response = client.post("/signup/", {"email": "ada@[127.0.0.1]", "password": "correct horse battery"})

    assert response.status_code == 400
    assert "not at an IP address" in response.content.decode()
    assert not User.objects.exists()


def test_signup_stores_an_international_domain_in_punycode(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/signup/", {"email": "ada@bücher.de", "password": "correct horse battery"})

    assert User.objects.get().email == "ada@xn--bcher-kva.de"
    assert OutboxMessage.objects.get().body["to"] == "ada@xn--bcher-kva.de"


def test_staff_deleting_photos_and_users_in_the_admin_also_deletes_their_objects(client, user, s3, settings):
    from tests.web.factories import make_photo
    from web.photos.models import Photo

    staff = User.objects.create_superuser(email="ops@example.com", password="an-operator-passphrase")
    client.force_login(staff)
    first, second = make_photo(user), make_photo(user)
    for photo in (first, second):
        s3.put_object(Bucket=settings.DARKROOM_BUCKET, Key=photo.original_key, Body=b"x")

    client.post(f"/admin/photos/photo/{first.pk}/delete/", {"post": "yes"})
    assert [item["Key"] for item in s3.list_objects_v2(Bucket=settings.DARKROOM_BUCKET)["Contents"]] == [
        second.original_key
    ]

    # AND an upload never confirmed and an email still on record: the admin's deletion forgets them as well
    s3.put_object(
        Bucket=settings.DARKROOM_BUCKET, Key=f"uploads/{user.pk}/0508d24d-1c2b-4f3a-9e8d-7c6b5a4f3e2d", Body=b"x"
    )
    email = contracts.password_changed_email(
        change_id="c", to=user.email, reset_page_url="http://t/", correlation_id="c"
    )
    OutboxMessage.objects.create(queue="notify", body=email)

    client.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})
    assert s3.list_objects_v2(Bucket=settings.DARKROOM_BUCKET).get("KeyCount") == 0
    assert not Photo.objects.exists() and not User.objects.filter(pk=user.pk).exists()
    assert not OutboxMessage.objects.filter(body__to="ada@example.com").exists()
