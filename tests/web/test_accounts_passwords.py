"""Forgotten and changed passwords: the reset email goes through the outbox and notify like every other email."""

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils import timezone
from django.utils.http import urlsafe_base64_encode

from web.accounts.models import User
from web.accounts.services import duration_text, password_reset_request
from web.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db

OLD_PASSWORD = "a-long-enough-passphrase"  # the `user` fixture's
NEW_PASSWORD = "a-brand-new-passphrase"


def _messages(kind: str) -> list[dict]:
    return [message.body for message in OutboxMessage.objects.all() if message.body["kind"] == kind]


def _reset_messages() -> list[dict]:
    return _messages("password_reset")


def _ask_for_a_reset(client, email: str, capture) -> object:
    with capture(execute=True):
        return client.post("/password/reset/", {"email": email})


@pytest.fixture
def sent_reset_link(notify_messages):
    """The link in the reset email the site sent, as notify receives it (the outbox row forgets it once sent)."""

    def link() -> str:
        [message] = [message for message in notify_messages() if message["kind"] == "password_reset"]
        return message["data"]["reset_url"]

    return link


def _path_of(url: str) -> str:
    return re.sub(r"^http://testserver", "", url)


def test_login_page_offers_a_reset(client):
    assert 'href="/password/reset/"' in client.get("/login/").content.decode()


def test_reset_request_records_one_email_and_sends_it(
    client, user, django_capture_on_commit_callbacks, notify_messages
):
    response = _ask_for_a_reset(client, "ada@example.com", django_capture_on_commit_callbacks)

    assert response.status_code == 302 and response["Location"] == "/password/reset/sent/"
    [sent] = notify_messages()
    assert sent["kind"] == "password_reset" and sent["to"] == "ada@example.com"
    assert sent["data"]["email"] == "ada@example.com"
    assert sent["data"]["expires_in"] == "1 hour"
    assert sent["data"]["reset_url"].startswith("http://testserver/password/reset/")
    assert sent["idempotency_key"].startswith("password-reset:")
    assert sent["correlation_id"]
    # AND once sent, the outbox row keeps everything but the link
    [row] = _reset_messages()
    assert row == {**sent, "data": {**sent["data"], "reset_url": "(hidden)"}}


def test_done_page_says_how_long_the_link_works_and_when_to_ask_again(client):
    page = client.get("/password/reset/sent/").content.decode()

    assert "works\nfor 1 hour" in page and "one every 5 minutes" in page


def test_reset_link_sets_a_new_password_once(sent_reset_link, client, user, django_capture_on_commit_callbacks):
    _ask_for_a_reset(client, "ada@example.com", django_capture_on_commit_callbacks)
    link = _path_of(sent_reset_link())

    # WHEN the link is followed: Django moves the token into the session and out of the address bar
    form_page = client.get(link, follow=True)
    assert form_page.redirect_chain[-1][0].endswith("/set-password/")
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    # THEN the new password works, the old one does not, and the link is spent
    assert done.status_code == 302 and done["Location"] == "/password/reset/complete/"
    assert "Your new password is set" in client.get("/password/reset/complete/").content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(OLD_PASSWORD)
    assert "does not work any more" in client.get(link, follow=True).content.decode()


def test_reset_logs_out_every_other_session(sent_reset_link, client, user, django_capture_on_commit_callbacks):
    elsewhere = Client()
    elsewhere.force_login(user)
    _ask_for_a_reset(client, "ada@example.com", django_capture_on_commit_callbacks)
    form_page = client.get(_path_of(sent_reset_link()), follow=True)

    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert elsewhere.get("/photos/").status_code == 302


def test_reset_refuses_a_weak_new_password(sent_reset_link, client, user, django_capture_on_commit_callbacks):
    _ask_for_a_reset(client, "ada@example.com", django_capture_on_commit_callbacks)
    form_page = client.get(_path_of(sent_reset_link()), follow=True)

    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": "123", "new_password2": "123"})

    assert response.status_code == 200
    assert "This password is too short." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(OLD_PASSWORD)


def test_reset_refuses_mismatched_new_passwords(sent_reset_link, client, user, django_capture_on_commit_callbacks):
    _ask_for_a_reset(client, "ada@example.com", django_capture_on_commit_callbacks)
    form_page = client.get(_path_of(sent_reset_link()), follow=True)

    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )

    assert "The two password fields didn" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(OLD_PASSWORD)


@pytest.mark.parametrize(
    "link",
    [
        "/password/reset/{uid}/cn4x2p-0123456789abcdef/",  # the user's own id with a made-up token
        "/password/reset/%%%/abc-def/",  # an undecodable user id
        "/password/reset/OTk5OTk/abc-def/",  # no such user
    ],
)
def test_a_bad_link_says_so_and_offers_a_new_one(client, user, link):
    page = client.get(link.format(uid=urlsafe_base64_encode(str(user.pk).encode())), follow=True)

    assert page.status_code == 200
    assert "does not work any more" in page.content.decode()
    assert 'href="/password/reset/"' in page.content.decode()


def test_an_expired_link_says_so(sent_reset_link, client, user, monkeypatch, django_capture_on_commit_callbacks):
    _ask_for_a_reset(client, "ada@example.com", django_capture_on_commit_callbacks)
    link = _path_of(sent_reset_link())
    an_hour_later = datetime.now() + timedelta(hours=1, seconds=2)
    monkeypatch.setattr(default_token_generator, "_now", lambda: an_hour_later)

    page = client.get(link, follow=True)

    assert "does not work any more" in page.content.decode()


def test_unknown_address_gets_the_same_answer_and_no_email(client, user, django_capture_on_commit_callbacks):
    response = _ask_for_a_reset(client, "nobody@example.com", django_capture_on_commit_callbacks)

    assert response.status_code == 302 and response["Location"] == "/password/reset/sent/"
    assert _reset_messages() == []


def test_an_international_address_finds_its_account(client, django_capture_on_commit_callbacks):
    # as signup stores ada@bücher.de
    User.objects.create_user(email="ada@xn--bcher-kva.de", password=OLD_PASSWORD, email_verified_at=timezone.now())

    _ask_for_a_reset(client, "ada@bücher.de", django_capture_on_commit_callbacks)

    assert [message["to"] for message in _reset_messages()] == ["ada@xn--bcher-kva.de"]


def test_address_case_does_not_matter(client, user, django_capture_on_commit_callbacks):
    _ask_for_a_reset(client, "ADA@Example.com", django_capture_on_commit_callbacks)

    assert [message["to"] for message in _reset_messages()] == ["ada@example.com"]


def test_inactive_or_passwordless_accounts_get_no_email(client, user, other_user, django_capture_on_commit_callbacks):
    User.objects.filter(pk=user.pk).update(is_active=False)
    other_user.set_unusable_password()
    other_user.save()

    _ask_for_a_reset(client, "ada@example.com", django_capture_on_commit_callbacks)
    _ask_for_a_reset(client, "grace@example.com", django_capture_on_commit_callbacks)

    assert _reset_messages() == []


def test_second_request_within_the_interval_records_nothing(client, user, django_capture_on_commit_callbacks):
    first = _ask_for_a_reset(client, "ada@example.com", django_capture_on_commit_callbacks)
    second = _ask_for_a_reset(client, "ada@example.com", django_capture_on_commit_callbacks)

    assert first["Location"] == second["Location"] == "/password/reset/sent/"
    assert len(_reset_messages()) == 1


def test_request_after_the_interval_records_a_fresh_link(user):
    assert password_reset_request(email="ada@example.com", correlation_id="c1")
    User.objects.filter(pk=user.pk).update(password_reset_requested_at=timezone.now() - timedelta(seconds=301))

    assert password_reset_request(email="ada@example.com", correlation_id="c2")

    first, second = _reset_messages()
    assert first["idempotency_key"] != second["idempotency_key"]  # so notify sends the second one too


def test_reset_link_ignores_a_forged_host_header(
    sent_reset_link, client, user, settings, django_capture_on_commit_callbacks
):
    settings.ALLOWED_HOSTS = ["*"]
    settings.DARKROOM_SITE_URL = "https://photos.example/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/password/reset/", {"email": "ada@example.com"}, HTTP_HOST="evil.example")

    assert sent_reset_link().startswith("https://photos.example/password/reset/")


@pytest.mark.parametrize(
    ("email", "error"), [("", "Enter your email address"), ("ada", "Enter an email address in the correct format")]
)
def test_reset_form_rejects_bad_input(client, email, error):
    response = client.post("/password/reset/", {"email": email})

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not OutboxMessage.objects.exists()


def test_admin_hides_the_reset_link_of_a_message_not_sent_yet(client, user):
    password_reset_request(email="ada@example.com", correlation_id="c")  # on_commit never runs here: still pending
    staff = User.objects.create_superuser(email="ops@example.com", password="an-operator-passphrase")
    client.force_login(staff)
    message = OutboxMessage.objects.get()

    page = client.get(f"/admin/outbox/outboxmessage/{message.pk}/change/").content.decode()

    assert "(hidden)" in page and "password_reset" in page
    assert message.body["data"]["reset_url"] not in page
    assert client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200


def test_password_change_keeps_this_session_and_ends_the_others(user_client, user):
    elsewhere = Client()
    elsewhere.force_login(user)

    response = user_client.post(
        "/password/change/",
        {"old_password": OLD_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302 and response["Location"] == "/password/change/done/"
    assert "Your password is changed" in user_client.get("/password/change/done/").content.decode()
    assert SESSION_KEY in user_client.session and user_client.get("/photos/").status_code == 200
    assert elsewhere.get("/photos/").status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_change_needs_the_old_password(user_client, user):
    response = user_client.post(
        "/password/change/", {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(OLD_PASSWORD)


def test_password_change_needs_a_login(client):
    response = client.get("/password/change/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (3600, "1 hour"),
        (7200, "2 hours"),
        (300, "5 minutes"),
        (60, "1 minute"),
        (5400, "90 minutes"),
        (86400, "1 day"),
        (3 * 86400, "3 days"),
        (90000, "25 hours"),
    ],
)
def test_duration_text(seconds, text):
    assert duration_text(seconds) == text


def test_a_reset_password_tells_the_owner(
    sent_reset_link, client, user, django_capture_on_commit_callbacks, notify_messages
):
    _ask_for_a_reset(client, "ada@example.com", django_capture_on_commit_callbacks)
    form_page = client.get(_path_of(sent_reset_link()), follow=True)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    [notice] = _messages("password_changed")
    assert notice["to"] == "ada@example.com"
    assert notice["data"] == {"email": "ada@example.com", "reset_page_url": "http://testserver/password/reset/"}
    assert [message["kind"] for message in notify_messages()] == ["password_changed"]


def test_a_changed_password_tells_the_owner(user_client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user_client.post(
            "/password/change/",
            {"old_password": OLD_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )

    assert [message["to"] for message in _messages("password_changed")] == ["ada@example.com"]


def test_a_refused_change_tells_nobody(user_client, user):
    user_client.post(
        "/password/change/", {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert _messages("password_changed") == []


def test_the_notice_is_recorded_with_the_password_or_not_at_all(user_client, user, monkeypatch):
    from web.accounts import views

    def broken_outbox(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(views, "password_changed", broken_outbox)
    user_client.raise_request_exception = False

    response = user_client.post(
        "/password/change/",
        {"old_password": OLD_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 500
    user.refresh_from_db()
    assert user.check_password(OLD_PASSWORD)  # the new password was rolled back with the missing notice


def test_password_forms_say_what_is_missing_in_plain_words(user_client):
    page = user_client.post("/password/change/", {}).content.decode()

    for words in ["Current password", "Enter your current password", "Enter a new password", "New password again"]:
        assert words in page
    assert "This field is required" not in page
