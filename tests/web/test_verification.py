"""Verified addresses: nothing but the confirmation link goes to an address until its owner follows it
(web/accounts/verification.py), and a changed address is confirmed before it replaces the old one."""

import re
import uuid
from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from tests.web.factories import deliver_manifest, manifest_for
from tests.web.helpers import upload_and_confirm
from web.accounts.models import User
from web.accounts.verification import confirmation_link
from web.outbox.models import OutboxMessage
from web.photos.batches import upload_batch_mail
from web.photos.models import Photo

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
LURE = "URGENT Your bank account is locked - call +1-555-0100 or visit evil-bank.example to restore access.jpg"


def emails(kind: str | None = None) -> list[dict]:
    bodies = OutboxMessage.objects.filter(queue="notify").order_by("pk").values_list("body", flat=True)
    return [body for body in bodies if kind is None or body["kind"] == kind]


def link_path(email: dict) -> str:
    return re.sub(r"^http://testserver", "", email["data"]["verify_url"])


@pytest.fixture
def newcomer(client, django_capture_on_commit_callbacks):
    """Someone who just signed up, logged in, with the confirmation email recorded."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/signup/", {"email": "new@example.com", "password": PASSWORD})
    assert response.status_code == 302
    return User.objects.get(email="new@example.com")


def test_signing_up_as_a_strangers_address_sends_them_only_the_confirmation(
    client, newcomer, s3, settings, django_capture_on_commit_callbacks
):
    # GIVEN an account signed up with someone else's address (issue 16), never confirmed
    # WHEN it uploads 20 files named like a phishing lure, and every one settles
    batch_id = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(20):
            upload_and_confirm(client, filename=LURE, batch={"id": batch_id, "size": 20})
        for photo in Photo.objects.all():
            deliver_manifest(s3, settings.DARKROOM_BUCKET, photo, manifest_for(photo))
        upload_batch_mail.call(batch_id)

    # THEN the address got one email, the confirmation, whose subject and body carry nothing the uploader chose
    assert [email["kind"] for email in emails()] == ["verify_address"]
    assert "bank" not in str(emails()[0])


def test_every_page_says_the_address_waits_for_confirmation_and_what_that_means(client, newcomer):
    page = client.get("/photos/").content.decode()

    assert "Confirm your address" in page and "new@example.com" in page
    assert "no upload summaries, no password resets" in page


def test_a_confirmed_account_sees_no_reminder(user_client):
    assert "Confirm your address" not in user_client.get("/photos/").content.decode()


def test_opening_the_link_only_asks_and_the_post_confirms(client, newcomer):
    path = link_path(emails("verify_address")[0])

    # WHEN a mail scanner (or the owner) opens the link THEN nothing is confirmed yet
    page = client.get(path)
    assert page.status_code == 200 and "Confirm my address" in page.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.email_verified_at is None

    # WHEN the owner presses the button THEN the address is confirmed, and pressing again is harmless
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == "/account/"
    newcomer.refresh_from_db()
    assert newcomer.email_verified_at is not None
    assert client.post(path).status_code == 302


def test_the_link_works_without_a_login(client, newcomer):
    path = link_path(emails("verify_address")[0])
    client.logout()

    response = client.post(path)

    assert response.status_code == 302 and response["Location"] == "/login/"
    assert User.objects.get(pk=newcomer.pk).email_verified_at is not None


def test_once_confirmed_the_owner_gets_their_mail(client, newcomer, django_capture_on_commit_callbacks):
    client.post(link_path(emails("verify_address")[0]))

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/password/reset/", {"email": "new@example.com"})

    assert [email["to"] for email in emails("password_reset")] == ["new@example.com"]


def test_an_expired_link_says_so(client, newcomer, settings):
    path = link_path(emails("verify_address")[0])
    settings.DARKROOM_VERIFICATION_LINK_SECONDS = -1

    response = client.get(path)

    assert response.status_code == 400 and "This link has expired" in response.content.decode()
    assert client.post(path).status_code == 400
    assert User.objects.get(pk=newcomer.pk).email_verified_at is None


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        signing.dumps([1, "new@example.com"], salt="another-purpose"),
        signing.dumps([1, "new@example.com"], salt="darkroom.accounts.verify-address")[:-3] + "abc",
    ],
    ids=["garbage", "signed-for-something-else", "tampered"],
)
def test_a_link_darkroom_did_not_sign_is_refused(client, newcomer, token):
    response = client.post(f"/account/confirm/{token}/")

    assert response.status_code == 400 and "not a link Darkroom sent" in response.content.decode()
    assert User.objects.get(pk=newcomer.pk).email_verified_at is None


def test_a_link_for_a_deleted_account_says_so(client, newcomer):
    path = link_path(emails("verify_address")[0])
    User.objects.filter(pk=newcomer.pk).update(is_active=False)

    response = client.post(path)

    assert response.status_code == 400 and "no longer exists" in response.content.decode()


def test_another_link_waits_a_few_minutes(client, newcomer, settings, django_capture_on_commit_callbacks):
    # WHEN the owner asks for the link again at once THEN they are told how long to wait, and nothing is sent
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/address/resend/", follow=True)
    assert "You can ask for another in 5 minutes" in response.content.decode()
    assert len(emails("verify_address")) == 1

    # WHEN the few minutes have passed THEN a fresh link goes out
    User.objects.filter(pk=newcomer.pk).update(verification_sent_at=timezone.now() - timedelta(minutes=6))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/address/resend/", follow=True)
    assert "A new link is on its way to new@example.com" in response.content.decode()
    assert len(emails("verify_address")) == 2


def test_asking_for_links_is_capped_per_network(client, newcomer, settings):
    settings.DARKROOM_EMAIL_FORMS_PER_NETWORK_PER_HOUR = 0

    response = client.post("/account/address/resend/", follow=True)

    assert "Too many requests from your network" in response.content.decode()


def test_a_password_reset_for_an_unconfirmed_address_sends_the_confirmation_instead(
    client, newcomer, django_capture_on_commit_callbacks
):
    client.logout()
    User.objects.filter(pk=newcomer.pk).update(verification_sent_at=timezone.now() - timedelta(minutes=6))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/password/reset/", {"email": "new@example.com"})

    assert response.status_code == 302  # the same answer as for any address
    assert [email["kind"] for email in emails()] == ["verify_address", "verify_address"]


def test_a_password_change_on_an_unconfirmed_account_mails_nothing(
    client, newcomer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/password/change/",
            {
                "old_password": PASSWORD,
                "new_password1": "a new long passphrase",
                "new_password2": "a new long passphrase",
            },
        )

    assert User.objects.get(pk=newcomer.pk).check_password("a new long passphrase")
    assert [email["kind"] for email in emails()] == ["verify_address"]


def test_changing_the_address_keeps_the_old_one_until_the_new_is_confirmed(
    user_client, user, django_capture_on_commit_callbacks
):
    # WHEN the owner asks to use a new address, with their password
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(
            "/account/address/", {"email": "Ada@New.example", "password": "a-long-enough-passphrase"}
        )

    # THEN the new address gets a link, and the account keeps the old one meanwhile
    assert response.status_code == 302
    [email] = emails("verify_address")
    assert email["to"] == "ada@new.example"
    user.refresh_from_db()
    assert (user.email, user.email_pending) == ("ada@example.com", "ada@new.example")
    assert "Changing to" in user_client.get("/account/").content.decode()

    # WHEN its link is followed THEN it becomes the account's confirmed address
    user_client.post(link_path(email))
    user.refresh_from_db()
    assert (user.email, user.email_pending) == ("ada@new.example", "")
    assert user.email_verified_at is not None


def test_changing_the_address_needs_the_password(user_client, user):
    response = user_client.post("/account/address/", {"email": "ada@new.example", "password": "wrong"})

    assert response.status_code == 400 and "That is not your password" in response.content.decode()
    assert emails() == []


@pytest.mark.parametrize(
    ("address", "error"),
    [
        ("ada@example.com", "That is already your address"),
        ("grace@example.com", "Another account uses this address"),
        ("not-an-address", "Enter an email address in the correct format"),
    ],
    ids=["same", "taken", "malformed"],
)
def test_a_new_address_that_cannot_be_used_is_refused(user_client, other_user, address, error):
    response = user_client.post("/account/address/", {"email": address, "password": "a-long-enough-passphrase"})

    assert response.status_code == 400 and error in response.content.decode()
    assert emails() == []


def test_a_link_to_an_address_no_longer_on_the_account_confirms_nothing(client, newcomer):
    # GIVEN the signup's link, then a corrected address (a typo need not wait for the resend interval), which
    # replaces the unconfirmed one at once
    old_link = link_path(emails("verify_address")[0])
    client.post("/account/address/", {"email": "fixed@example.com", "password": PASSWORD})
    assert len(emails("verify_address")) == 2
    assert User.objects.get(pk=newcomer.pk).email == "fixed@example.com"

    # WHEN the old link is followed THEN it confirms nothing
    response = client.post(old_link)

    assert response.status_code == 400 and "no longer on the account" in response.content.decode()
    assert User.objects.get(pk=newcomer.pk).email_verified_at is None


def test_an_address_taken_before_its_link_is_followed_is_not_handed_over(user_client, user):
    user.email_pending = "grace@example.com"
    user.save()
    User.objects.create_user(email="grace@example.com", password=PASSWORD)

    response = user_client.post(
        f"/account/confirm/{confirmation_link(user_id=user.pk, address='grace@example.com').split('/confirm/')[1]}"
    )

    assert response.status_code == 400 and "Another account uses this address" in response.content.decode()
    assert User.objects.get(pk=user.pk).email == "ada@example.com"


def test_a_bounced_address_can_be_replaced_and_the_new_one_gets_mail(user_client, user):
    # GIVEN an address SES reported bouncing
    User.objects.filter(pk=user.pk).update(mail_stopped_at=timezone.now(), mail_stopped_reason="bounce")

    # WHEN the owner changes it THEN the new address gets its link despite the old one's bounce
    user_client.post("/account/address/", {"email": "ada@new.example", "password": "a-long-enough-passphrase"})
    [email] = emails("verify_address")
    user_client.post(link_path(email))

    # AND once confirmed it is mailed again
    user.refresh_from_db()
    assert user.email == "ada@new.example" and user.mail_stopped_at is None


def test_a_bounced_address_gets_no_further_confirmation(client, newcomer, django_capture_on_commit_callbacks):
    User.objects.filter(pk=newcomer.pk).update(
        mail_stopped_at=timezone.now(), mail_stopped_reason="bounce", verification_sent_at=None
    )

    client.post("/account/address/resend/")

    assert len(emails("verify_address")) == 1  # the signup's only


def test_the_operators_account_needs_no_confirmation():
    admin = User.objects.create_superuser(email="ops@example.com", password=PASSWORD)

    assert admin.email_verified_at is not None
